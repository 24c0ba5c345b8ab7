"""The program's periodic and bulk paths on a large shop: a CSV import, the daily audit, the
hourly birthday job and a batch of ``orders_changed``, on ``BENCH_HOT_MEMBERS`` members.

The seed is written in SQL (``generate_series``): customers (1% with a mixed-case email, as a
Shopify export has them), one member each with a birthday spread over the year, two posted
credits and their lots per member (so the audit has a ledger twice the members' size), a few
drifted members for the audit to find, and issued redemptions whose codes the orders use.

Figures sit beside a same-run baseline: PostgreSQL's own ``COPY`` of the same CSV into a
temporary table (the floor of any import) and one ``GROUP BY`` scan of the ledger (the floor
of any audit). The query plans printed are ``EXPLAIN`` of what each path runs, on the seed
after ``ANALYZE``. Nothing here is asserted.

Environment: BENCH_HOT_MEMBERS (default 100000), BENCH_HOT_IMPORT_ROWS (default = members),
BENCH_HOT_DELIVERIES (deliveries in the ``orders_changed`` batch, default 250).
"""

from __future__ import annotations

import os
import sys
import time
from datetime import date

from bench._loyalty import database_urls, fresh_database, run_child

MEMBERS = int(os.environ.get("BENCH_HOT_MEMBERS", "100000"))
IMPORT_ROWS = int(os.environ.get("BENCH_HOT_IMPORT_ROWS", str(MEMBERS)))
DELIVERIES = int(os.environ.get("BENCH_HOT_DELIVERIES", "250"))
DRIFTED = 25


def run() -> dict[str, object]:
    database_url, name, maintenance_url = database_urls("hot")
    fresh_database(database_url, name, maintenance_url)
    return run_child("loyalty_hot_paths", database_url)


_SEED = """
INSERT INTO shopify_app_customer (shop_id, shopify_id, email, state, tags, created_at, updated_at)
SELECT %(shop)s, i,
       CASE WHEN i %% 100 = 0 THEN 'Member' || i || '@Example.com'
            ELSE 'member' || i || '@example.com' END,
       'enabled', '[]'::jsonb, now(), now()
FROM generate_series(1, %(n)s) AS i;

INSERT INTO loyalty_member (shop_id, customer_id, balance, pending, lifetime_earned, state,
    excluded_reason, birthday, joined_at, last_activity_at, imported_tier,
    imported_referral_code, signup_awaited, created_at, updated_at)
SELECT %(shop)s, c.id, 100, 0, 100, 'active', '',
       DATE '1980-01-01' + (c.shopify_id %% 366)::int, now(), now(), '', '', false, now(), now()
FROM shopify_app_customer c WHERE c.shop_id = %(shop)s;

INSERT INTO loyalty_pointstransaction (shop_id, member_id, amount, kind, status,
    idempotency_key, source_type, source_id, reason, note, created_by, posted_at, created_at)
SELECT m.shop_id, m.id, part.amount, 'order', 'posted',
       'seed:' || m.id || ':' || part.n, 'order', m.id::text, '', '', '',
       now() - (m.id %% 365) * interval '1 day',
       now() - (m.id %% 365) * interval '1 day' + part.n * interval '1 minute'
FROM loyalty_member m, (VALUES (1, 60), (2, 40)) AS part (n, amount)
WHERE m.shop_id = %(shop)s;

INSERT INTO loyalty_pointslot (shop_id, member_id, entry_id, amount, remaining, earned_at,
    created_at)
SELECT t.shop_id, t.member_id, t.id, t.amount, t.amount, t.created_at, t.created_at
FROM loyalty_pointstransaction t WHERE t.shop_id = %(shop)s;

-- Drift for the audit to find: cached balances off, and lots off their allocations.
UPDATE loyalty_member SET balance = balance + 7
WHERE shop_id = %(shop)s AND id %% (%(n)s / %(drifted)s) = 1;
"""


def _plan(cursor, sql: str, params: list | tuple = ()) -> list[str]:
    cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) {sql}", params)
    return [row[0] for row in cursor.fetchall()]


def _show(title: str, lines: list[str], limit: int = 14) -> None:
    print(f"   -- EXPLAIN {title}", flush=True)
    for line in lines[:limit]:
        print(f"      {line}", flush=True)
    if len(lines) > limit:
        print(f"      … ({len(lines) - limit} more lines)", flush=True)


def _timed(fn):
    started = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - started


def _counted(fn):
    """``_timed`` plus the number of statements ``fn`` sent through Django's connection (a
    counter, not ``CaptureQueriesContext``: a per-row path sends hundreds of thousands)."""
    from django.db import connection

    sent = 0

    def count(execute, sql, params, many, context):
        nonlocal sent
        sent += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        value, took = _timed(fn)
    return value, took, sent


def _child() -> dict[str, object]:
    import django

    django.setup()
    from django.db import connection
    from django.db.models import Count
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from loyalty.handlers import orders_changed
    from loyalty.models import EarningRule, Member, PointsTransaction, Redemption, Reward
    from loyalty.services.audit import ledger_audit
    from loyalty.services.birthdays import birthday_members, birthday_points_award_due
    from loyalty.services.imports import points_import
    from shopify_app.models import Customer, Shop, WebhookDelivery

    now = timezone.now()
    shop = Shop.objects.create(domain="bench-hot.myshopify.com", name="Bench", installed_at=now)
    with connection.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute(_SEED, {"shop": shop.pk, "n": MEMBERS, "drifted": DRIFTED})
        cursor.execute("ANALYZE")
    print(f"   seeded {MEMBERS} members in {time.perf_counter() - started:.1f} s", flush=True)
    figures: dict[str, object] = {}

    # --- The audit, beside one GROUP BY scan of the ledger.
    with connection.cursor() as cursor:
        _, floor = _timed(
            lambda: cursor.execute(
                "SELECT member_id, sum(amount) FROM loyalty_pointstransaction"
                " WHERE status = 'posted' GROUP BY member_id"
            )
        )
    drifts, took, sent = _counted(lambda: ledger_audit(shop_id=shop.pk))
    print(
        f"   audit: {took:.2f} s, {sent} statements, {len(drifts)} drifted (floor {floor:.2f} s)",
        flush=True,
    )
    figures["audit s (GROUP BY floor s)"] = (
        f"{took:.2f} ({floor:.2f}), {sent} statements, {len(drifts)} found"
    )
    with connection.cursor() as cursor:
        sql, params = _audit_sql(ledger_audit, shop.pk)
        if sql:
            _show("audit", _plan(cursor, sql, params), limit=30)

    # --- The birthday job: the first run of the day pays, the other 23 hourly runs find none.
    EarningRule.objects.create(shop=shop, kind="birthday", name="Birthday", points=10)
    today = timezone.localtime(now, timezone.UTC).date()
    written, first, sent_first = _counted(lambda: birthday_points_award_due(now=now))
    _, repeat, sent_repeat = _counted(lambda: birthday_points_award_due(now=now))
    print(
        f"   birthday job: first {first:.2f} s ({written} paid, {sent_first} statements),"
        f" repeat {repeat:.3f} s ({sent_repeat} statements)",
        flush=True,
    )
    figures["birthday first / repeat s"] = (
        f"{first:.2f} ({written} paid, {sent_first} stmts) / {repeat:.3f} ({sent_repeat} stmts)"
    )
    rule = EarningRule.objects.get(shop=shop, kind="birthday")
    query = birthday_members(rule=rule, today=today).values("pk")
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        _show("birthday_members", _plan(cursor, sql, params))
    # 28 February of a common year also pays 29 February birthdays: an OR of two index ranges.
    query = birthday_members(rule=rule, today=date(2027, 2, 28)).values("pk")
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        _show("birthday_members on 28 February 2027", _plan(cursor, sql, params))

    # --- orders_changed: a batch of deliveries whose orders used one issued code each.
    reward = Reward.objects.create(shop=shop, kind="fixed_amount", name="$5", points_cost=50)
    members = list(Member.objects.filter(shop=shop).order_by("pk")[:DELIVERIES])
    for i, member in enumerate(members):
        debit = PointsTransaction.objects.create(
            shop=shop, member=member, amount=-50, kind="redeem", status="void",
            idempotency_key=f"bench:redeem:{i}",
        )  # fmt: skip
        Redemption.objects.create(
            shop=shop, member=member, reward=reward, points=50, code=f"BENCH{i:06d}",
            status="issued", debit_entry=debit,
        )  # fmt: skip
    deliveries = [
        WebhookDelivery(
            shop=shop,
            webhook_id=f"bench-{i}",
            topic="orders/updated",
            payload={"id": 7_000_000 + i, "discount_codes": [{"code": f"BENCH{i:06d}"}]},
        )
        for i in range(DELIVERIES)
    ]
    with CaptureQueriesContext(connection) as queries:
        _, took = _timed(lambda: orders_changed(shop=shop, deliveries=deliveries))
    used = Redemption.objects.filter(shop=shop, status="used").count()
    print(f"   orders_changed: {took * 1000:.0f} ms, {len(queries)} statements, {used} used")
    figures[f"orders_changed ms ({DELIVERIES} deliveries)"] = (
        f"{took * 1000:.0f}, {len(queries)} statements"
    )

    # --- The import, beside COPY of the same file into a temporary table.
    emails = list(
        Customer.objects.filter(shop=shop).order_by("pk").values_list("email", flat=True)
    )[:IMPORT_ROWS]
    content = "email,points,tier\n" + "".join(f"{e.lower()},500,Gold\n" for e in emails)
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE bench_copy (email text, points int, tier text)")
        started = time.perf_counter()
        with cursor.copy("COPY bench_copy FROM STDIN (FORMAT csv, HEADER)") as copy:
            copy.write(content)
        floor = time.perf_counter() - started
        cursor.execute("DROP TABLE bench_copy")
    dry, took_dry, sent_dry = _counted(
        lambda: points_import(shop=shop, content=content, dry_run=True)
    )
    print(
        f"   import dry run: {took_dry:.1f} s ({dry.rows_changed} changed, {sent_dry} statements)",
        flush=True,
    )
    real, took_real, sent_real = _counted(
        lambda: points_import(shop=shop, content=content, dry_run=False)
    )
    print(
        f"   import: {took_real:.1f} s ({real.rows_changed} changed, {real.rows_failed} failed,"
        f" {sent_real} statements), COPY floor {floor:.2f} s",
        flush=True,
    )
    figures[f"import {IMPORT_ROWS} rows dry / real s"] = f"{took_dry:.1f} / {took_real:.1f}"
    figures["import statements dry / real"] = f"{sent_dry} / {sent_real}"
    figures["import COPY floor s"] = f"{floor:.2f}"
    figures["import rows/s (real)"] = f"{IMPORT_ROWS / took_real:.0f}"
    # The statements the import sends to the customer mirror, for a few rows of the file
    # (one of them stored in mixed case), explained.
    sample = "email,points\n" + "".join(f"{e.lower()},500\n" for e in emails[95:105])
    with CaptureQueriesContext(connection) as queries:
        points_import(shop=shop, content=sample, dry_run=True)
    customer_sql = list(
        dict.fromkeys(
            q["sql"] for q in queries.captured_queries if '"shopify_app_customer"' in q["sql"]
        )
    )
    figures["import statements on customers (10 rows)"] = sum(
        '"shopify_app_customer"' in q["sql"] for q in queries.captured_queries
    )
    with connection.cursor() as cursor:
        for sql in customer_sql[:2]:
            _show("import's customer match", _plan(cursor, sql))

    # --- Analytics' range read of the ledger: the last 7 days of one shop, and a week a month
    # ago. The last 7 days hold the whole import just written (a third of the ledger), where
    # a sequential scan may rightly win; the earlier week (~2% of the seed's entries) shows
    # whether the (shop, created_at) index serves a selective range.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        for title, where in (
            ("last 7 days", "created_at >= now() - interval '7 days'"),
            (
                "week a month ago",
                "created_at >= now() - interval '37 days'"
                " AND created_at < now() - interval '30 days'",
            ),
        ):
            sql = f"SELECT count(*) FROM loyalty_pointstransaction WHERE shop_id = %s AND {where}"
            _show(f"ledger, one shop's {title}", _plan(cursor, sql, [shop.pk]))
    kinds = dict(
        PointsTransaction.objects.filter(shop=shop)
        .values_list("kind")
        .annotate(n=Count("pk"))
        .values_list("kind", "n")
    )
    figures["ledger after the run"] = ", ".join(f"{k} {n}" for k, n in sorted(kinds.items()))
    figures["setup"] = f"{MEMBERS} members, {os.cpu_count()} CPUs"
    return figures


def _audit_sql(ledger_audit, shop_id: int) -> tuple[str, list]:
    """The SQL the audit runs, captured from one run (it may be one statement or several)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        ledger_audit(shop_id=shop_id)
    if not queries.captured_queries:
        return "", []
    # The longest statement is the audit's aggregate; it is printed with literal values.
    return max((q["sql"] for q in queries.captured_queries), key=len), []


if __name__ == "__main__":
    if sys.argv[1:] == ["child"]:
        import json

        print(json.dumps(_child()), flush=True)
    else:
        print(run())
