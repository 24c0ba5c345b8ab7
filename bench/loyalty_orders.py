"""orders/paid → points posted, end to end through the inbox and two workers, beside pgbench.

1. A fresh database ``<DATABASE_URL name>_bench_orders`` is migrated; one installed shop with
   the default program (1 point per unit, no hold, so points post at once) and ``CUSTOMERS``
   customers.
2. Peak: ``ORDERS`` ``orders/paid`` bodies (devshop's builders: Shopify's example
   payload with our data) are stored through the real intake service
   (``webhook_delivery_receive``: the inbox row plus its enqueued task), then a Celery worker
   with two processes is started and drains them: mirror upserts, our handler, the ledger
   entry, its lot and the member's balance. Orders/s = orders / (last - first processed).
3. Half peak: with the workers running, deliveries are stored at half the peak rate for
   ``DURATION`` seconds; latency = ledger entry written - delivery received; p50/p99
   (target p99 < 1 s).
4. The VIP club off and on, alternating rounds of the same load drained by fresh workers:
   the rate with tiers over the rate without (target >= 0.9).
5. pgbench on the same database, two clients (as many as the workers), ``DURATION`` seconds,
   with a custom script doing the ledger transaction by itself: lock the member, insert the
   entry with its idempotency key, update the balance; on copies of the two tables.

Printed: both rates and their ratio (target ≥ 0.3), the tiers on/off rates and their ratio.
Environment: BENCH_ORDERS, BENCH_CUSTOMERS, BENCH_DURATION (s), BENCH_TIER_ROUNDS,
BENCH_TIER_ORDERS.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import threading
import time

from bench._loyalty import (
    ROOT,
    database_urls,
    fresh_database,
    percentile,
    pgbench,
    run_child,
)

ORDERS = int(os.environ.get("BENCH_ORDERS", "3000"))
CUSTOMERS = int(os.environ.get("BENCH_CUSTOMERS", "500"))
DURATION = float(os.environ.get("BENCH_DURATION", "10"))
TIER_ROUNDS = int(os.environ.get("BENCH_TIER_ROUNDS", "5"))
TIER_ORDERS = int(os.environ.get("BENCH_TIER_ORDERS", "600"))
WORKER_PROCESSES = 2
SHOP = "bench-loyalty.myshopify.com"


def _pgbench(database_url: str, name: str, members: int) -> float:
    script = (
        f"\\set m random(1, {members})\n"
        "BEGIN;\n"
        "SELECT id FROM bench_member WHERE id = :m FOR UPDATE;\n"
        "INSERT INTO bench_entry (shop_id, member_id, amount, kind, status, idempotency_key,"
        " source_type, source_id, reason, note, created_by, posted_at, created_at)"
        " VALUES (1, :m, 100, 'order', 'posted', 'order:' || gen_random_uuid() || ':earn',"
        " 'order', '1', '', 'Order', '', now(), now());\n"
        "UPDATE bench_member SET balance = balance + 100, lifetime_earned = lifetime_earned"
        " + 100, last_activity_at = now() WHERE id = :m;\n"
        "COMMIT;\n"
    )
    tps, _ = pgbench(
        database_url,
        name,
        script,
        clients=WORKER_PROCESSES,
        jobs=WORKER_PROCESSES,
        seconds=int(DURATION),
    )
    return tps


def run() -> dict[str, object]:
    database_url, name, maintenance_url = database_urls("orders")
    fresh_database(database_url, name, maintenance_url)
    figures = run_child("loyalty_orders", database_url)
    tps = _pgbench(database_url, name, figures.pop("members"))
    print(f"   pgbench ledger transaction (2 clients): {tps:.0f}/s", flush=True)
    peak = float(figures["orders/s (peak, 2 workers)"])
    figures["pgbench ledger txn/s (2 clients)"] = f"{tps:.0f}"
    figures["ratio orders / pgbench"] = f"{peak / tps:.2f} (target >= 0.3)"
    return figures


# --- the child: Django, the inbox and the workers --------------------------------------------


def _worker() -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config.celery", "worker", "-Q", "webhooks",
         "-P", "prefork", "-c", str(WORKER_PROCESSES), "--loglevel", "WARNING",
         "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=ROOT,
        env=os.environ.copy(),
        start_new_session=True,
    )  # fmt: skip


def _drained_rate(*, since) -> float:
    """Orders/s of the deliveries received since ``since``, once the inbox is drained: their
    count over first to last processed (a worker's start-up is not in it)."""
    from django.db.models import Count, Max, Min

    from shopify_app.models import WebhookDelivery

    deadline = time.monotonic() + 600
    while WebhookDelivery.objects.filter(status="pending").exists():
        if time.monotonic() > deadline:
            raise SystemExit("workers did not drain the inbox in 10 minutes")
        time.sleep(0.2)
    span = WebhookDelivery.objects.filter(received_at__gte=since).aggregate(
        n=Count("pk"), first=Min("processed_at"), last=Max("processed_at")
    )
    return span["n"] / max((span["last"] - span["first"]).total_seconds(), 1e-3)


def _tier_rounds(*, receive, body) -> dict[str, str]:
    """The same orders/paid load with the VIP club off and on, alternating (off, on, off, …),
    ``TIER_ROUNDS`` rounds each of ``TIER_ORDERS`` deliveries stored first and then drained by
    fresh workers, as the peak is. On: three tiers on the amount spent with multipliers, so
    every order's handler re-decides its member (and some climb a tier, with history, tags and
    multiplied earns). Switching between rounds (re-deciding every member) is not timed."""
    from decimal import Decimal

    from django.utils import timezone

    from loyalty.vip.config import TierConfig, TierInput, tier_config_apply
    from loyalty.vip.services import vip_program_enable
    from shopify_app.models import Shop

    shop = Shop.objects.get(domain=SHOP)
    ladder = [("Silver", "500", "1.25"), ("Gold", "2000", "1.5"), ("Platinum", "8000", "2")]
    tiers = [
        TierInput(name=n, rank=r, threshold=Decimal(t), multiplier=Decimal(m))
        for r, (n, t, m) in enumerate(ladder, start=1)
    ]
    tier_config_apply(shop=shop, config=TierConfig(tiers=tiers), by="bench")
    rates: dict[bool, list[float]] = {False: [], True: []}
    for i in range(2 * TIER_ROUNDS):
        on = i % 2 == 1
        vip_program_enable(shop=shop, enabled=on)
        since = timezone.now()
        for n in range(TIER_ORDERS):
            receive(body(n))
        worker = _worker()
        try:
            rates[on].append(_drained_rate(since=since))
        finally:
            worker.terminate()
            worker.wait(timeout=60)
        print(f"   tiers {'on ' if on else 'off'}: {rates[on][-1]:.0f} orders/s", flush=True)
    off, on_ = statistics.median(rates[False]), statistics.median(rates[True])
    # Each round on over the round off just before it: the shared machine's load drifts more
    # between distant rounds than between neighbours.
    pairs = [b / a for a, b in zip(rates[False], rates[True], strict=True)]
    return {
        "orders/s tiers off / on (median)": (
            f"{off:.0f} / {on_:.0f} ({TIER_ROUNDS} alternating rounds of {TIER_ORDERS}: off "
            f"{' '.join(f'{r:.0f}' for r in rates[False])}, on "
            f"{' '.join(f'{r:.0f}' for r in rates[True])})"
        ),
        "ratio tiers on / off": (
            f"{on_ / off:.2f} of medians, {statistics.median(pairs):.2f} median of pairs "
            f"(target >= 0.90)"
        ),
    }


def _child() -> dict[str, object]:
    import django

    django.setup()
    from datetime import timedelta
    from decimal import Decimal

    import redis
    from django.db import connection
    from django.utils import timezone

    from devshop.webhooks import payloads as p
    from loyalty.models import Member, PointsTransaction
    from shopify_app.models import Shop, WebhookDelivery
    from shopify_app.services.webhook_intake import webhook_delivery_receive

    Shop.objects.create(domain=SHOP, name="Bench", installed_at=timezone.now())
    data = p.ShopData(id=1, domain=SHOP, name="Bench", email="o@example.com")
    now = timezone.now()
    customers = [
        p.CustomerData(
            id=8_000_000 + i,
            email=f"c{i}@example.com",
            first_name="Ada",
            last_name="Bench",
            created_at=now,
            updated_at=now,
        )
        for i in range(CUSTOMERS)
    ]
    counter = iter(range(10**9))

    def body(i: int) -> bytes:
        import orjson

        oid = 6_000_000_000 + next(counter)
        customer = customers[i % CUSTOMERS]
        order = p.OrderData(
            id=oid,
            order_number=oid % 100000,
            email=customer.email,
            customer=customer,
            line_items=[p.LineItemData(id=oid * 10, title="Tea", quantity=1, price=Decimal(100))],
            created_at=now,
            updated_at=now,
            processed_at=now,
        )
        return orjson.dumps(p.order_payload(shop=data, order=order))

    def receive(raw: bytes) -> None:
        webhook_delivery_receive(
            shop_domain=SHOP,
            webhook_id=f"bench-{next(counter)}",
            topic="orders/paid",
            api_version="2026-07",
            event_id=None,
            triggered_at=timezone.now(),
            body=raw,
        )

    broker = redis.Redis.from_url(os.environ["REDIS_URL"])
    broker.delete("webhooks")
    bodies = [body(i) for i in range(ORDERS)]
    for text in bodies:
        receive(text)
    print(f"   stored {ORDERS} orders/paid deliveries; starting 2 worker processes", flush=True)
    worker = _worker()
    try:
        deadline = time.monotonic() + 600
        while WebhookDelivery.objects.filter(status="pending").exists():
            if time.monotonic() > deadline:
                raise SystemExit("workers did not drain the inbox in 10 minutes")
            time.sleep(0.2)
        failed = WebhookDelivery.objects.exclude(status="done").count()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT min(processed_at), max(processed_at) FROM shopify_app_webhookdelivery"
            )
            first, last = cursor.fetchone()
        peak = ORDERS / max((last - first).total_seconds(), 1e-3)
        print(f"   peak: {peak:.0f} orders/s through the inbox ({failed} not done)", flush=True)

        # Half peak, open loop: one delivery every 1/rate seconds, workers running.
        rate = peak / 2
        started = timezone.now()
        stop_at = time.monotonic() + DURATION
        sent = 0

        def produce() -> None:
            nonlocal sent
            next_at = time.monotonic()
            while time.monotonic() < stop_at:
                receive(body(sent))
                sent += 1
                next_at += 1 / rate
                pause = next_at - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
            connection.close()

        producer = threading.Thread(target=produce)
        producer.start()
        producer.join()
        deadline = time.monotonic() + 120
        while WebhookDelivery.objects.filter(status="pending").exists():
            if time.monotonic() > deadline:
                raise SystemExit("workers did not keep up at half peak")
            time.sleep(0.1)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT extract(epoch FROM e.created_at - d.received_at)"
                " FROM shopify_app_webhookdelivery d JOIN loyalty_pointstransaction e"
                " ON e.idempotency_key = 'order:'"
                " || (convert_from(d.body, 'UTF8')::jsonb ->> 'id') || ':earn'"
                " WHERE d.received_at >= %s",
                [started - timedelta(milliseconds=1)],
            )
            latencies = [float(r[0]) * 1000 for r in cursor.fetchall()]
        p50, p99 = percentile(latencies, 0.5), percentile(latencies, 0.99)
        print(
            f"   half peak ({rate:.0f}/s offered, {len(latencies)} orders): p50 {p50:.0f} ms,"
            f" p99 {p99:.0f} ms",
            flush=True,
        )
    finally:
        worker.terminate()  # warm shutdown: the pool finishes its current tasks
        worker.wait(timeout=60)
        broker.delete("webhooks")
    tiers = _tier_rounds(receive=receive, body=body)
    broker.delete("webhooks", "batch")  # the tag tasks of members who changed tier

    entries = PointsTransaction.objects.filter(kind="order", status="posted").count()
    members = Member.objects.count()
    # pgbench's side: copies of the ledger and member tables (constraints and indexes, no
    # trigger), members renumbered 1..n so the script can pick one at random.
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE bench_entry (LIKE loyalty_pointstransaction INCLUDING ALL);"
            "CREATE TABLE bench_member (LIKE loyalty_member INCLUDING ALL);"
            "INSERT INTO bench_member SELECT * FROM loyalty_member;"
            "UPDATE bench_member b SET id = r.n FROM (SELECT id, row_number() OVER"
            " (ORDER BY id) AS n FROM bench_member) r WHERE b.id = r.id;"
        )
    return {
        "orders/s (peak, 2 workers)": f"{peak:.0f}",
        **tiers,
        "p50 / p99 ms (half peak)": f"{p50:.0f} / {p99:.0f} (target p99 < 1000)",
        "orders posted exactly once": (
            f"{entries} entries for {ORDERS + sent + 2 * TIER_ROUNDS * TIER_ORDERS} orders"
        ),
        "setup": f"{ORDERS} orders, {CUSTOMERS} customers, {os.cpu_count()} CPUs",
        "members": members,
    }


if __name__ == "__main__":
    if sys.argv[1:] == ["child"]:
        import json

        print(json.dumps(_child()), flush=True)
    else:
        print(run())
