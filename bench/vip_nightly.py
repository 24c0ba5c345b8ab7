"""The VIP club's nightly evaluation of a whole shop, beside one ``UPDATE … FROM (aggregate)``.

1. A fresh database ``<DATABASE_URL name>_bench_vip`` is migrated; one shop with ``MEMBERS``
   members, each with 1-3 posted order earns and their ``OrderPoints`` (amounts and dates
   spread over two years), seeded set-based in SQL; then ANALYZE.
2. Three tiers on three bases and periods (amount spent over the lifetime, spent over the
   rolling 12 months, orders in the calendar year), downgrades after a grace of 0 days, no entry
   rewards (those are one ledger write per member moved up, not part of the statement).
3. Timed, ``member_tiers_evaluate(shop=…)``: the first run (every qualifying member placed:
   state, history and multiplier rows written, and one tag task enqueued per changed member
   after commit), a steady rerun (nothing changes: the nightly case), and a run 200 days later
   (rolling windows let orders go: downgrades).
4. Baseline, same rows, same run: one ``UPDATE loyalty_member … FROM (SELECT member_id,
   sum(…) FROM loyalty_orderpoints GROUP BY member_id)``.

Printed: members/s and seconds per run, and each run's time over the baseline's.
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


SEED = [
    """INSERT INTO shopify_app_customer (shopify_id, state, tags, created_at, updated_at, shop_id)
    SELECT 9000000000 + g, 'enabled', '[]', now(), now(), %(shop)s
    FROM generate_series(1, %(n)s) g""",
    """INSERT INTO loyalty_member (balance, pending, lifetime_earned, state, excluded_reason,
      joined_at, last_activity_at, imported_tier, imported_referral_code, created_at, updated_at,
      customer_id, shop_id, tier_multiplier, signup_awaited)
    SELECT 0, 0, 0, 'active', '', now(), now(), '', '', now(), now(), c.id, %(shop)s, 1, FALSE
    FROM shopify_app_customer c WHERE c.shop_id = %(shop)s""",
    """INSERT INTO loyalty_pointstransaction (shop_id, member_id, amount, kind, status,
      idempotency_key, source_type, source_id, reason, note, created_by, posted_at, earned_at,
      created_at)
    SELECT %(shop)s, m.id, 20 + (m.id * 7 + o) %% 400, 'order', 'posted',
      'order:' || (m.id * 10 + o) || ':earn', 'order', (m.id * 10 + o)::text, '', '', '',
      now(), now() - ((m.id * 13 + o * 101) %% 730) * interval '1 day', now()
    FROM loyalty_member m, generate_series(1, 1 + m.id %% 3) o
    WHERE m.shop_id = %(shop)s""",
    """INSERT INTO loyalty_orderpoints (shop_id, order_shopify_id, member_id, earn_entry_id,
      eligible_amount, awarded, multiplier, refunded_amount, reversed_target, reversed,
      cancelled, created_at, updated_at)
    SELECT %(shop)s, e.source_id::bigint, e.member_id, e.id, e.amount, e.amount, 1, 0, 0, 0,
      FALSE, now(), now()
    FROM loyalty_pointstransaction e WHERE e.shop_id = %(shop)s""",
    # The cached totals the ledger's sums say (kept honest even in a benchmark).
    """UPDATE loyalty_member m SET balance = s.total, lifetime_earned = s.total
    FROM (SELECT member_id, sum(amount) AS total FROM loyalty_pointstransaction
          WHERE shop_id = %(shop)s GROUP BY member_id) s
    WHERE m.id = s.member_id""",
]

BASELINE = """UPDATE loyalty_member m SET lifetime_earned = a.total
FROM (SELECT member_id, sum(awarded - reversed_target) AS total FROM loyalty_orderpoints
      WHERE shop_id = %(shop)s GROUP BY member_id) a
WHERE m.id = a.member_id"""


def _child() -> dict[str, object]:
    import django

    django.setup()
    from datetime import timedelta
    from decimal import Decimal

    import redis
    from django.db import connection, transaction
    from django.utils import timezone

    from loyalty.vip.models import Tier, VipProgram
    from loyalty.vip.services import member_tiers_evaluate
    from shopify_app.models import Shop

    shop = Shop.objects.create(
        domain="bench-vip.myshopify.com", name="Bench", installed_at=timezone.now()
    )
    started = time.monotonic()
    with transaction.atomic(), connection.cursor() as cursor:
        for statement in SEED:
            cursor.execute(statement, {"shop": shop.pk, "n": MEMBERS})
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
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

    now = timezone.now()
    first, first_changed = timed("first run", now=now)
    steady, _ = timed("steady rerun", now=now)
    later, later_changed = timed("200 days later", now=now + timedelta(days=200))
    t0 = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(BASELINE, {"shop": shop.pk})
    baseline = time.perf_counter() - t0
    print(f"   baseline UPDATE … FROM (aggregate): {baseline:.2f} s", flush=True)
    # The tag tasks of the changed members: no worker consumes them here.
    redis.Redis.from_url(os.environ["REDIS_URL"]).delete("batch")
    return {
        "first run s (members/s)": f"{first:.2f} ({MEMBERS / first:.0f}), {first_changed} placed",
        "steady rerun s (members/s)": f"{steady:.2f} ({MEMBERS / steady:.0f})",
        "200 days later s": f"{later:.2f}, {later_changed} moved",
        "baseline UPDATE FROM agg s": f"{baseline:.2f}",
        "steady / baseline": f"{steady / baseline:.1f}x",
        "first / baseline": f"{first / baseline:.1f}x",
        "setup": f"{MEMBERS} members, {os.cpu_count()} CPUs",
    }


if __name__ == "__main__":
    if sys.argv[1:] == ["child"]:
        import json

        print(json.dumps(_child()), flush=True)
    else:
        print(run())
