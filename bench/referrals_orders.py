"""orders/paid → points with and without the referral handlers, in one process, same run.

A fresh database ``<DATABASE_URL name>_bench_referrals`` with one shop, ``CUSTOMERS``
customers of whom every tenth is a referrer with a code, and a claimed referral for the email
of one order in ``REFERRED_EVERY`` (default 50: 2% of orders referred). The referral handler
attributes, checks and rewards those, and skips the rest after three statements per batch.

Rounds of ``ROUND`` orders/paid deliveries are stored in the inbox and processed by the real
dispatcher (``webhook_deliveries_process``, batches of ``BATCH``), alternately with referrals'
handlers registered and removed from the registry, so both modes share the machine's load.
Printed: orders/s for each mode (the median of the rounds) and the ratio (issue 13: within
10%). Environment: BENCH_ROUNDS, BENCH_ROUND, BENCH_CUSTOMERS, BENCH_REFERRED_EVERY;
BENCH_PROFILE=1 prints where the queries go.
"""

from __future__ import annotations

import os
import statistics
import sys
import time

from bench._loyalty import database_urls, fresh_database, run_child

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "6"))
ROUND = int(os.environ.get("BENCH_ROUND", "300"))
CUSTOMERS = int(os.environ.get("BENCH_CUSTOMERS", "500"))
REFERRED_EVERY = int(os.environ.get("BENCH_REFERRED_EVERY", "50"))
BATCH = 50
SHOP = "bench-referrals.myshopify.com"


def run() -> dict[str, object]:
    database_url, name, maintenance_url = database_urls("referrals")
    fresh_database(database_url, name, maintenance_url)
    return run_child("referrals_orders", database_url)


def _child() -> dict[str, object]:
    import django

    django.setup()
    import json
    from datetime import timedelta
    from decimal import Decimal

    from django.db.models import Count
    from django.utils import timezone

    from devshop.webhooks import payloads as p
    from loyalty.services.members import member_enrol
    from referrals import handlers as referral_handlers
    from referrals.models import Referral
    from referrals.services.offers import referral_claim
    from referrals.services.program import referral_code_for_member
    from shopify_app.models import Customer, Shop, WebhookDelivery
    from shopify_app.services.webhooks import webhook_deliveries_process
    from shopify_app.webhooks import registry

    shop = Shop.objects.create(domain=SHOP, name="Bench", installed_at=timezone.now())
    data = p.ShopData(id=1, domain=SHOP, name="Bench", email="o@example.com")
    now = timezone.now()
    codes = []
    for i in range(0, CUSTOMERS, 10):
        customer = Customer.objects.create(
            shop=shop, shopify_id=8_000_000 + i, email=f"c{i}@example.com"
        )
        codes.append(referral_code_for_member(member=member_enrol(customer=customer)).code)
    counter = iter(range(10**9))
    ours = [(t, h) for t, hs in referral_handlers.HANDLERS.items() for h in hs]

    def deliveries(n: int) -> None:
        rows = []
        for _ in range(n):
            k = next(counter)
            referred = k % REFERRED_EVERY == 0
            email = f"friend{k}@example.com" if referred else f"c{k % CUSTOMERS}@example.com"
            if referred:
                referral_claim(
                    shop=shop, code=codes[k % len(codes)], email=email, now=now - timedelta(hours=1)
                )
            customer = p.CustomerData(
                id=9_000_000 + k, email=email, first_name="Ada", last_name="Bench",
                created_at=now, updated_at=now,
            )  # fmt: skip
            oid = 6_000_000_000 + k
            order = p.OrderData(
                id=oid, order_number=oid % 100000, email=email, customer=customer,
                line_items=[p.LineItemData(id=oid * 10, title="Tea", quantity=1,
                                           price=Decimal(100))],
                created_at=now, updated_at=now, processed_at=now,
                browser_ip=f"10.0.{k % 250}.{k % 200 + 1}",
            )  # fmt: skip
            payload = json.loads(json.dumps(p.order_payload(shop=data, order=order)))
            rows.append(WebhookDelivery(shop=shop, webhook_id=f"bench-{k}", topic="orders/paid",
                                        api_version="2026-07", triggered_at=now,
                                        payload=payload))  # fmt: skip
        WebhookDelivery.objects.bulk_create(rows)

    def one_round(with_referrals: bool) -> float:
        if not with_referrals:
            for topic, handler in ours:
                registry._handlers[topic].remove(handler)
        try:
            deliveries(ROUND)
            started = time.perf_counter()
            done = 0
            while done < ROUND:
                done += len(webhook_deliveries_process(delivery_id=None, batch=BATCH))
            return ROUND / (time.perf_counter() - started)
        finally:
            if not with_referrals:
                for topic, handler in ours:
                    registry.register_handler(topic, handler)

    if os.environ.get("BENCH_PROFILE"):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        for mode in (True, False):
            with CaptureQueriesContext(connection) as q:
                one_round(mode)
            print(f"   queries with={mode}: {len(q)}", flush=True)
            if mode:
                by: dict[str, float] = {}
                for x in q.captured_queries:
                    key = x["sql"][:90]
                    by[key] = by.get(key, 0) + float(x["time"])
                for key, t in sorted(by.items(), key=lambda kv: -kv[1])[:8]:
                    print(f"    {t:.3f} {key}", flush=True)
        print(dict(Referral.objects.values_list("status").annotate(n=Count("pk"))), flush=True)
    one_round(True)  # warm-up (connections, caches), not counted
    rates: dict[bool, list[float]] = {True: [], False: []}
    for r in range(ROUNDS):
        for mode in (True, False) if r % 2 == 0 else (False, True):
            rates[mode].append(one_round(mode))
    with_, without = statistics.median(rates[True]), statistics.median(rates[False])
    completed = Referral.objects.filter(status="completed").count()
    failed = WebhookDelivery.objects.exclude(status="done")
    if failed.exists():
        print(f"   not done: {failed.count()}, e.g. {failed.first().last_error[:300]}", flush=True)
    return {
        "orders/s with referral handlers": f"{with_:.0f}",
        "orders/s without (same run)": f"{without:.0f}",
        "ratio with / without": f"{with_ / without:.2f} (target >= 0.90)",
        "referrals completed": completed,
        "setup": f"{ROUNDS} x 2 rounds of {ROUND} orders (1 in {REFERRED_EVERY} referred), "
        f"batches of {BATCH}, {os.cpu_count()} CPUs",
    }


if __name__ == "__main__":
    if sys.argv[1:] == ["child"]:
        import json

        print(json.dumps(_child()), flush=True)
    else:
        print(run())
