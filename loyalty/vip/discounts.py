"""Automatic tier discounts without codes: a Shopify segment per tier and a discount for it.

A tier with ``discount_percent`` > 0 and a customer tag gets, in Shopify:

- a customer segment whose ShopifyQL query selects the tier's tag
  (``customer_tags CONTAINS 'Gold'``; list conditions match a whole tag, case-insensitively,
  and a quote is escaped as ``\\'``: shopify.dev/api/shopifyql/list), made with
  ``segmentCreate`` and kept current with ``segmentUpdate``;
- an automatic basic discount of that percentage off the whole order
  (``discountAutomaticBasicCreate`` / ``Update``) whose ``context.customerSegments.add``
  holds the segment, so Shopify applies it at checkout to the tier's members and no one else.
  It combines with other order, product and shipping discounts, so a member's redeemed
  points code still applies on top of it.

Both GIDs are kept on the tier. A tier that no longer wants one (percentage set to 0, tag
removed, tier deactivated, club switched off) has both deleted (``discountAutomaticDelete``,
then ``segmentDelete``) and its GIDs cleared.

``vip_tier_discounts_sync`` states the end result for every tier of the shop, so running it
twice, or after a lost answer, changes nothing more. It runs after commit from a Celery task
(``vip.tasks``), never inside a transaction. Creating is the only step a retry could
duplicate (the client retries a mutation whose answer was lost), so creates are guarded:
before one, the segment is looked up by its name (names are unique per shop in Shopify) and
the discount by its tag (``loyalty-vip-tier-<id>``); after a discount create, the discounts
with that tag are listed again and all but the oldest deleted, so a duplicate made by a retry
or by two syncs racing is removed and both syncs keep the same one.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils import timezone

from loyalty.vip import documents
from loyalty.vip.models import Tier, VipProgram
from shopify_app import admin_api
from shopify_app.exceptions import ShopifyUserErrors
from shopify_app.models import Shop

logger = logging.getLogger(__name__)


@dataclass
class DiscountSyncResult:
    """Tier ids per outcome of one sync (for the task's log and the tests)."""

    kept: list[int] = field(default_factory=list)  # segment and discount in place
    removed: list[int] = field(default_factory=list)  # both deleted
    refused: dict[int, str] = field(default_factory=dict)  # Shopify's userErrors, per tier


def tier_discount_key(tier: Tier) -> str:
    """The discount's tag: finds it again when its GID was never stored (a lost answer)."""
    return f"loyalty-vip-tier-{tier.pk}"


def tier_segment_name(tier: Tier) -> str:
    # The id keeps it unique per shop (Shopify refuses a taken name) across renamed tiers.
    return f"{tier.name} (VIP tier {tier.pk})"


def tier_segment_query(tier: Tier) -> str:
    tag = tier.customer_tag.strip().replace("\\", "\\\\").replace("'", "\\'")
    return f"customer_tags CONTAINS '{tag}'"


def _quoted(value: str) -> str:
    """A search-syntax value in double quotes (a name may hold spaces and quotes)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _percent(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _gone(exc: ShopifyUserErrors) -> bool:
    """The userErrors say the id names nothing (deleted in Shopify meanwhile)."""
    return any(list(e.get("field") or []) == ["id"] for e in exc.user_errors)


def _wanted(tier: Tier, program: VipProgram | None) -> bool:
    return bool(
        program is not None
        and program.enabled
        and tier.active
        and tier.discount_percent > 0
        and tier.customer_tag.strip()
    )


# --- the segment -----------------------------------------------------------------------------


def _segments_named(shop: Shop, name: str) -> list[str]:
    data = admin_api.execute(
        shop=shop, document=documents.SEGMENTS_BY_NAME, variables={"query": f"name:{_quoted(name)}"}
    )
    return [n["id"] for n in data["segments"]["nodes"] if n["name"] == name]


def _segment_ensure(tier: Tier) -> str:
    shop, name, query = tier.shop, tier_segment_name(tier), tier_segment_query(tier)
    if tier.segment_gid:
        try:
            admin_api.mutate(
                shop=shop,
                document=documents.SEGMENT_UPDATE,
                variables={"id": tier.segment_gid, "name": name, "query": query},
                field="segmentUpdate",
            )
            return tier.segment_gid
        except ShopifyUserErrors as exc:
            if not _gone(exc):
                raise
    found = _segments_named(shop, name)
    if not found:
        try:
            payload = admin_api.mutate(
                shop=shop,
                document=documents.SEGMENT_CREATE,
                variables={"name": name, "query": query},
                field="segmentCreate",
            )
            return str(payload["segment"]["id"])
        except ShopifyUserErrors as exc:
            # Taken: a retried create whose first answer was lost, or a racing sync made it.
            found = _segments_named(shop, name)
            if not found:
                raise exc from None
    admin_api.mutate(
        shop=shop,
        document=documents.SEGMENT_UPDATE,
        variables={"id": found[0], "query": query},
        field="segmentUpdate",
    )
    return found[0]


# --- the discount ----------------------------------------------------------------------------


def _discounts_tagged(tier: Tier) -> list[str]:
    """The automatic basic discounts carrying the tier's tag, oldest (lowest id) first."""
    data = admin_api.execute(
        shop=tier.shop,
        document=documents.DISCOUNTS_BY_TAG,
        variables={"query": f"tag:{_quoted(tier_discount_key(tier))}"},
    )
    ids = [
        n["id"]
        for n in data["discountNodes"]["nodes"]
        if n["discount"]["__typename"] == "DiscountAutomaticBasic"
    ]
    return sorted(ids, key=lambda gid: int(gid.rsplit("/", 1)[-1]))


def _discount_input(tier: Tier, segment_gid: str) -> dict[str, Any]:
    return {
        "title": f"{tier.name} members: {_percent(tier.discount_percent)}% off",
        "context": {"customerSegments": {"add": [segment_gid]}},
        "customerGets": {
            # Shopify's percentage is a fraction 0-1 (a Float in the schema).
            "value": {"percentage": float(tier.discount_percent / 100)},
            "items": {"all": True},
        },
        "combinesWith": {
            "orderDiscounts": True,
            "productDiscounts": True,
            "shippingDiscounts": True,
        },
        "tags": [tier_discount_key(tier)],
    }


def _discount_delete(shop: Shop, gid: str) -> None:
    try:
        admin_api.mutate(
            shop=shop,
            document=documents.DISCOUNT_DELETE,
            variables={"id": gid},
            field="discountAutomaticDelete",
        )
    except ShopifyUserErrors as exc:
        if not _gone(exc):  # already deleted: the end state we want
            raise


def _keep_oldest(tier: Tier, found: list[str]) -> str:
    for extra in found[1:]:
        logger.warning("deleting duplicate tier discount %s of tier %s", extra, tier.pk)
        _discount_delete(tier.shop, extra)
    return found[0]


def _discount_update(tier: Tier, gid: str, segment_gid: str) -> None:
    admin_api.mutate(
        shop=tier.shop,
        document=documents.DISCOUNT_UPDATE,
        variables={"id": gid, "discount": _discount_input(tier, segment_gid)},
        field="discountAutomaticBasicUpdate",
    )


def _discount_ensure(tier: Tier, segment_gid: str) -> str:
    if tier.discount_gid:
        try:
            _discount_update(tier, tier.discount_gid, segment_gid)
            return tier.discount_gid
        except ShopifyUserErrors as exc:
            if not _gone(exc):
                raise
    found = _discounts_tagged(tier)
    if found:
        kept = _keep_oldest(tier, found)
        _discount_update(tier, kept, segment_gid)
        return kept
    admin_api.mutate(
        shop=tier.shop,
        document=documents.DISCOUNT_CREATE,
        variables={
            "discount": {
                **_discount_input(tier, segment_gid),
                "startsAt": timezone.now().isoformat(),
            }
        },
        field="discountAutomaticBasicCreate",
    )
    # Listed again rather than trusting the create's answer: a retried create may have made
    # two, and a racing sync one more; everyone keeps the oldest.
    return _keep_oldest(tier, _discounts_tagged(tier))


# --- the sync --------------------------------------------------------------------------------


def _tier_remove(tier: Tier) -> None:
    if tier.discount_gid:
        _discount_delete(tier.shop, tier.discount_gid)
        Tier.objects.filter(pk=tier.pk).update(discount_gid="")
    if tier.segment_gid:
        try:
            admin_api.mutate(
                shop=tier.shop,
                document=documents.SEGMENT_DELETE,
                variables={"id": tier.segment_gid},
                field="segmentDelete",
            )
        except ShopifyUserErrors as exc:
            if not _gone(exc):
                raise
        Tier.objects.filter(pk=tier.pk).update(segment_gid="")


def tier_discount_sync(*, tier: Tier, program: VipProgram | None) -> bool:
    """Make Shopify hold the tier's segment and discount, or neither; returns whether it holds
    them. Stores the GIDs on the tier (each as soon as it is known, so a failure half-way
    keeps what was made). Raises ``admin_api``'s errors and ``ShopifyUserErrors``."""
    if not _wanted(tier, program):
        _tier_remove(tier)
        return False
    segment_gid = _segment_ensure(tier)
    if segment_gid != tier.segment_gid:
        Tier.objects.filter(pk=tier.pk).update(segment_gid=segment_gid)
        tier.segment_gid = segment_gid
    discount_gid = _discount_ensure(tier, segment_gid)
    if discount_gid != tier.discount_gid:
        Tier.objects.filter(pk=tier.pk).update(discount_gid=discount_gid)
        tier.discount_gid = discount_gid
    return True


def vip_tier_discounts_sync(*, shop: Shop) -> DiscountSyncResult:
    """Every tier of the shop (active or not) brought to its wanted state in Shopify.

    A tier Shopify refuses (``userErrors``) is logged and reported in the result, and the
    others still sync; retriable errors propagate, so the task retries the whole sync, which
    picks up where it stopped (the GIDs already stored)."""
    program = VipProgram.objects.filter(shop=shop).first()
    result = DiscountSyncResult()
    tiers = Tier.objects.select_related("shop").filter(shop=shop).order_by("pk")
    for tier in tiers:
        if not _wanted(tier, program) and not (tier.segment_gid or tier.discount_gid):
            continue  # nothing in Shopify, nothing wanted: no call at all
        try:
            holds = tier_discount_sync(tier=tier, program=program)
        except ShopifyUserErrors as exc:
            logger.warning("tier %s discount refused by Shopify: %s", tier.pk, exc)
            result.refused[tier.pk] = str(exc)
            continue
        (result.kept if holds else result.removed).append(tier.pk)
    return result
