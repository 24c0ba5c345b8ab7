"""Telling the launcher's cached ``GET state`` that what it shows changed
(``shopify_app.storefront_cache``; the bump runs after commit).

``ledger.member_lock`` calls ``members_changed`` for every write under a member lock (the
ledger, redemptions, birthdays, tiers, exclusions, redaction). The writes that take no member
lock call these themselves: a member created, a redemption's status set by code, a set-based
job over many members, and any edit of the program or catalog (``shop_changed``).
"""

from __future__ import annotations

from collections.abc import Iterable

from loyalty.models import Member
from shopify_app.storefront_cache import storefront_state_changed

# Past this many members, one bump of the shop's version is cheaper than resolving each.
MANY = 500


def members_changed(*, shop_id: int, members: Iterable[Member]) -> None:
    storefront_state_changed(shop_id=shop_id, customer_ids=[m.customer_id for m in members])


def member_ids_changed(*, shop_id: int, member_ids: Iterable[int]) -> None:
    """``members_changed`` by member id (one read of their customers; the whole shop past
    ``MANY`` members, as a set-based job does)."""
    ids = sorted(set(member_ids))
    if len(ids) > MANY:
        shop_changed(shop_id=shop_id)
    elif ids:
        customers = Member.objects.filter(shop_id=shop_id, pk__in=ids).values_list(
            "customer_id", flat=True
        )
        storefront_state_changed(shop_id=shop_id, customer_ids=list(customers))


def shop_changed(*, shop_id: int) -> None:
    """Every shopper's state of the shop (the program, the catalog, a set-based job)."""
    storefront_state_changed(shop_id=shop_id)
