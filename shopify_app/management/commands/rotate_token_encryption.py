"""Re-encrypt every stored Shopify token with the newest TOKEN_ENCRYPTION_KEYS entry.

Run after prepending a new key; when it reports 0, the old key can be removed.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from shopify_app.services.credentials import credential_encryption_rotate


class Command(BaseCommand):
    help = "Re-encrypt stored Shopify tokens with the newest TOKEN_ENCRYPTION_KEYS entry."

    def handle(self, *args, **options) -> None:
        rotated = credential_encryption_rotate()
        self.stdout.write(f"{rotated} credential(s) re-encrypted with the newest key.")
