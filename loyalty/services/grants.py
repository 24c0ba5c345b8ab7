"""Grants: what another app awards a member through loyalty (``referrals``' referrer reward).

Other apps never write loyalty's models; they call these services with their own keys.

- **Points** (``points_grant``, ``points_grant_void``): a ledger entry under the caller's
  idempotency key. A grant may be held (pending until ``hold_until``, posted by the beat job
  ``points_post_due``), and a held grant can be voided while its hold lasts — a referred order
  cancelled or refunded within the hold period. After the hold the points are the member's.
- **A catalog reward for free** (``reward_grant_prepare``, ``reward_grant_issue``,
  ``reward_grant_void``): the reward's discount code without spending points. No points move,
  so nothing is written to the ledger (nor a ``Redemption``, which is points spent): the caller
  stores the frozen ``RewardGrant`` on its own row, which is what makes it idempotent, and
  issues the code after commit. The code is made for the member's customer only and starts at
  the hold's end, so Shopify itself keeps it unusable while the grant could still be voided.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Literal, TypedDict

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from loyalty.exceptions import InvalidPointsAmount, MemberExcluded, RewardUnavailable
from loyalty.models import Member, PointsTransaction, Reward
from loyalty.services.discount_codes import (
    RedemptionOffer,
    discount_code_create,
    offer_discount_input,
    reward_offer,
)
from loyalty.services.ledger import entry_get, entry_void_locked, entry_write, member_lock
from loyalty.services.program import lot_expires_at, program_settings_get
from shopify_app import admin_api
from shopify_app.graphql import discounts as documents
from shopify_app.models import Shop

logger = logging.getLogger(__name__)

Kind = PointsTransaction.Kind
Status = PointsTransaction.Status
# The kinds another app may grant (credits explained by that app's own records).
GRANT_KINDS = frozenset({Kind.REFERRAL})


@transaction.atomic
def points_grant(
    *,
    member: Member,
    points: int,
    kind: str,
    idempotency_key: str,
    source_type: str,
    source_id: str,
    note: str = "",
    hold_until: datetime | None = None,
    now: datetime | None = None,
) -> PointsTransaction:
    """Credit ``points`` to a member, pending until ``hold_until`` when that is in the future.

    Idempotent per ``idempotency_key``: a repeat returns the first entry unchanged (even if the
    member was excluded since). Raises ``MemberExcluded`` for an excluded member and
    ``InvalidPointsAmount`` for a kind other apps may not grant.
    """
    if kind not in GRANT_KINDS:
        raise InvalidPointsAmount(extra={"kind": kind})
    existing = entry_get(shop_id=member.shop_id, idempotency_key=idempotency_key)
    if existing is not None:
        return existing
    locked = member_lock(member_id=member.pk)
    if locked.state != Member.State.ACTIVE:
        raise MemberExcluded()
    at = now or timezone.now()
    settings = program_settings_get(shop_id=locked.shop_id)
    earned = hold_until if hold_until and hold_until > at else at
    entry, _ = entry_write(
        member=locked,
        amount=points,
        kind=kind,
        idempotency_key=idempotency_key,
        pending_until=hold_until,
        source_type=source_type,
        source_id=source_id,
        note=note,
        expires_at=lot_expires_at(settings=settings, earned_at=earned),
        now=at,
    )
    return entry


@transaction.atomic
def points_grant_void(*, shop_id: int, idempotency_key: str, now: datetime | None = None) -> bool:
    """Void a grant that is still held (its hold has not ended at ``now``).

    Returns True when it was voided now, False when there is no such grant, it was voided
    already, or its hold is over (posted, or due to post): those points stay the member's.
    """
    entry = entry_get(shop_id=shop_id, idempotency_key=idempotency_key)
    if entry is None or entry.status != Status.PENDING:
        return False
    at = now or timezone.now()
    if entry.posts_at is None or entry.posts_at <= at:
        return False
    member = member_lock(member_id=entry.member_id)
    entry.refresh_from_db()
    return entry_void_locked(member=member, entry=entry)


# --- a catalog reward, free -------------------------------------------------------------------

# Rewards with a value of their own; a variable amount is priced by the points spent on it.
GRANTABLE_KINDS = frozenset(
    {Reward.Kind.FIXED_AMOUNT, Reward.Kind.PERCENT_OFF, Reward.Kind.FREE_SHIPPING,
     Reward.Kind.FREE_PRODUCT}
)  # fmt: skip
VoidOutcome = Literal["voided", "used", "absent"]


class RewardGrant(TypedDict):
    """A granted reward's code, frozen when it is granted (the catalog may change later).
    Money and percentages are decimal strings; times ISO 8601."""

    reward_id: int
    code: str
    offer: RedemptionOffer
    amount: str | None
    percent: str | None
    starts_at: str  # the hold's end: Shopify accepts the code from then on
    ends_at: str | None


def reward_grantable_get(*, shop_id: int, reward_id: int) -> Reward:
    """The shop's active reward that may be given for free; raises ``RewardUnavailable``
    (another shop's, inactive, or a variable amount, which has no value without points)."""
    reward = Reward.objects.filter(shop_id=shop_id, pk=reward_id).first()
    if reward is None or not reward.active or reward.kind not in GRANTABLE_KINDS:
        raise RewardUnavailable(extra={"reward_id": reward_id})
    return reward


def reward_grant_prepare(
    *, member: Member, reward_id: int, starts_at: datetime, now: datetime | None = None
) -> RewardGrant:
    """Freeze a catalog reward as a free grant to ``member``, its code usable from
    ``starts_at``. Writes nothing (the caller stores the grant). Raises ``MemberExcluded`` and
    ``RewardUnavailable``."""
    if member.state != Member.State.ACTIVE:
        raise MemberExcluded()
    reward = reward_grantable_get(shop_id=member.shop_id, reward_id=reward_id)
    at = max(starts_at, now or timezone.now())
    prefix = program_settings_get(shop_id=member.shop_id).code_prefix
    ends_at = at + timedelta(days=reward.code_expiry_days) if reward.code_expiry_days else None
    return {
        "reward_id": reward.pk,
        # Random, so unguessable (and only the member's customer may use it anyway).
        "code": f"{prefix}-{uuid.uuid4().hex[:12]}".upper(),
        "offer": reward_offer(reward=reward),
        "amount": str(reward.amount) if reward.amount is not None else None,
        "percent": str(reward.percent) if reward.percent is not None else None,
        "starts_at": at.isoformat(),
        "ends_at": ends_at.isoformat() if ends_at else None,
    }


def _moment(value: str | None) -> datetime | None:
    return parse_datetime(value) if value else None


def reward_grant_issue(*, member: Member, grant: RewardGrant) -> str:
    """Create the granted code in Shopify, for the member's customer only (never inside a
    transaction); returns its node id ("" when Shopify has it but refused the lookup).

    Idempotent: the code string is fixed in the grant, so a retry after a lost response gets
    ``TAKEN`` and resolves to the code already made. Raises ``ShopifyRetriableError`` for the
    caller to retry and ``ShopifyError`` when Shopify will not make it.
    """
    document, field, variables = offer_discount_input(
        offer=grant["offer"],
        code=grant["code"],
        amount=Decimal(grant["amount"]) if grant["amount"] is not None else None,
        percent=Decimal(grant["percent"]) if grant["percent"] is not None else None,
        starts_at=_moment(grant["starts_at"]) or timezone.now(),
        ends_at=_moment(grant["ends_at"]),
        customer_gid=member.customer.gid,
    )
    return discount_code_create(
        shop=member.shop, document=document, field=field, variables=variables, code=grant["code"]
    )


def reward_grant_void(*, shop: Shop, code: str) -> VoidOutcome:
    """End a granted code that has not been used; what happened to it:

    - ``"used"``: Shopify counts a use, so the discount already went to an order. It is left
      as it is (its usage limit is 1), and nothing is clawed back: no points are taken from the
      member in its place — the member was given a code, not points, and a balance is never
      debited for a reward the shop chose to hand out;
    - ``"voided"``: deactivated now (Shopify keeps it, expired), or already ended;
    - ``"absent"``: Shopify has no such code (it was never created): nothing to void.

    Raises ``ShopifyRetriableError`` for the caller to retry, ``ShopifyError`` otherwise.
    """
    data = admin_api.execute(
        shop=shop, document=documents.CODE_DISCOUNT_USAGE_BY_CODE, variables={"code": code}
    )
    node = data.get("codeDiscountNodeByCode")
    if node is None:
        return "absent"
    discount = node.get("codeDiscount") or {}
    if int(discount.get("asyncUsageCount") or 0) > 0:
        return "used"
    if discount.get("status") == "EXPIRED":
        return "voided"
    admin_api.mutate(
        shop=shop,
        document=documents.DISCOUNT_CODE_DEACTIVATE,
        variables={"id": node["id"]},
        field="discountCodeDeactivate",
    )
    logger.info("voided granted code %s on %s", code, shop.domain)
    return "voided"
