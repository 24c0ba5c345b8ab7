"""``GET /proxy/api/state`` for a member with 500 history entries, through the signed proxy
path, beside a no-op Django view under the same server in the same run.

1. A fresh database ``<DATABASE_URL name>_bench_storefront`` is migrated; a child process seeds
   one installed shop with three rewards, three earning rules and a member with 500 ledger
   entries (credits from orders with lot expiry, and debits consuming them).
2. The app runs under Granian (production-like: DEBUG off) with ``bench._storefront_settings``:
   the app's routes plus ``/bench/noop``, and no rate limits.
3. Each side — the no-op view, then ``GET state`` signed as Shopify's app proxy signs it (the
   signature is made at the start of each phase, well within its 90 s window) — gets a peak
   run (``wrk`` when installed, else Python keep-alive clients; requests/s, p50/p99), then an
   open-loop run at half its peak rate (p50/p99; target p99 < 20 ms).

Sides: the plain no-op Django view (the issue's baseline), a signed no-op (the same middleware,
DRF, proxy signature check and headers as GET state, answering ``{}``: what every storefront
request costs) and GET state. GET state is cached (``shopify_app.storefront_cache``): after the
first request the run measures cache hits, as repeated page views of one shopper are; the first
(uncached) request's time is printed too.

Printed: each side's figures, state ÷ no-op at peak (target ≥ 0.5), and the CPU each request
cost the server's processes and PostgreSQL at peak (steadier than the rates on a busy machine).
The figures move with whatever else runs on the machine; the load average is printed.
Environment: BENCH_DURATION (s), BENCH_CLIENTS, BENCH_WORKERS (server processes),
BENCH_THREADS (threads per process); ``STOREFRONT_STATE_CACHE_SECONDS=0`` measures GET state
with its cache off (every request renders from PostgreSQL).
"""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import subprocess
import sys
import time

from bench._http import get, python_load, side, signed_proxy_path, start_granian, wrk
from bench._loyalty import database_urls, env, fresh_database, run_child

SECRET = "bench-secret"
SHOP = "bench-storefront.myshopify.com"
CUSTOMER_ID = 8_800_000_001
HISTORY = 500
PORT = int(os.environ.get("BENCH_PORT", "8766"))
DURATION = float(os.environ.get("BENCH_DURATION", "10"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "16"))
WORKERS = int(os.environ.get("BENCH_WORKERS", str(max(2, os.cpu_count() or 2))))
THREADS = int(os.environ.get("BENCH_THREADS", "4"))
# This run's own cache keys: a rendering kept from an earlier run (same shop domain and
# customer id, another database) must not be served.
CACHE_PREFIX = f"bench-sf-{os.getpid()}-{int(time.time())}"


def _env(database_url: str) -> dict[str, str]:
    return {
        **env(database_url),
        "SHOPIFY_API_SECRET": SECRET,
        "DJANGO_SETTINGS_MODULE": "bench._storefront_settings",
        "STOREFRONT_STATE_CACHE_PREFIX": CACHE_PREFIX,
    }


def _state_path(path: str = "/proxy/api/state") -> str:
    """``path`` (GET state by default) with the query Shopify's proxy adds, signed now."""
    return signed_proxy_path(path, shop=SHOP, secret=SECRET, customer_id=CUSTOMER_ID)


def _start_server(database_url: str) -> subprocess.Popen:
    return start_granian(env=_env(database_url), port=PORT, workers=WORKERS, threads=THREADS)


def _get_side(label: str, path_for, server: subprocess.Popen, db_name: str) -> dict[str, float]:
    """Peak then half peak of GETs of ``path_for()`` (signed afresh for each run)."""

    def send(path: str):
        return lambda conn, client, n: get(conn, path)[0]

    return side(
        label,
        server=server,
        db_name=db_name,
        peak=lambda: wrk(port=PORT, path=path_for(), clients=CLIENTS, duration=DURATION)
        or python_load(port=PORT, send=send(path_for()), clients=CLIENTS, duration=DURATION,
                       rate=None, label=label),
        at_rate=lambda rate: python_load(port=PORT, send=send(path_for()), clients=CLIENTS,
                                         duration=DURATION, rate=rate, label=label),
    )  # fmt: skip


def run() -> dict[str, object]:
    database_url, name, maintenance_url = database_urls("storefront")
    fresh_database(database_url, name, maintenance_url, environ=_env(database_url))
    seeded = run_child("storefront_state", database_url)
    server = _start_server(database_url)
    try:
        started = time.perf_counter()
        status, body = get(http.client.HTTPConnection("127.0.0.1", PORT), _state_path())
        first_ms = (time.perf_counter() - started) * 1000
        if status != 200 or b'"balance"' not in body:
            raise SystemExit(f"GET state answered {status}: {body[:300]!r}")
        noop = _get_side("no-op view", lambda: "/bench/noop", server, name)
        signed = _get_side("signed no-op", lambda: _state_path("/proxy/api/noop"), server, name)
        state = _get_side("GET state", _state_path, server, name)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    return {
        "state req/s at peak": f"{state['peak']:.0f} (no-op view {noop['peak']:.0f},"
        f" signed no-op {signed['peak']:.0f})",
        "state ÷ no-op at peak": f"{state['peak'] / noop['peak']:.2f} (target ≥ 0.5)",
        "state ÷ signed no-op at peak": f"{state['peak'] / signed['peak']:.2f}",
        "state p99 ms at peak": f"{state['peak_p99']:.1f} (no-op {noop['peak_p99']:.1f})",
        "state p50 / p99 ms at half peak": (
            f"{state['half_p50']:.1f} / {state['half_p99']:.1f} (target p99 < 20;"
            f" no-op {noop['half_p50']:.1f} / {noop['half_p99']:.1f})"
        ),
        "CPU ms per request, app / PostgreSQL": (
            f"state {state['app_ms']:.2f} / {state['db_ms']:.2f},"
            f" no-op {noop['app_ms']:.2f} / {noop['db_ms']:.2f},"
            f" signed no-op {signed['app_ms']:.2f} / {signed['db_ms']:.2f}"
        ),
        "state response": f"{len(body) / 1024:.1f} KB, {seeded['entries']} history entries;"
        f" first (uncached) request {first_ms:.0f} ms",
        "state cache": "off" if os.environ.get("STOREFRONT_STATE_CACHE_SECONDS") == "0" else "on",
        "setup": f"granian {WORKERS}x{THREADS}, {CLIENTS} clients"
        f" ({'wrk' if shutil.which('wrk') else 'Python'} at peak), {DURATION:.0f} s,"
        f" {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}",
    }


def _seed() -> dict[str, object]:
    import django

    django.setup()
    from datetime import timedelta
    from decimal import Decimal

    from django.db import transaction
    from django.utils import timezone

    from loyalty.models import EarningRule, Member, PointsTransaction, Reward
    from loyalty.services.ledger import entry_write, member_lock
    from loyalty.services.program import program_settings_update
    from shopify_app.models import Customer, Shop

    now = timezone.now()
    shop = Shop.objects.create(domain=SHOP, name="Bench", installed_at=now)
    program_settings_update(shop_id=shop.pk, expiry_mode="lot", program_name="Bench Club")
    for cost in (500, 1000, 2000):
        Reward.objects.create(
            shop=shop,
            kind="fixed_amount",
            name=f"${cost // 100} off",
            points_cost=cost,
            amount=Decimal(cost // 100),
        )
    EarningRule.objects.create(shop=shop, kind="signup", name="Create an account", points=200)
    EarningRule.objects.create(shop=shop, kind="birthday", name="Birthday", points=100)
    EarningRule.objects.create(
        shop=shop,
        kind="social_follow",
        network="instagram",
        name="Follow us",
        points=50,
        url="https://instagram.com/x",
    )
    customer = Customer.objects.create(
        shop=shop, shopify_id=CUSTOMER_ID, first_name="Ann", state="enabled"
    )
    member = Member.objects.create(
        shop=shop, customer=customer, joined_at=now, last_activity_at=now
    )
    for n in range(HISTORY):
        with transaction.atomic():
            locked = member_lock(member_id=member.pk)
            # Every tenth entry spends what the last few orders earned (a debit over lots).
            debit = n % 10 == 9
            entry_write(
                member=locked,
                amount=-120 if debit else 50,
                kind="adjustment" if debit else "order",
                idempotency_key=f"bench:{n}",
                note="Spent in store" if debit else f"Order #{1000 + n}",
                expires_at=None if debit else now + timedelta(days=30 + n),
            )
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # planner statistics, as autovacuum would have them in production
    return {"entries": PointsTransaction.objects.filter(member=member).count()}


if __name__ == "__main__":
    if sys.argv[1:] == ["child"]:
        import json

        print(json.dumps(_seed()), flush=True)
    else:
        print(run())
