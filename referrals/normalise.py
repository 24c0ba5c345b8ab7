"""Normalising what self-referral checks compare: emails, phones, addresses, IPs."""

from __future__ import annotations

import ipaddress
import re
from typing import Any

# Gmail ignores dots in the local part and googlemail.com is the same mailbox.
_GMAIL_DOMAINS = {"gmail.com", "googlemail.com"}
_NON_DIGITS = re.compile(r"\D+")
_SPACES = re.compile(r"[\s,.#'\-]+")


def email_normalise(email: str) -> str:
    """How the friend offer keys a friend: trimmed and lowercased."""
    return email.strip().lower()


def email_canonical(email: str) -> str:
    """The mailbox behind an address: ``+tag`` dropped, and for Gmail the dots too, so
    ``A.da+x@googlemail.com`` and ``ada@gmail.com`` compare equal."""
    email = email_normalise(email)
    local, at, domain = email.rpartition("@")
    if not at:
        return email
    local = local.split("+", 1)[0]
    if domain in _GMAIL_DOMAINS:
        local, domain = local.replace(".", ""), "gmail.com"
    return f"{local}@{domain}"


def phone_normalise(phone: str | None) -> str:
    """The last ten digits (drops the country code and formatting); "" below seven digits."""
    digits = _NON_DIGITS.sub("", phone or "")
    return digits[-10:] if len(digits) >= 7 else ""


def address_normalise(address: dict[str, Any] | None) -> str:
    """A shipping address as one comparable string: street, second line, zip, country;
    case, spaces and punctuation ignored. "" without a street."""
    if not address or not (address.get("address1") or "").strip():
        return ""
    parts = [
        address.get("address1"),
        address.get("address2"),
        address.get("zip"),
        address.get("country_code") or address.get("country"),
    ]
    return "|".join(_SPACES.sub(" ", str(p or "")).strip().lower() for p in parts)


def ip_normalise(ip: str | None) -> str:
    """A valid IP in canonical form, else ""."""
    try:
        return str(ipaddress.ip_address((ip or "").strip()))
    except ValueError:
        return ""
