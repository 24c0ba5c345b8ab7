"""The evaluation's statements: the decision (``evaluation.decisions_sql``) ended three ways.

- ``preview``: members per resulting tier and moves, for a proposed configuration;
- ``candidates``: the nightly pass's read-only look at an id range, for who would change;
- ``apply`` / ``apply_range``: the members given (locked by ``LOCK_SQL`` first), written.
"""

from __future__ import annotations

# S608: the SQL text is built only from constants and Tier's choices; every value is a bound
# parameter.
# ruff: noqa: S608
from functools import cache

from loyalty.vip.evaluation import Ladder, TierSpec, decisions_sql, members_in, tier_ladder

# A member's stored state changes (the rows the apply statement writes).
_STATE_CHANGES = """(new_id IS DISTINCT FROM cur_id
    OR term_start IS DISTINCT FROM old_term_start
    OR kept_until IS DISTINCT FROM old_kept_until
    OR below_since IS DISTINCT FROM old_below_since)"""

# A preview: members per resulting tier, and of those whose tier changes, how many move up or
# down in the proposed configuration's order (a removed tier stands nowhere in it: leaving it
# for a tier is up, for none is down). Run range by range, as the nightly pass is, and summed.
_PREVIEW = """, moves AS (
  SELECT new_id, new_id IS DISTINCT FROM cur_id AS changed,
    new_rank > coalesce(cur_rank, 0) AS higher,
    new_rank < coalesce(cur_rank, 0) OR (new_id IS NULL AND cur_id IS NOT NULL) AS lower
  FROM decided
)
SELECT new_id, count(*),
  count(*) FILTER (WHERE changed AND higher), count(*) FILTER (WHERE changed AND lower)
FROM moves GROUP BY new_id
"""

# The nightly pass over one id range, read-only and without locks: the members whose state or
# cached multiplier would change. Most nights that is a few of them, and only they are then
# locked and decided again by the apply statement on a snapshot taken under their locks; the
# others are neither locked nor written (a member an earn changes meanwhile is decided by that
# earn's own evaluation, in its transaction).
_CANDIDATES = f"""
SELECT d.member_id FROM decided d LEFT JOIN tiers t ON t.id = d.new_id
WHERE {_STATE_CHANGES} OR d.cur_mult <> coalesce(t.multiplier, 1)
ORDER BY d.member_id
"""

# Apply, to the members given (locked): upsert the state of every member whose state changes
# (the others' rows are not rewritten), insert the history rows of the tier changes, and
# return those changes (the caller grants entry rewards and syncs tags).
_APPLY = f""",
changed AS (
  SELECT * FROM decided WHERE {_STATE_CHANGES}
),
upserted AS (
  INSERT INTO loyalty_membertier
    (shop_id, member_id, tier_id, term_start, kept_until, below_since, assigned_by, updated_at)
  SELECT %(shop)s, member_id, new_id, term_start, kept_until, below_since, '', %(now)s
  FROM changed
  ON CONFLICT (member_id) DO UPDATE SET tier_id = EXCLUDED.tier_id,
    term_start = EXCLUDED.term_start, kept_until = EXCLUDED.kept_until,
    below_since = EXCLUDED.below_since, assigned_by = '', updated_at = EXCLUDED.updated_at
),
multipliers AS (
  UPDATE loyalty_member m SET tier_multiplier = coalesce(t.multiplier, 1)
  FROM decided d LEFT JOIN tiers t ON t.id = d.new_id
  WHERE m.id = d.member_id AND {{members}} AND d.cur_mult <> coalesce(t.multiplier, 1)
    AND m.tier_multiplier <> coalesce(t.multiplier, 1)
),
history AS (
  INSERT INTO loyalty_tierchange
    (shop_id, member_id, from_tier_id, to_tier_id, reason, config_version, created_at)
  SELECT %(shop)s, member_id, cur_id, new_id,
    CASE WHEN %(reason)s <> '' THEN %(reason)s
      WHEN new_rank > coalesce(old_rank, 0) THEN 'qualified' ELSE 'downgraded' END,
    %(version)s, %(now)s
  FROM changed WHERE new_id IS DISTINCT FROM cur_id
)
SELECT member_id, cur_id, new_id, coalesce(old_rank, 0), new_rank, term_start
FROM changed WHERE new_id IS DISTINCT FROM cur_id
"""

_STATEMENTS = {
    "preview": ("range", _PREVIEW),
    "candidates": ("range", _CANDIDATES),
    "apply": ("ids", _APPLY),
    "apply_range": ("range_ids", _APPLY),
}


@cache
def _statement(kind: str, ladder: Ladder) -> str:
    scope, rest = _STATEMENTS[kind]
    return decisions_sql(scope, ladder) + rest.replace("{members}", members_in(scope, "m.id"))


def statement(kind: str, tiers: list[TierSpec]) -> str:
    """The ``preview``, ``candidates``, ``apply`` or ``apply_range`` (the ids given within the
    range ``lo``-``hi``) statement for these tiers: the same decision
    (``decisions_sql``) in each, summing only the (basis, period) pairs the tiers read."""
    return _statement(kind, tier_ladder(tiers))


# The upper bounds of the nightly pass's id ranges: every ``size``-th active member of the shop
# in id order (the last range is open-ended, so a member who joins meanwhile is in it).
BATCH_BOUNDS_SQL = """
SELECT id FROM (
  SELECT id, row_number() OVER (ORDER BY id) AS n FROM loyalty_member
  WHERE shop_id = %(shop)s AND state = 'active'
) s WHERE n %% %(size)s = 0 ORDER BY id
"""

# Before applying, in the same transaction: lock the members' rows in id order, the order every
# writer of the ledger takes them in (``member_lock``; the batch earn path), so the nightly job
# waits for an earn in flight rather than deadlocking with it. It is a statement of its own so
# that the apply statement, run next under READ COMMITTED, takes its snapshot after the locks:
# it sees every earn committed for these members, and none can commit until it is done.
LOCK_SQL = """
SELECT count(*) FROM (
  SELECT m.id FROM loyalty_member m
  WHERE m.shop_id = %(shop)s AND m.state = 'active' AND m.id = ANY(%(member_ids)s::bigint[])
  ORDER BY m.id FOR UPDATE
) locked
"""
