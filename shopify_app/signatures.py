"""Verifying what Shopify signs: the OAuth/App URL query, app proxy requests and webhooks.

Written independently of ``devshop/signing.py`` (which *produces* these signatures): two
implementations checked against Shopify's published vectors check each other.

Each verifier returns a ``Verification`` carrying a ``reason`` when it fails (like the JS
library's ``{valid: false, reason}``), so callers can log why without logging the signature.
Every comparison is constant-time (``hmac.compare_digest``).

Three signatures, three encodings (shopify-platform.md §1, §5, §7):

- OAuth callback / App URL query: all parameters but ``hmac`` (and ``signature``), sorted by
  key, ``key=value`` form-encoded and joined by ``&``; HMAC-SHA256 with the client secret,
  lowercase hex. The encoding is the one Shopify's JS (``URLSearchParams``) and Ruby
  (``URI.encode_www_form``) libraries use: only ``A-Za-z0-9*-._`` stay literal, a space becomes
  ``+``. The ShopifyAPI Python package signs the *decoded* values instead, which differs as soon
  as a value holds ``/``, ``+`` or ``=`` — as the base64 ``host`` parameter can.
- App proxy: decoded ``key=value`` (repeated values joined by ``,``), sorted, concatenated with
  no separator; HMAC-SHA256, lowercase hex.
- Webhook: HMAC-SHA256 over the raw body bytes, base64; the previous secret is accepted too
  while a secret rotation settles.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from django.conf import settings

# A query's timestamp may be this far from our clock either way (the JS library's tolerance).
TIMESTAMP_TOLERANCE_SECONDS = 90

# Anchored at both ends (``fullmatch``): "x.myshopify.com.attacker.example" must not pass.
_SHOP_DOMAIN = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9\-]*\.myshopify\.com")
# The unified admin's form of a shop, which the JS library maps to {handle}.myshopify.com.
_SHOP_ADMIN_URL = re.compile(
    r"(?:https://)?admin\.shopify\.com/store/([a-zA-Z0-9][a-zA-Z0-9\-]*)/?"
)
_BASE64 = re.compile(r"[0-9a-zA-Z+/]+={0,2}")
# A decoded ``host``: a hostname and an optional plain path (it is used to build a redirect, so
# nothing that could change the URL's authority — ``@``, ``\``, ``:`` … — is allowed).
_DECODED_HOST = re.compile(r"([a-z0-9](?:[a-z0-9.\-]*[a-z0-9])?)(/[A-Za-z0-9._~/\-]*)?")
_HOST_SUFFIXES = (".myshopify.com", ".shopify.com")
# Parameters an app proxy request must carry at most once (JS library hardening), plus the
# customer: Shopify signs a repeated key's values joined by "," — a shopper who adds
# ``?logged_in_customer_id=<someone>`` to a storefront URL gets a validly signed pair of ids,
# and code reading one of them (``dict(pairs)`` keeps the last) would trust an id the shopper
# chose. Nobody but Shopify sets it, once.
_PROXY_SINGLE_KEYS = ("shop", "signature", "timestamp", "hmac", "logged_in_customer_id")
# Bytes left literal by application/x-www-form-urlencoded (WHATWG URL standard, Ruby's
# URI.encode_www_form_component): ASCII alphanumerics and *-._
_FORM_SAFE = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789*-._")


class Reason(StrEnum):
    MISSING_HMAC = "missing_hmac"
    INVALID_HMAC = "invalid_hmac"
    MISSING_SIGNATURE = "missing_signature"
    INVALID_SIGNATURE = "invalid_signature"
    MISSING_TIMESTAMP = "missing_timestamp"
    TIMESTAMP_OUT_OF_RANGE = "timestamp_out_of_range"
    INVALID_SHOP = "invalid_shop"
    REPEATED_PARAMETER = "repeated_parameter"
    MISSING_BODY = "missing_body"


@dataclass(frozen=True)
class Verification:
    valid: bool
    reason: Reason | None = None
    # The validated, normalised shop domain, when the signed data named one.
    shop: str | None = None


def _fail(reason: Reason) -> Verification:
    return Verification(valid=False, reason=reason)


# --- shop domains and hosts -------------------------------------------------------------------


def shop_domain_sanitize(value: str | None) -> str | None:
    """The shop's ``xxx.myshopify.com`` domain (lowercased), or None when ``value`` isn't one.

    Also accepts ``admin.shopify.com/store/{handle}`` and maps it to ``{handle}.myshopify.com``.
    """
    if not value:
        return None
    value = value.strip()
    admin = _SHOP_ADMIN_URL.fullmatch(value)
    if admin:
        value = f"{admin.group(1)}.myshopify.com"
    if not _SHOP_DOMAIN.fullmatch(value):
        return None
    return value.lower()


def host_decode(host: str | None) -> str | None:
    """The decoded ``host`` parameter (e.g. ``admin.shopify.com/store/alice``), or None if invalid.

    Shopify sends base64 with the ``=`` padding removed; it is re-padded here. Valid only if the
    decoded hostname ends in ``.myshopify.com`` or ``.shopify.com``.
    """
    if not host or not _BASE64.fullmatch(host):
        return None
    padded = host.rstrip("=")
    padded += "=" * (-len(padded) % 4)
    try:
        decoded = base64.b64decode(padded, validate=True).decode("ascii")
    except (binascii.Error, UnicodeDecodeError):
        return None
    match = _DECODED_HOST.fullmatch(decoded)
    if not match or not match.group(1).endswith(_HOST_SUFFIXES):
        return None
    return decoded


# --- OAuth callback / App URL query -----------------------------------------------------------


def _form_encode(value: str) -> str:
    out = []
    for byte in value.encode("utf-8"):
        if byte in _FORM_SAFE:
            out.append(chr(byte))
        elif byte == 0x20:
            out.append("+")
        else:
            out.append(f"%{byte:02X}")
    return "".join(out)


def oauth_query_message(params: Iterable[tuple[str, str]]) -> str:
    """The string Shopify signs for a query: decoded ``(key, value)`` pairs in, message out."""
    pairs = sorted((k, v) for k, v in params if k not in ("hmac", "signature"))
    return "&".join(f"{_form_encode(k)}={_form_encode(v)}" for k, v in pairs)


def oauth_query_hmac(params: Iterable[tuple[str, str]], secret: str) -> str:
    message = oauth_query_message(params).encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def oauth_query_verify(
    query: Mapping[str, list[str]], *, secret: str | None = None, now: float | None = None
) -> Verification:
    """Verify an OAuth callback or App URL query (``hmac``, ``timestamp``, ``shop``).

    ``query`` maps each key to its decoded values (``dict(request.GET.lists())``). A key given
    twice is refused: Shopify never repeats one, and a repeat could smuggle a second value past
    code that reads only the first. The ``shop`` must be a valid shop domain.
    """
    if any(len(values) != 1 for values in query.values()):
        return _fail(Reason.REPEATED_PARAMETER)
    flat = {key: values[0] for key, values in query.items()}
    given = flat.get("hmac")
    if not given:
        return _fail(Reason.MISSING_HMAC)
    timestamp = _timestamp_check(flat.get("timestamp"), now)
    if timestamp is not None:
        return timestamp
    expected = oauth_query_hmac(flat.items(), secret or settings.SHOPIFY_API_SECRET)
    if not hmac.compare_digest(expected.encode(), given.encode()):
        return _fail(Reason.INVALID_HMAC)
    shop = shop_domain_sanitize(flat.get("shop"))
    if shop is None:
        return _fail(Reason.INVALID_SHOP)
    return Verification(valid=True, shop=shop)


def _timestamp_check(raw: str | None, now: float | None) -> Verification | None:
    if not raw:
        return _fail(Reason.MISSING_TIMESTAMP)
    try:
        timestamp = int(raw)
    except ValueError:
        return _fail(Reason.TIMESTAMP_OUT_OF_RANGE)
    current = time.time() if now is None else now
    if abs(current - timestamp) > TIMESTAMP_TOLERANCE_SECONDS:
        return _fail(Reason.TIMESTAMP_OUT_OF_RANGE)
    return None


# --- App proxy --------------------------------------------------------------------------------


def app_proxy_message(pairs: Iterable[tuple[str, str]]) -> str:
    """Decoded ``(key, value)`` pairs in query order → the string Shopify signs."""
    grouped: dict[str, list[str]] = {}
    for key, value in pairs:
        if key != "signature":
            grouped.setdefault(key, []).append(value)
    return "".join(sorted(f"{key}={','.join(values)}" for key, values in grouped.items()))


def app_proxy_signature(pairs: Iterable[tuple[str, str]], secret: str) -> str:
    message = app_proxy_message(pairs).encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def app_proxy_verify(
    pairs: list[tuple[str, str]], *, secret: str | None = None, now: float | None = None
) -> Verification:
    """Verify an app proxy request from its decoded query pairs, in order.

    ``pairs`` as ``parse_qsl(query, keep_blank_values=True)`` returns them.

    Refuses a repeated ``shop``/``signature``/``timestamp``/``hmac``/``logged_in_customer_id``,
    a timestamp more than 90 s off, and an invalid shop, besides a wrong signature.
    """
    counts: dict[str, int] = {}
    for key, _ in pairs:
        counts[key] = counts.get(key, 0) + 1
    if any(counts.get(key, 0) > 1 for key in _PROXY_SINGLE_KEYS):
        return _fail(Reason.REPEATED_PARAMETER)
    flat = dict(pairs)
    given = flat.get("signature")
    if not given:
        return _fail(Reason.MISSING_SIGNATURE)
    timestamp = _timestamp_check(flat.get("timestamp"), now)
    if timestamp is not None:
        return timestamp
    expected = app_proxy_signature(pairs, secret or settings.SHOPIFY_API_SECRET)
    if not hmac.compare_digest(expected.encode(), given.encode()):
        return _fail(Reason.INVALID_SIGNATURE)
    shop = shop_domain_sanitize(flat.get("shop"))
    if shop is None:
        return _fail(Reason.INVALID_SHOP)
    return Verification(valid=True, shop=shop)


# --- Webhooks ---------------------------------------------------------------------------------


def webhook_hmac(body: bytes, secret: str) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def webhook_verify(body: bytes, hmac_header: str | None) -> Verification:
    """Verify ``X-Shopify-Hmac-Sha256`` over the raw body with the current or previous secret."""
    if not body:
        return _fail(Reason.MISSING_BODY)
    if not hmac_header:
        return _fail(Reason.MISSING_HMAC)
    secrets = [settings.SHOPIFY_API_SECRET, settings.SHOPIFY_API_SECRET_PREVIOUS]
    given = hmac_header.strip().encode()
    # Evaluate every candidate (no short-circuit), so timing doesn't reveal which secret matched.
    matches = [
        hmac.compare_digest(webhook_hmac(body, secret).encode(), given)
        for secret in secrets
        if secret
    ]
    if not any(matches):
        return _fail(Reason.INVALID_HMAC)
    return Verification(valid=True)
