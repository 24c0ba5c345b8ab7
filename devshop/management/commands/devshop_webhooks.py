"""Send devshop's due webhook deliveries (retries, delayed ones); ``--loop`` keeps doing it.

``make dev`` runs it with ``--loop`` beside devshop so retries go out on schedule; tests call
``devshop.webhooks.delivery.run_due()`` directly after moving devshop's clock.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from devshop.webhooks import delivery


class Command(BaseCommand):
    help = "Send webhook deliveries that are due by devshop's clock."

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true", help="keep running")
        parser.add_argument("--interval", type=float, default=5.0, help="seconds between runs")
        parser.add_argument(
            "--release-held", action="store_true", help="first send held deliveries, newest first"
        )

    def handle(self, *args, loop: bool, interval: float, release_held: bool, **options):
        if release_held:
            self.stdout.write(f"released {delivery.release_held()} held deliveries")
        while True:
            attempted = delivery.run_due()
            if attempted or not loop:
                self.stdout.write(f"attempted {attempted} due deliveries")
            if not loop:
                return
            time.sleep(interval)
