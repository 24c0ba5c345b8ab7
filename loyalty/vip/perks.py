"""Recurring perks: a tier's code (free shipping or percent off) for every member, each month or
quarter (a request on Rivo's board that peers do not meet).

A tier names a catalog reward (``perk_reward``) and how often (``perk_every``). The daily beat
job gives, per tier, one code per member per period in one statement (``rewards_grant_many``):
the members are those holding the tier now, and the grant key
``vip:<tier>:member:<id>:perk:<period>`` (the period on the shop's calendar, ``2026-12`` or
``2026-Q4``) makes a second run — or a retry — give nothing twice. A member who reaches the tier
mid-period gets that period's code on the next run. The code is good until the period ends (or
the reward's own expiry, if sooner), and is created in Shopify after commit through the
redemption path, retried on throttling.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from loyalty.services.program import shop_zone
from loyalty.services.reward_grants import rewards_grant_many
from loyalty.vip.models import Tier, VipProgram
from shopify_app.models import Shop

_MEMBERS_SQL = """
SELECT mt.member_id, %(key_head)s || mt.member_id || %(key_tail)s AS grant_key
FROM loyalty_membertier mt JOIN loyalty_member m ON m.id = mt.member_id
WHERE mt.shop_id = %(shop)s AND mt.tier_id = %(tier)s AND m.state = 'active'
"""


def perk_period(*, every: str, timezone_name: str, now: datetime) -> tuple[str, datetime]:
    """(label, end) of the month or quarter ``now`` falls in, on the shop's calendar."""
    zone = shop_zone(timezone_name)
    local = now.astimezone(zone)
    if every == Tier.PerkEvery.QUARTER:
        quarter = (local.month - 1) // 3 + 1
        label, next_month = f"{local.year}-Q{quarter}", quarter * 3 + 1
    else:
        label, next_month = f"{local.year}-{local.month:02d}", local.month + 1
    year = local.year + (next_month - 1) // 12
    end = datetime(year, (next_month - 1) % 12 + 1, 1, tzinfo=zone)
    return label, end


def tier_perks_issue(*, shop: Shop, now: datetime | None = None) -> int:
    """Give this period's perk code to every member of each tier with a recurring perk, who
    has not had it yet. Returns how many codes were given. Idempotent per member, tier and
    period; the codes are created in Shopify after commit."""
    at = now or timezone.now()
    if not VipProgram.objects.filter(shop=shop, enabled=True).exists():
        return 0
    given = 0
    tiers = Tier.objects.select_related("perk_reward").filter(
        shop=shop, active=True, perk_reward__active=True
    )
    for tier in tiers.exclude(perk_every="").order_by("rank"):
        assert tier.perk_reward is not None  # the filter above
        label, end = perk_period(every=tier.perk_every, timezone_name=shop.timezone, now=at)
        given += len(
            rewards_grant_many(
                shop_id=shop.pk,
                reward=tier.perk_reward,
                members_sql=_MEMBERS_SQL,
                params={
                    "tier": tier.pk,
                    "key_head": f"vip:{tier.pk}:member:",
                    "key_tail": f":perk:{label}",
                },
                ends_at=end,
                now=at,
            )
        )
    return given
