"""Helpers for the VIP club's tests: configure tiers through the public service."""

from __future__ import annotations

from decimal import Decimal

import pytest

from loyalty.models import Member
from loyalty.vip.config import TierConfig, TierInput, tier_config_apply
from loyalty.vip.models import MemberTier, Tier
from tests.loyalty.shopify import Store


@pytest.fixture
def store(shop):
    return Store(shop)


def configure(shop, *tiers: TierInput, downgrade="end_of_period", grace_days=30, now=None):
    """Apply a configuration; returns the shop's active tiers by name."""
    tier_config_apply(
        shop=shop,
        config=TierConfig(tiers=list(tiers), downgrade=downgrade, grace_days=grace_days),
        by="staff-1",
        now=now,
    )
    return {t.name: t for t in Tier.objects.filter(shop=shop, active=True)}


def tier(name: str, rank: int, threshold, **kw) -> TierInput:
    return TierInput(name=name, rank=rank, threshold=Decimal(threshold), **kw)


def member_of(store, customer) -> Member:
    return Member.objects.get(shop=store.shop, customer__shopify_id=customer.id)


def tier_of(member: Member) -> str | None:
    state = MemberTier.objects.select_related("tier").filter(member=member).first()
    return state.tier.name if state and state.tier else None
