"""Codes the program gives without points: a VIP tier's entry reward and its recurring perks.

A given code is a ``Redemption`` like one paid with points, so everything downstream is the
same path: ``redemption_issue`` creates the discount code through the Admin API after commit
(the code derived from the redemption's id, TAKEN after a lost answer resolving to it), the
task retries on throttling, ``redemption_sweep`` re-enqueues a lost task, the launcher's "my
codes" and the admin's member page list it. What differs: ``points`` is 0, there is no debit
entry (so a permanent failure has nothing to give back), and ``grant_key`` — unique per shop —
makes the grant idempotent: a repeated event or a second beat run finds the first row.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone

from loyalty.models import Member, Redemption, Reward
from loyalty.services.discount_codes import reward_offer
from loyalty.services.invalidation import member_ids_changed
from loyalty.services.program import program_settings_get
from loyalty.services.redemption import redemption_code

# Redemptions per issue task: a perk run may give thousands of codes at once, and one broker
# message each would cost more than creating the codes.
ISSUE_CHUNK = 100


def _issue_on_commit(redemption_ids: Sequence[uuid.UUID]) -> None:
    from loyalty.tasks import redemptions_issue as redemptions_issue_task

    ids = [str(pk) for pk in redemption_ids]
    for start in range(0, len(ids), ISSUE_CHUNK):
        chunk = ids[start : start + ISSUE_CHUNK]
        transaction.on_commit(
            lambda chunk=chunk: redemptions_issue_task.delay(redemption_ids=chunk)
        )


def _ends_at(*, reward: Reward, at: datetime, ends_at: datetime | None) -> datetime | None:
    """The earlier of the caller's end (a perk's period) and the reward's own code expiry."""
    own = at + timedelta(days=reward.code_expiry_days) if reward.code_expiry_days else None
    ends = [e for e in (own, ends_at) if e is not None]
    return min(ends) if ends else None


def reward_grant(
    *,
    member: Member,
    reward: Reward,
    grant_key: str,
    ends_at: datetime | None = None,
    now: datetime | None = None,
) -> Redemption:
    """Give ``member`` a code of ``reward`` without spending points; the code is created in
    Shopify after commit.

    Writes a pending ``Redemption`` (points 0, no debit entry). The caller holds the member's
    lock (``member_lock``), which serialises grants of one member. Idempotent per (shop,
    ``grant_key``): a repeat returns the first redemption and enqueues nothing.
    """
    existing = Redemption.objects.filter(shop_id=member.shop_id, grant_key=grant_key).first()
    if existing is not None:
        return existing
    at = now or timezone.now()
    settings = program_settings_get(shop_id=member.shop_id)
    redemption_id = uuid.uuid4()
    redemption = Redemption.objects.create(
        id=redemption_id,
        shop_id=member.shop_id,
        member=member,
        reward=reward,
        points=0,
        amount=reward.amount,
        percent=reward.percent,
        offer=reward_offer(reward=reward),
        code=redemption_code(redemption_id=redemption_id, prefix=settings.code_prefix),
        grant_key=grant_key,
        ends_at=_ends_at(reward=reward, at=at, ends_at=ends_at),
    )
    _issue_on_commit([redemption_id])
    return redemption


# One statement for a whole tier: the members are selected by the caller's SQL (``members``, a
# query returning ``member_id`` and ``grant_key``), those who already hold their code skipped
# through the (shop, grant_key) unique index. The code is ``redemption_code``'s, in SQL.
_GRANT_MANY_SQL = """
INSERT INTO loyalty_redemption
  (id, shop_id, member_id, reward_id, points, amount, percent, offer, code, status,
   discount_node_id, ends_at, attempts, last_error, grant_key, created_at)
SELECT g.id, %(shop)s, g.member_id, %(reward)s, 0, %(amount)s, %(percent)s, %(offer)s::jsonb,
  upper(%(prefix)s || '-' || substr(replace(g.id::text, '-', ''), 1, 12)), 'pending',
  '', %(ends_at)s, 0, '', g.grant_key, %(now)s
FROM (
  SELECT gen_random_uuid() AS id, s.member_id, s.grant_key FROM ({members}) AS s
  WHERE NOT EXISTS (
    SELECT 1 FROM loyalty_redemption r WHERE r.shop_id = %(shop)s AND r.grant_key = s.grant_key
  )
) AS g
ON CONFLICT DO NOTHING
RETURNING id, member_id
"""


def rewards_grant_many(
    *,
    shop_id: int,
    reward: Reward,
    members_sql: str,
    params: dict[str, object],
    ends_at: datetime | None = None,
    now: datetime | None = None,
) -> list[uuid.UUID]:
    """``reward_grant`` for every member ``members_sql`` selects (columns ``member_id``,
    ``grant_key``; its own ``%(name)s`` parameters in ``params``), in one statement.

    Writes the pending redemptions of those without one for their key and enqueues their codes
    after commit, in chunks. Returns the new redemptions' ids. Idempotent per grant key (a
    concurrent run's rows are skipped by ``ON CONFLICT``). PostgreSQL only (``gen_random_uuid``).
    """
    at = now or timezone.now()
    settings = program_settings_get(shop_id=shop_id)
    sql = _GRANT_MANY_SQL.format(members=members_sql)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            sql,
            {
                **params,
                "shop": shop_id,
                "reward": reward.pk,
                "amount": reward.amount,
                "percent": reward.percent,
                "offer": json.dumps(reward_offer(reward=reward)),
                "prefix": settings.code_prefix,
                "ends_at": _ends_at(reward=reward, at=at, ends_at=ends_at),
                "now": at,
            },
        )
        rows = cursor.fetchall()
        ids = [row[0] for row in rows]
        _issue_on_commit(ids)
        # Their launchers list the new codes (no member lock is taken: one statement for all).
        member_ids_changed(shop_id=shop_id, member_ids=[row[1] for row in rows])
    return ids
