"""Redemptions per second, concurrent: against one member (every request contends for the same
row lock) and against many (no contention), through ``reward_redeem``.

Each redemption is the full synchronous part a shopper waits for: lock the member, check the
balance, write the redeem entry (consuming lots FIFO) and the Redemption, commit, enqueue the
code task on the real broker. Creating the code in Shopify happens afterwards in a worker and
is not measured here (Shopify's own latency would dominate). ``THREADS`` threads, each with its
own connection, run for ``DURATION`` seconds per scenario.

Environment: BENCH_DURATION (s), BENCH_REDEEM_THREADS, BENCH_MEMBERS.
"""

from __future__ import annotations

import os
import sys
import threading
import time

from bench._loyalty import database_urls, fresh_database, percentile, run_child

DURATION = float(os.environ.get("BENCH_DURATION", "10"))
THREADS = int(os.environ.get("BENCH_REDEEM_THREADS", "8"))
MEMBERS = int(os.environ.get("BENCH_MEMBERS", "200"))


def run() -> dict[str, object]:
    database_url, name, maintenance_url = database_urls("redeem")
    fresh_database(database_url, name, maintenance_url)
    return run_child("loyalty_redeem", database_url)


def _child() -> dict[str, object]:
    import django

    django.setup()
    import redis
    from django.db import connection, transaction
    from django.utils import timezone

    from loyalty.models import Member, Redemption, Reward
    from loyalty.services.audit import ledger_audit
    from loyalty.services.ledger import entry_write, member_lock
    from loyalty.services.redemption import reward_redeem
    from shopify_app.models import Customer, Shop

    shop = Shop.objects.create(
        domain="bench-redeem.myshopify.com", name="Bench", installed_at=timezone.now()
    )
    reward = Reward.objects.create(shop=shop, kind="fixed_amount", name="$1", points_cost=10)
    now = timezone.now()
    members = []
    for i in range(MEMBERS):
        customer = Customer.objects.create(shop=shop, shopify_id=9_000_000 + i, state="enabled")
        member = Member.objects.create(
            shop=shop, customer=customer, joined_at=now, last_activity_at=now
        )
        # Many small lots, so FIFO consumption is exercised as in a real account.
        for lot in range(20):
            with transaction.atomic():
                entry_write(
                    member=member_lock(member_id=member.pk),
                    amount=50_000,
                    kind="import",
                    idempotency_key=f"seed:{member.pk}:{lot}",
                )
        members.append(member)

    def scenario(label: str, pick) -> dict[str, float]:
        done = 0
        latencies: list[float] = []
        lock = threading.Lock()
        stop_at = time.monotonic() + DURATION

        def loop(n: int) -> None:
            nonlocal done
            mine: list[float] = []
            i = 0
            try:
                while time.monotonic() < stop_at:
                    started = time.perf_counter()
                    reward_redeem(member=pick(n, i), reward=reward)
                    mine.append((time.perf_counter() - started) * 1000)
                    i += 1
            finally:
                connection.close()
            with lock:
                done += len(mine)
                latencies.extend(mine)

        threads = [threading.Thread(target=loop, args=(n,)) for n in range(THREADS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        rate = done / DURATION
        p50, p99 = percentile(latencies, 0.5), percentile(latencies, 0.99)
        print(
            f"   {label}: {rate:.0f} redemptions/s, p50 {p50:.1f} ms, p99 {p99:.1f} ms",
            flush=True,
        )
        return {"rate": rate, "p50": p50, "p99": p99}

    one = scenario(f"one member, {THREADS} threads", lambda n, i: members[0])
    many = scenario(
        f"{MEMBERS} members, {THREADS} threads",
        lambda n, i: members[(n * 7919 + i) % MEMBERS],
    )
    drift = ledger_audit(shop_id=shop.pk)
    redemptions = Redemption.objects.filter(shop=shop).count()
    broker = redis.Redis.from_url(os.environ["REDIS_URL"])
    broker.delete("storefront")  # the issue tasks: no worker consumes them here
    return {
        "redemptions/s (one member)": f"{one['rate']:.0f}",
        "p50 / p99 ms (one member)": f"{one['p50']:.1f} / {one['p99']:.1f}",
        "redemptions/s (many members)": f"{many['rate']:.0f}",
        "p50 / p99 ms (many members)": f"{many['p50']:.1f} / {many['p99']:.1f}",
        "ledger drift after the run": f"{len(drift)} members ({redemptions} redemptions)",
        "setup": f"{THREADS} threads, {MEMBERS} members, {DURATION:.0f} s, {os.cpu_count()} CPUs",
    }


if __name__ == "__main__":
    if sys.argv[1:] == ["child"]:
        import json

        print(json.dumps(_child()), flush=True)
    else:
        print(run())
