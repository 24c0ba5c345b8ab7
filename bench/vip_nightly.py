"""The VIP club's nightly evaluation of a whole shop, beside one ``UPDATE … FROM (aggregate)``.

1. A fresh database ``<DATABASE_URL name>_bench_vip`` is migrated; one shop with ``MEMBERS``
   members, each with 1-3 posted order earns and their ``OrderPoints`` (amounts and dates
   spread over two years), seeded set-based in SQL (``INSERT … SELECT generate_series``, plain
   indexes built afterwards: 1M members take minutes, not hours); then VACUUM ANALYZE.
2. Three tiers on three bases and periods (amount spent over the lifetime, spent over the
   rolling 12 months, orders in the calendar year), downgrades after a grace of 0 days, no entry
   rewards (those are one ledger write per member moved up, not part of the statement).
3. Timed, ``member_tiers_evaluate(shop=…)``: the first run (every qualifying member placed:
   state, history and multiplier rows written, and one tag task per 200 changed members
   enqueued after commit), a steady rerun (nothing changes: the nightly case), and a run 200
   days later (rolling windows let orders go: downgrades).
4. Baseline, same rows, same run: one ``UPDATE loyalty_member … FROM (SELECT member_id,
   sum(…) FROM loyalty_orderpoints GROUP BY member_id)``, with the nightly pass's settings.

Printed: members/s and seconds per run, each run's time over the baseline's, and the load
averages before and after (the machine is shared).
Environment: BENCH_VIP_MEMBERS (default 100000; the issue's target is 1M in ≤ 30 s).
"""

from __future__ import annotations

import os
import sys
import time

from bench._loyalty import database_urls, fresh_database, run_child

MEMBERS = int(os.environ.get("BENCH_VIP_MEMBERS", "100000"))


def run() -> dict[str, object]:
    database_url, name, maintenance_url = database_urls("vip")
    fresh_database(database_url, name, maintenance_url)
    return run_child("vip_nightly", database_url)


# Set-based, sized for 1M members: member n (1..MEMBERS) has 1 + n % 3 orders; the balance is
# summed in the member's own insert rather than by a second pass over a million rows.
SEED = [
    """INSERT INTO shopify_app_customer (shopify_id, state, tags, created_at, updated_at, shop_id)
    SELECT 9000000000 + g, 'enabled', '[]', now(), now(), %(shop)s
    FROM generate_series(1, %(n)s) g""",
    """INSERT INTO loyalty_member (balance, pending, lifetime_earned, state, excluded_reason,
      joined_at, last_activity_at, imported_tier, imported_referral_code, created_at, updated_at,
      customer_id, shop_id, tier_multiplier, signup_awaited)
    SELECT s.total, 0, s.total, 'active', '', now(), now(), '', '', now(), now(), c.id,
      %(shop)s, 1, FALSE
    FROM shopify_app_customer c,
      LATERAL (SELECT c.shopify_id - 9000000000 AS n) k,
      LATERAL (SELECT sum(20 + (k.n * 7 + o) %% 400)::int AS total
               FROM generate_series(1, 1 + k.n %% 3) o) s
    WHERE c.shop_id = %(shop)s ORDER BY c.id""",
    """INSERT INTO loyalty_pointstransaction (shop_id, member_id, amount, kind, status,
      idempotency_key, source_type, source_id, reason, note, created_by, posted_at, earned_at,
      created_at)
    SELECT %(shop)s, m.id, 20 + (k.n * 7 + o) %% 400, 'order', 'posted',
      'order:' || (k.n * 10 + o) || ':earn', 'order', (k.n * 10 + o)::text, '', '', '',
      now(), now() - ((k.n * 13 + o * 101) %% 730) * interval '1 day', now()
    FROM loyalty_member m JOIN shopify_app_customer c ON c.id = m.customer_id,
      LATERAL (SELECT c.shopify_id - 9000000000 AS n) k,
      generate_series(1, 1 + k.n %% 3) o
    WHERE m.shop_id = %(shop)s ORDER BY m.id, o""",
    """INSERT INTO loyalty_orderpoints (shop_id, order_shopify_id, member_id, earn_entry_id,
      eligible_amount, awarded, multiplier, refunded_amount, reversed_target, reversed,
      cancelled, created_at, updated_at)
    SELECT %(shop)s, e.source_id::bigint, e.member_id, e.id, e.amount, e.amount, 1, 0, 0, 0,
      FALSE, now(), now()
    FROM loyalty_pointstransaction e WHERE e.shop_id = %(shop)s ORDER BY e.id""",
]
SEEDED = ["shopify_app_customer", "loyalty_member", "loyalty_pointstransaction",
          "loyalty_orderpoints"]  # fmt: skip

# The seeded tables' plain indexes (not those behind a constraint), built after the rows are in
# rather than maintained row by row.
SECONDARY_INDEXES = """
SELECT ci.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i
JOIN pg_class ci ON ci.oid = i.indexrelid JOIN pg_class ct ON ct.oid = i.indrelid
WHERE ct.relname = ANY(%s)
  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
"""


def _seed(cursor, shop_id: int) -> None:
    """The rows, in one transaction. The foreign keys' (deferred) checks are skipped for it
    (``session_replication_role``): the rows are built consistent, and millions of queued
    trigger events would cost more than the inserts."""
    cursor.execute(SECONDARY_INDEXES, [SEEDED])
    indexes = cursor.fetchall()
    for name, _definition in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    cursor.execute("SET LOCAL session_replication_role = replica")
    cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
    cursor.execute("SET LOCAL work_mem = '64MB'")
    for statement in SEED:
        cursor.execute(statement, {"shop": shop_id, "n": MEMBERS})
    for _name, definition in indexes:
        cursor.execute(definition)


BASELINE = """UPDATE loyalty_member m SET lifetime_earned = a.total
FROM (SELECT member_id, sum(awarded - reversed_target) AS total FROM loyalty_orderpoints
      WHERE shop_id = %(shop)s GROUP BY member_id) a
WHERE m.id = a.member_id"""


def _load() -> str:
    """The 1, 5 and 15 minute load averages: the machine is shared."""
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def _child() -> dict[str, object]:
    import django

    django.setup()
    from datetime import timedelta
    from decimal import Decimal

    import redis
    from django.db import connection, transaction
    from django.utils import timezone

    from loyalty.vip.models import Tier, VipProgram
    from loyalty.vip.services import BATCH_SETTINGS, member_tiers_evaluate
    from shopify_app.models import Shop

    shop = Shop.objects.create(
        domain="bench-vip.myshopify.com", name="Bench", installed_at=timezone.now()
    )
    started = time.monotonic()
    with transaction.atomic(), connection.cursor() as cursor:
        _seed(cursor, shop.pk)
    with connection.cursor() as cursor:
        # As autovacuum leaves a shop's tables between two nights: statistics and visibility.
        cursor.execute("VACUUM ANALYZE")
    print(f"   seeded {MEMBERS} members in {time.monotonic() - started:.0f} s", flush=True)

    VipProgram.objects.create(shop=shop, downgrade="grace", grace_days=0, version=1)
    for rank, (name, basis, period, threshold) in enumerate(
        [
            ("Silver", "spent", "lifetime", "200"),
            ("Gold", "spent", "rolling_12_months", "400"),
            ("Platinum", "orders", "calendar_year", "2"),
        ],
        start=1,
    ):
        Tier.objects.create(
            shop=shop,
            name=name,
            rank=rank,
            basis=basis,
            period=period,
            threshold=Decimal(threshold),
            multiplier=Decimal(1) + Decimal(rank) / 4,
            customer_tag=f"VIP {name}",
        )

    def timed(label: str, **kw) -> tuple[float, int]:
        t0 = time.perf_counter()
        changes = member_tiers_evaluate(shop=shop, **kw)
        seconds = time.perf_counter() - t0
        print(
            f"   {label}: {seconds:.2f} s, {MEMBERS / seconds:.0f} members/s, "
            f"{len(changes)} changed",
            flush=True,
        )
        return seconds, len(changes)

    load_before = _load()
    now = timezone.now()
    first, first_changed = timed("first run", now=now)
    steady, _ = timed("steady rerun", now=now)
    later, later_changed = timed("200 days later", now=now + timedelta(days=200))
    t0 = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for setting in BATCH_SETTINGS:  # the nightly pass's own settings, for a fair ratio
            cursor.execute(setting)
        cursor.execute(BASELINE, {"shop": shop.pk})
    baseline = time.perf_counter() - t0
    print(f"   baseline UPDATE … FROM (aggregate): {baseline:.2f} s", flush=True)
    load_after = _load()
    # The tag tasks of the changed members: no worker consumes them here.
    redis.Redis.from_url(os.environ["REDIS_URL"]).delete("batch")
    return {
        "first run s (members/s)": f"{first:.2f} ({MEMBERS / first:.0f}), {first_changed} placed",
        "steady rerun s (members/s)": f"{steady:.2f} ({MEMBERS / steady:.0f})",
        "200 days later s": f"{later:.2f}, {later_changed} moved",
        "baseline UPDATE FROM agg s": f"{baseline:.2f}",
        "steady / baseline": f"{steady / baseline:.1f}x",
        "first / baseline": f"{first / baseline:.1f}x",
        "load average before / after": f"{load_before} / {load_after}",
        "setup": f"{MEMBERS} members, {os.cpu_count()} CPUs",
    }


if __name__ == "__main__":
    if sys.argv[1:] == ["child"]:
        import json

        print(json.dumps(_child()), flush=True)
    else:
        print(run())
