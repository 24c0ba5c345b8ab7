"""The one statement that decides every member's tier, for events, the nightly job and previews.

``tier_decisions_sql`` computes, for the members of one shop (all, or the ids given), each basis
over each period from the ledger's own records, the highest non-invitation tier they qualify
for, and what the program's downgrade policy makes of it. The same SQL serves:

- the event path (one member, after an order's points are written),
- the nightly job (every member of the shop: sliding windows and downgrades),
- the preview of a proposed configuration (tiers passed as arrays, nothing written) and its
  application (the same arrays, then written), so the preview's counts are the result's.

The facts a basis reads:

- orders: ``OrderPoints`` (the points actually awarded less those reversed, the eligible amount
  less what was refunded; a cancelled order counts nothing; an order counts when it is neither
  cancelled nor fully refunded), dated by the earn entry's ``earned_at`` (when it was placed).
  An order that earned no points (under the program's minimum) has no ``OrderPoints`` and does
  not count.
- points: also the positive action, referral, import and adjustment credits that are not void.
  Tier bonuses do not count, so an entry reward never lifts a member to the next tier.

Decision per member, with ``q`` the tier qualified for and ``c`` the current one:

- ``c`` invitation-only: kept (staff assigned it: no ``kept_until``), or until its
  ``kept_until`` when it was bought (the paid club, ``vip.memberships``): then ``q`` at once;
- no ``c``, or ``c`` not in the configuration: ``q`` at once;
- ``q`` above ``c``: ``q`` at once (a new term: ``kept_until`` from ``q``'s period);
- ``q`` is ``c``: kept; a calendar-year tier qualified for again in a new year is kept to
  that year's end (a rolling tier's window already looks back a year: its term is not
  extended, so once the term is over, dropping below is what starts the move down);
- ``q`` below ``c`` ("below"): ``never`` keeps it; ``end_of_period`` moves to ``q`` once
  ``kept_until`` has passed (a null ``kept_until``, a lifetime tier, has no term: at once);
  ``grace`` remembers ``below_since`` and moves once both ``kept_until`` and
  ``below_since + grace_days`` have passed. Qualifying again clears ``below_since``.
"""

from __future__ import annotations

# S608: the SQL text is built only from constants and Tier's choices; every value is a bound
# parameter.
# ruff: noqa: S608
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from loyalty.services.program import shop_zone
from loyalty.vip.models import Tier, VipProgram

BASES = tuple(Tier.Basis.values)
PERIODS = tuple(Tier.Period.values)


@dataclass(frozen=True)
class TierSpec:
    """A tier as the evaluation sees it (live, or proposed: a new tier has a negative id)."""

    id: int
    rank: int
    basis: str
    period: str
    threshold: Decimal
    invitation_only: bool = False
    multiplier: Decimal = Decimal(1)


@dataclass(frozen=True)
class Windows:
    now: datetime
    year_start: datetime  # the start of the calendar year in the shop's timezone
    year_end: datetime
    rolling_start: datetime  # now minus 12 months
    rolling_end: datetime  # now plus 12 months


def _shift_years(at: datetime, years: int) -> datetime:
    try:
        return at.replace(year=at.year + years)
    except ValueError:  # 29 February
        return at.replace(year=at.year + years, day=28)


def windows_at(*, timezone_name: str, now: datetime) -> Windows:
    zone = shop_zone(timezone_name)
    local = now.astimezone(zone)
    return Windows(
        now=now,
        year_start=datetime(local.year, 1, 1, tzinfo=zone),
        year_end=datetime(local.year + 1, 1, 1, tzinfo=zone),
        rolling_start=_shift_years(now, -1),
        rolling_end=_shift_years(now, 1),
    )


def _basis_case(alias: str) -> str:
    """The member's value of a tier's (basis, period): a CASE over the nine columns."""
    arms = " ".join(
        f"WHEN {alias}.basis = '{b}' AND {alias}.period = '{p}' THEN b.{b}_{p}"
        for b in BASES
        for p in PERIODS
    )
    return f"CASE {arms} END"


def _term_end(alias: str) -> str:
    return (
        f"CASE {alias}.period WHEN 'calendar_year' THEN %(year_end)s::timestamptz "
        f"WHEN 'rolling_12_months' THEN %(rolling_end)s::timestamptz END"
    )


def _term_start(alias: str) -> str:
    return (
        f"CASE {alias}.period WHEN 'calendar_year' THEN %(year_start)s::timestamptz "
        f"ELSE %(now)s::timestamptz END"
    )


def _aggregates() -> str:
    windows = {
        "lifetime": "TRUE",
        # Bounded by now too, so a run for a past moment (a late nightly) ignores later facts.
        "calendar_year": "f.at >= %(year_start)s AND f.at <= %(now)s",
        "rolling_12_months": "f.at > %(rolling_start)s AND f.at <= %(now)s",
    }
    columns = {"points": "f.pts", "spent": "f.spent", "orders": "f.n"}
    return ",\n  ".join(
        f"coalesce(sum({columns[b]}) FILTER (WHERE {windows[p]}), 0) AS {b}_{p}"
        for b in BASES
        for p in PERIODS
    )


def _basis_ctes() -> str:
    """``members`` (the shop's active members: all, or the ids given), ``facts`` and ``b``
    (each member's value of every basis over every period): shared by the decision and by one
    member's progress (the launcher)."""
    return f"""members AS (
  SELECT m.id FROM loyalty_member m
  WHERE m.shop_id = %(shop)s AND m.state = 'active'
    AND (%(all)s OR m.id = ANY(%(member_ids)s::bigint[]))
),
facts AS (
  SELECT op.member_id, coalesce(e.earned_at, e.created_at) AS at,
    (op.awarded - op.reversed_target)::numeric AS pts,
    CASE WHEN op.cancelled THEN 0 ELSE op.eligible_amount - op.refunded_amount END AS spent,
    CASE WHEN op.cancelled OR op.refunded_amount >= op.eligible_amount THEN 0 ELSE 1 END AS n
  FROM loyalty_orderpoints op JOIN loyalty_pointstransaction e ON e.id = op.earn_entry_id
  WHERE op.shop_id = %(shop)s AND op.member_id IN (SELECT id FROM members)
  UNION ALL
  SELECT t.member_id, coalesce(t.earned_at, t.created_at), t.amount::numeric, 0, 0
  FROM loyalty_pointstransaction t
  WHERE t.shop_id = %(shop)s AND t.member_id IN (SELECT id FROM members)
    AND t.kind IN ('action', 'referral', 'import', 'adjustment')
    AND t.amount > 0 AND t.status <> 'void'
),
b AS (
  SELECT m.id AS member_id,
  {_aggregates()}
  FROM members m LEFT JOIN facts f ON f.member_id = m.id
  GROUP BY m.id
),
"""


def _decisions_sql() -> str:
    return f"""
WITH tiers AS (
  SELECT * FROM unnest(
    %(t_id)s::bigint[], %(t_rank)s::int[], %(t_basis)s::text[], %(t_period)s::text[],
    %(t_threshold)s::numeric[], %(t_inv)s::bool[], %(t_mult)s::numeric[]
  ) AS t(id, rank, basis, period, threshold, invitation_only, multiplier)
),
{_basis_ctes()}
qualified AS (
  SELECT DISTINCT ON (b.member_id) b.member_id, t.id AS tier_id, t.rank
  FROM b JOIN tiers t ON NOT t.invitation_only AND {_basis_case("t")} >= t.threshold
  ORDER BY b.member_id, t.rank DESC
),
cur AS (
  SELECT b.member_id, mt.tier_id AS cur_id, ct.rank AS cur_rank,
    coalesce(ct.invitation_only, FALSE) AS cur_inv, ot.rank AS old_rank,
    mt.term_start, mt.kept_until, mt.below_since,
    q.tier_id AS q_id, coalesce(q.rank, 0) AS q_rank
  FROM b
  LEFT JOIN loyalty_membertier mt ON mt.member_id = b.member_id
  LEFT JOIN tiers ct ON ct.id = mt.tier_id
  LEFT JOIN loyalty_tier ot ON ot.id = mt.tier_id
  LEFT JOIN qualified q ON q.member_id = b.member_id
),
acted AS (
  SELECT cur.*, CASE
    WHEN cur.cur_inv AND (cur.kept_until IS NULL OR %(now)s < cur.kept_until) THEN 'keep'
    WHEN cur.cur_inv THEN 'move'
    WHEN cur.cur_rank IS NULL OR cur.q_rank > cur.cur_rank THEN 'move'
    WHEN cur.q_rank = cur.cur_rank THEN 'requalify'
    WHEN %(policy)s = 'never' THEN 'below'
    WHEN %(policy)s = 'end_of_period' THEN
      CASE WHEN cur.kept_until IS NOT NULL AND %(now)s < cur.kept_until
        THEN 'below' ELSE 'move' END
    WHEN (cur.kept_until IS NULL OR %(now)s >= cur.kept_until)
      AND %(now)s >= coalesce(cur.below_since, %(now)s) + %(grace)s * interval '1 day'
      THEN 'move'
    ELSE 'below'
  END AS action
  FROM cur
),
decided AS (
  SELECT a.member_id, a.cur_id, a.cur_rank, a.old_rank, a.action,
    CASE WHEN a.action = 'move' THEN a.q_id ELSE a.cur_id END AS new_id,
    CASE WHEN a.action = 'move' THEN a.q_rank ELSE coalesce(a.cur_rank, 0) END AS new_rank,
    CASE WHEN a.action <> 'move' THEN a.term_start
      WHEN nt.id IS NULL THEN NULL ELSE {_term_start("nt")} END AS term_start,
    CASE WHEN a.action = 'move' THEN {_term_end("nt")}
      WHEN a.action = 'requalify' AND ct.period = 'calendar_year' THEN
        greatest(a.kept_until, %(year_end)s::timestamptz)
      ELSE a.kept_until END AS kept_until,
    CASE WHEN a.action = 'below' THEN coalesce(a.below_since, %(now)s::timestamptz)
      ELSE NULL END AS below_since,
    a.term_start AS old_term_start, a.kept_until AS old_kept_until,
    a.below_since AS old_below_since
  FROM acted a
  LEFT JOIN tiers nt ON nt.id = a.q_id
  LEFT JOIN tiers ct ON ct.id = a.cur_id
)
"""


# A preview: members per resulting tier, and of those whose tier changes, how many move up or
# down in the proposed configuration's order (a removed tier stands nowhere in it: leaving it
# for a tier is up, for none is down).
PREVIEW_SQL = (
    _decisions_sql()
    + """, moves AS (
  SELECT new_id, new_id IS DISTINCT FROM cur_id AS changed,
    new_rank > coalesce(cur_rank, 0) AS higher,
    new_rank < coalesce(cur_rank, 0) OR (new_id IS NULL AND cur_id IS NOT NULL) AS lower
  FROM decided
)
SELECT new_id, count(*),
  count(*) FILTER (WHERE changed AND higher), count(*) FILTER (WHERE changed AND lower)
FROM moves GROUP BY new_id
"""
)

# Before applying, in the same transaction: lock the members' rows in id order, the order every
# writer of the ledger takes them in (``member_lock``; the batch earn path), so the nightly job
# waits for an earn in flight rather than deadlocking with it. It is a statement of its own so
# that ``APPLY_SQL``, run next under READ COMMITTED, takes its snapshot after the locks: it sees
# every earn committed for these members, and none can commit until it is done.
LOCK_SQL = """
SELECT count(*) FROM (
  SELECT m.id FROM loyalty_member m
  WHERE m.shop_id = %(shop)s AND m.state = 'active'
    AND (%(all)s OR m.id = ANY(%(member_ids)s::bigint[]))
  ORDER BY m.id FOR UPDATE
) locked
"""

# Apply: upsert the state of every member whose state changes, insert the history rows of the
# tier changes, and return those changes (the caller grants entry rewards and syncs tags).
APPLY_SQL = (
    _decisions_sql()
    + """,
changed AS (
  SELECT * FROM decided
  WHERE new_id IS DISTINCT FROM cur_id
    OR term_start IS DISTINCT FROM old_term_start
    OR kept_until IS DISTINCT FROM old_kept_until
    OR below_since IS DISTINCT FROM old_below_since
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
  WHERE m.id = d.member_id AND m.tier_multiplier <> coalesce(t.multiplier, 1)
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
)


def decision_params(
    *,
    shop_id: int,
    program: VipProgram,
    tiers: list[TierSpec],
    windows: Windows,
    member_ids: list[int] | None,
    reason: str = "",
    version: int | None = None,
) -> dict[str, Any]:
    return {
        "shop": shop_id,
        "all": member_ids is None,
        "member_ids": member_ids or [],
        "t_id": [t.id for t in tiers],
        "t_rank": [t.rank for t in tiers],
        "t_basis": [t.basis for t in tiers],
        "t_period": [t.period for t in tiers],
        "t_threshold": [t.threshold for t in tiers],
        "t_inv": [t.invitation_only for t in tiers],
        "t_mult": [t.multiplier for t in tiers],
        "policy": program.downgrade,
        "grace": program.grace_days,
        "now": windows.now,
        "year_start": windows.year_start,
        "year_end": windows.year_end,
        "rolling_start": windows.rolling_start,
        "rolling_end": windows.rolling_end,
        "reason": reason,
        "version": program.version if version is None else version,
    }


# One member's value of each basis over each period, with their current tier: the launcher's
# progress to the next tier, from the same facts the decision reads.
MEMBER_BASIS_SQL = (
    "WITH "
    + _basis_ctes().rstrip().rstrip(",")
    + """
SELECT mt.tier_id, mt.kept_until, t.name, t.rank, t.multiplier, t.perks, t.invitation_only,
  t.active, b.*
FROM b LEFT JOIN loyalty_membertier mt ON mt.member_id = b.member_id
LEFT JOIN loyalty_tier t ON t.id = mt.tier_id
"""
)
