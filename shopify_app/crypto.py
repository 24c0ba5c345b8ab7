"""Encryption at rest for Shopify tokens (access and refresh tokens).

``settings.TOKEN_ENCRYPTION_KEYS`` lists Fernet keys, newest first. Everything is encrypted with
the newest key; every key still decrypts, so a key can be rotated without downtime:

1. prepend a new key to ``TOKEN_ENCRYPTION_KEYS`` and deploy;
2. ciphertexts are re-encrypted as they are read (``shopify_app.services.credentials``), or all
   at once with ``manage.py rotate_token_encryption``;
3. once that command reports nothing left to rotate, drop the old key.

Plaintexts never leave this module except as return values: nothing here logs, and the errors
raised carry no token material.
"""

from __future__ import annotations

from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class TokenDecryptionError(Exception):
    """A stored ciphertext could not be decrypted with any configured key."""


@cache
def _fernets(keys: tuple[str, ...]) -> tuple[Fernet, MultiFernet]:
    if not keys:
        raise ImproperlyConfigured("TOKEN_ENCRYPTION_KEYS is empty: tokens cannot be stored.")
    try:
        fernets = [Fernet(key) for key in keys]
    except ValueError:
        raise ImproperlyConfigured(
            "TOKEN_ENCRYPTION_KEYS must be url-safe base64 Fernet keys (32 bytes)."
        ) from None
    return fernets[0], MultiFernet(fernets)


def _current() -> tuple[Fernet, MultiFernet]:
    # Keyed on the key tuple, so settings overrides in tests take effect immediately.
    return _fernets(tuple(settings.TOKEN_ENCRYPTION_KEYS))


def encrypt(plaintext: str) -> str:
    return _current()[1].encrypt(plaintext.encode()).decode()


def decrypt(ciphertext: str) -> str:
    try:
        return _current()[1].decrypt(ciphertext.encode()).decode()
    except InvalidToken:
        raise TokenDecryptionError(
            "stored token does not decrypt with any TOKEN_ENCRYPTION_KEYS entry"
        ) from None


def needs_rotation(ciphertext: str) -> bool:
    """True when the ciphertext was made with an older key than the newest one."""
    newest, _ = _current()
    try:
        newest.decrypt(ciphertext.encode())
    except InvalidToken:
        return True
    return False


def rotate(ciphertext: str) -> str:
    """Re-encrypt with the newest key (Fernet keeps the original timestamp)."""
    try:
        return _current()[1].rotate(ciphertext.encode()).decode()
    except InvalidToken:
        raise TokenDecryptionError(
            "stored token does not decrypt with any TOKEN_ENCRYPTION_KEYS entry"
        ) from None
