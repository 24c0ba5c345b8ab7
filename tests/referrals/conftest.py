"""Referrals' test cast: a store driven through the real inbox (``tests.loyalty.shopify``),
referrer Ada with her code, and helpers to claim an offer and pay for an order."""

from __future__ import annotations

from dataclasses import replace

import pytest

from devshop.webhooks import payloads as p
from loyalty.models import Member, PointsTransaction
from loyalty.services.members import member_enrol
from referrals.models import Referral, ReferralCode
from referrals.services.offers import referral_claim
from referrals.services.program import referral_code_for_member, referral_program_update
from shopify_app.models import Customer
from tests.loyalty.shopify import Store

ADA_EMAIL = "ada.lovelace@gmail.com"


@pytest.fixture
def store(shop):
    return Store(shop)


def enrol(store: Store, customer: p.CustomerData) -> Member:
    """Mirror the customer through customers/create and make them a member."""
    store.customer_created(customer)
    mirrored = Customer.objects.get(shop=store.shop, shopify_id=customer.id)
    return member_enrol(customer=mirrored)


@pytest.fixture
def ada(store) -> p.CustomerData:
    return store.customer(email=ADA_EMAIL)


@pytest.fixture
def ada_member(store, ada) -> Member:
    return enrol(store, ada)


@pytest.fixture
def ada_code(ada_member) -> ReferralCode:
    return referral_code_for_member(member=ada_member)


@pytest.fixture
def program(shop):
    return referral_program_update(shop_id=shop.pk, changes={"hold_days": 14})


def claim(store: Store, code: ReferralCode, email: str, **kw) -> Referral:
    """A friend claims the offer (the code's creation is enqueued on commit, not run)."""
    kw.setdefault("now", store.tick())
    return referral_claim(shop=store.shop, code=code.code, email=email, **kw)


def friend_order(store: Store, friend: p.CustomerData, *, code: str | None = None, **fields):
    """The friend's order, shipped to an address of its own (devshop's default is Shopify's
    example address, the same for every order, which would look like one household)."""
    order = store.order(customer=friend, codes=(code,) if code else ())
    fields.setdefault(
        "shipping_address",
        p.AddressData(id=order.id, address1=f"{order.id} Friend Street", phone=""),
    )
    return replace(order, **fields)


def rewards(referral: Referral) -> list[PointsTransaction]:
    return list(
        PointsTransaction.objects.filter(
            shop_id=referral.shop_id, idempotency_key__startswith=f"referral:{referral.pk}:"
        )
    )


def points(member: Member) -> tuple[int, int]:
    member.refresh_from_db()
    return member.balance, member.pending


def catalog_reward_completed(store: Store, code: ReferralCode, email: str = "bob@example.com"):
    """The program gives a $20-off catalog reward (14-day hold, its code good for 30 days);
    ``email`` claims ``code`` and pays without it. Returns the referral, completed with its
    reward code granted."""
    from tests.factories import RewardFactory

    reward = RewardFactory(shop=store.shop, name="$20 off", points_cost=2000, code_expiry_days=30)
    referral_program_update(
        shop_id=store.shop.pk, changes={"hold_days": 14, "referrer_reward_id": reward.pk}
    )
    referral = claim(store, code, email)
    store.paid(friend_order(store, store.customer(email=email)))
    referral.refresh_from_db()
    return referral
