"""The one decision of every member's tier, for events, the nightly job and previews.

``decisions_sql`` computes, for members of one shop (the ids given, or an id range), each
basis over each period the tiers read from the ledger's own records, the highest
non-invitation tier they qualify for, and what the program's downgrade policy makes of it.
``statements.statement()`` ends it three ways:

- ``apply`` (the ids given, locked first): the event path (an order's member, after its points
  are written), and the members a nightly pass found changing;
- ``candidates`` (an id range, read-only, no locks): the nightly pass (sliding windows and
  downgrades), which finds who would change; only they are locked and applied;
- ``preview`` (an id range): a proposed configuration's counts (tiers passed as arrays, nothing
  written), over the same ranges, so the preview's counts are its application's result.

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
  ``kept_until`` when it was bought (the paid club, ``vip.memberships``): then ``q`` at once.
  A bought ``c`` gives way at once to a ``q`` above it (the member's own basis earns more than
  they paid for); the purchase keeps running below it, and ``vip.memberships`` brings the
  member back to it if they drop below it within its term;
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


# The tiers a statement compares with, as the SQL text sees them: (position in the tier arrays,
# 1-based; basis; period) for each tier evaluated (not invitation-only), highest rank first.
# Thresholds, ids and ranks stay bound parameters; only the column each tier reads is in the
# text, so each member's tier is one CASE over its sums, not a join with the tiers.
Ladder = tuple[tuple[int, str, str], ...]
Used = tuple[tuple[str, str], ...]


def tier_ladder(tiers: list[TierSpec]) -> Ladder:
    ladder = sorted(
        ((t.rank, i + 1, t.basis, t.period) for i, t in enumerate(tiers) if not t.invitation_only),
        reverse=True,
    )
    if any(b not in BASES or p not in PERIODS for _, _, b, p in ladder):
        raise ValueError("unknown basis or period")
    return tuple((i, b, p) for _, i, b, p in ladder)


def _used(ladder: Ladder) -> Used:
    """The (basis, period) pairs the ladder reads, in a fixed order: only those are summed, each
    once whatever the number of tiers on it."""
    wanted = {(b, p) for _, b, p in ladder}
    return tuple((b, p) for b in BASES for p in PERIODS if (b, p) in wanted)


def _column(basis: str, period: str) -> str:
    return f"{basis}_{period}"


def _qualified(ladder: Ladder) -> str:
    """The position of the highest tier the member's sums reach, or NULL."""
    if not ladder:
        return "NULL::int"
    arms = " ".join(
        f"WHEN b.{_column(b, p)} >= (%(t_threshold)s::numeric[])[{i}] THEN {i}"
        for i, b, p in ladder
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


_WINDOWS = {
    "lifetime": "TRUE",
    # Bounded by now too, so a run for a past moment (a late nightly) ignores later facts.
    "calendar_year": "f.at >= %(year_start)s AND f.at <= %(now)s",
    "rolling_12_months": "f.at > %(rolling_start)s AND f.at <= %(now)s",
}

# Which members a statement decides. "ids": the members given (an event's, or a few that a
# nightly pass found changing, under their locks). "range": the shop's members with
# lo < id <= hi (the nightly pass and the preview, batch by batch). "range_ids": those of the
# members given in the range (many that a nightly pass found changing, under their locks). Every
# table is read by the same member condition (an index range, or lookups), never the whole
# shop's; the members themselves also by the ids in "range_ids".
_IDS = "({column} = ANY(%(member_ids)s::bigint[]))"
_RANGE = "({column} > %(lo)s AND {column} <= %(hi)s)"
SCOPES = {"ids": (_IDS, _IDS), "range": (_RANGE, _RANGE), "range_ids": (_RANGE, _RANGE)}


def _in(scope: str, column: str) -> str:
    return SCOPES[scope][0].format(column=column)


def members_in(scope: str, column: str) -> str:
    condition = _in(scope, column)
    if scope == "range_ids":
        condition += " AND " + _IDS.format(column=column)
    return condition


def _facts(scope: str, used: Used) -> tuple[str, str]:
    """The CTEs summing each source per member (``o``: orders, ``c``: point credits), and the
    joins that bring them to ``b``."""
    ctes, joins = "", ""
    order_columns = {"points": "f.pts", "spent": "f.spent", "orders": "f.n"}
    if used:
        sums = ",\n    ".join(
            f"sum({order_columns[b]}) FILTER (WHERE {_WINDOWS[p]}) AS {_column(b, p)}"
            for b, p in used
        )
        # An order's earn entry is its member's (both are written together), so for a range
        # the entries are read by the same member range as the orders' facts; for a few ids
        # each is looked up by its key.
        entries = ""
        if scope != "ids":
            entries = f"AND e.shop_id = %(shop)s AND {_in(scope, 'e.member_id')}"
        ctes += f"""
o AS (
  SELECT f.member_id,
    {sums}
  FROM (
    SELECT op.member_id, coalesce(e.earned_at, e.created_at) AS at,
      op.awarded - op.reversed_target AS pts,
      CASE WHEN op.cancelled THEN 0 ELSE op.eligible_amount - op.refunded_amount END AS spent,
      CASE WHEN op.cancelled OR op.refunded_amount >= op.eligible_amount THEN 0 ELSE 1 END AS n
    FROM loyalty_orderpoints op JOIN loyalty_pointstransaction e ON e.id = op.earn_entry_id
    WHERE op.shop_id = %(shop)s AND {_in(scope, "op.member_id")} {entries}
  ) f
  GROUP BY f.member_id
),"""
        joins += " LEFT JOIN o ON o.member_id = m.id"
    points = [(b, p) for b, p in used if b == "points"]
    if points:
        sums = ",\n    ".join(
            f"sum(f.amount) FILTER (WHERE {_WINDOWS[p]}) AS {_column(b, p)}" for b, p in points
        )
        ctes += f"""
c AS (
  SELECT f.member_id,
    {sums}
  FROM (
    SELECT t.member_id, t.amount, coalesce(t.earned_at, t.created_at) AS at
    FROM loyalty_pointstransaction t
    WHERE t.shop_id = %(shop)s AND {_in(scope, "t.member_id")}
      AND t.kind IN ('action', 'referral', 'import', 'adjustment')
      AND t.amount > 0 AND t.status <> 'void'
  ) f
  GROUP BY f.member_id
),"""
        joins += " LEFT JOIN c ON c.member_id = m.id"
    return ctes, joins


def _combined(used: Used) -> str:
    # Points come from both sources; spent and orders from orders only. Integer sums (bigint)
    # are exact, as numeric ones are, and cheaper.
    def value(b: str, p: str) -> str:
        name = _column(b, p)
        if b == "points":
            return f"coalesce(o.{name}, 0) + coalesce(c.{name}, 0)"
        return f"coalesce(o.{name}, 0)"

    return "".join(f",\n    {value(b, p)} AS {_column(b, p)}" for b, p in used)


def basis_ctes(scope: str, used: Used) -> str:
    """``members`` (the shop's active members in ``scope``), the per-source sums and ``b``
    (each member's value of the (basis, period) pairs ``used``): shared by the decision and by
    one member's progress (the launcher's ``vip`` section), so both read the same facts."""
    facts, joins = _facts(scope, used)
    return f"""members AS (
  SELECT m.id, m.tier_multiplier FROM loyalty_member m
  WHERE m.shop_id = %(shop)s AND m.state = 'active' AND {members_in(scope, "m.id")}
),{facts}
b AS (
  SELECT m.id AS member_id, m.tier_multiplier AS cur_mult{_combined(used)}
  FROM members m{joins}
)"""


def decisions_sql(scope: str, ladder: Ladder) -> str:
    return f"""
WITH tiers AS (
  SELECT * FROM unnest(
    %(t_id)s::bigint[], %(t_rank)s::int[], %(t_basis)s::text[], %(t_period)s::text[],
    %(t_threshold)s::numeric[], %(t_inv)s::bool[], %(t_mult)s::numeric[]
  ) AS t(id, rank, basis, period, threshold, invitation_only, multiplier)
),
{basis_ctes(scope, _used(ladder))},
cur AS (
  SELECT b.member_id, b.cur_mult, mt.tier_id AS cur_id, ct.rank AS cur_rank,
    coalesce(ct.invitation_only, FALSE) AS cur_inv, ot.rank AS old_rank,
    mt.term_start, mt.kept_until, mt.below_since,
    (%(t_id)s::bigint[])[q.pos] AS q_id, coalesce((%(t_rank)s::int[])[q.pos], 0) AS q_rank
  FROM b
  LEFT JOIN loyalty_membertier mt
    ON mt.member_id = b.member_id AND {_in(scope, "mt.member_id")}
  LEFT JOIN tiers ct ON ct.id = mt.tier_id
  LEFT JOIN loyalty_tier ot ON ot.id = mt.tier_id
  CROSS JOIN LATERAL (SELECT {_qualified(ladder)} AS pos) q
),
acted AS (
  SELECT cur.*, CASE
    WHEN cur.cur_inv AND cur.kept_until IS NOT NULL AND cur.q_rank > cur.cur_rank THEN 'move'
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
  SELECT a.member_id, a.cur_id, a.cur_rank, a.old_rank, a.action, a.cur_mult,
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


LAST_ID = 2**63 - 1  # the open end of the last id range


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
        "member_ids": member_ids or [],
        "lo": 0,
        "hi": LAST_ID,
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
# progress to the next tier, from the same facts the decision reads (``member_ids``: the one).
MEMBER_BASIS_SQL = f"""
WITH {basis_ctes("ids", tuple((b, p) for b in BASES for p in PERIODS))}
SELECT mt.tier_id, mt.kept_until, t.name, t.rank, t.multiplier, t.perks, t.invitation_only,
  t.active, b.*
FROM b LEFT JOIN loyalty_membertier mt ON mt.member_id = b.member_id
LEFT JOIN loyalty_tier t ON t.id = mt.tier_id
"""
