"""Helpers for the points program's tests: members with points, and the invariant check."""

from __future__ import annotations

import pytest

from loyalty.models import Member
from loyalty.services.audit import ledger_audit
from loyalty.services.ledger import entry_write, member_lock
from tests.factories import MemberFactory


def credit(member: Member, points: int, key: str, **kwargs) -> None:
    """Give a member posted points through the ledger (a test shortcut for earning)."""
    from django.db import transaction

    with transaction.atomic():
        locked = member_lock(member_id=member.pk)
        entry_write(member=locked, amount=points, kind="adjustment", idempotency_key=key, **kwargs)
    member.refresh_from_db()


def assert_consistent(*members: Member) -> None:
    """The ledger invariants hold for these members (balance, pending, lots, allocations)."""
    drift = ledger_audit(member_ids=[m.pk for m in members])
    assert drift == [], [d.describe() for d in drift]


@pytest.fixture
def member(shop):
    return MemberFactory(shop=shop)


def devshop_connect(shop):
    """Install the app on devshop's twin of ``shop`` and store the offline token, as OAuth
    would; returns the devshop shop."""
    from django.conf import settings

    from devshop.services import shops, tokens
    from shopify_app.services.credentials import shop_credential_store

    dev = shops.shop_create(domain=shop.domain, timezone=shop.timezone)
    code = tokens.auth_code_create(shop=dev, scopes=list(settings.SHOPIFY_SCOPES), online=False)
    token = tokens.token_for_code(shop=dev, code=code.code, expiring=False)
    shop_credential_store(shop=shop, token_response=tokens.token_response(token))
    return dev


def devshop_member(shop, dev_shop, **member_fields):
    """A member whose customer exists in devshop too (codes are bound to that customer)."""
    from devshop.services.customers import customer_create
    from tests.factories import CustomerFactory

    dev_customer = customer_create(shop=dev_shop, first_name="Ada", email=None)
    customer = CustomerFactory(shop=shop, shopify_id=dev_customer.id)
    return MemberFactory(shop=shop, customer=customer, **member_fields)
