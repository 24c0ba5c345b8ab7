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

import glob
import hashlib
import hmac
import http.client
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from urllib.parse import urlencode

from bench._loyalty import ROOT, database_urls, env, fresh_database, percentile, run_child

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
    """``path`` (GET state) with the query Shopify's proxy adds, signed now."""
    params = [
        ("shop", SHOP),
        ("logged_in_customer_id", str(CUSTOMER_ID)),
        ("path_prefix", "/apps/rewards"),
        ("timestamp", str(int(time.time()))),
    ]
    message = "".join(sorted(f"{k}={v}" for k, v in params))
    signature = hmac.new(SECRET.encode(), message.encode(), hashlib.sha256).hexdigest()
    return f"{path}?{urlencode([*params, ('signature', signature)])}"


def _start_server(database_url: str) -> subprocess.Popen:
    server = subprocess.Popen(
        [sys.executable, "-m", "granian", "config.wsgi:application", "--interface", "wsgi",
         "--host", "127.0.0.1", "--port", str(PORT), "--workers", str(WORKERS),
         "--blocking-threads", str(THREADS), "--runtime-threads", "1",
         "--log-level", "warning", "--no-access-log"],
        cwd=ROOT, env=_env(database_url), start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            status, _ = _get(http.client.HTTPConnection("127.0.0.1", PORT, timeout=5), "/healthz")
            if status == 200:
                return server
        except OSError:
            pass
        time.sleep(0.2)
    server.kill()
    raise SystemExit("granian did not start")


def _get(conn: http.client.HTTPConnection, path: str) -> tuple[int, bytes]:
    conn.request("GET", path)
    response = conn.getresponse()
    return response.status, response.read()


def _wrk(path: str) -> dict[str, float] | None:
    wrk = shutil.which("wrk")
    if wrk is None:
        return None
    out = subprocess.run(
        [wrk, "-t", "2", "-c", str(CLIENTS), "-d", f"{int(DURATION)}s", "--latency",
         f"http://127.0.0.1:{PORT}{path}"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    total = int(re.search(r"(\d+) requests in", out).group(1))
    elapsed = float(re.search(r"requests in ([\d.]+)s", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if bad:
        raise SystemExit(f"{bad.group(1)} requests to {path.split('?')[0]} were refused")

    def pct(label: str) -> float:
        value, unit = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)", out, re.M).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    return {"rps": total / elapsed, "p50": pct("50"), "p99": pct("99"), "requests": total}


def _python_load(path: str, rate: float | None) -> dict[str, float]:
    """Keep-alive clients: closed loop when ``rate`` is None, else open loop at ``rate``/s in
    total (each thread one request per interval, from a staggered start)."""
    clients = CLIENTS if rate is None else max(1, min(CLIENTS, int(rate // 20) or 1))
    interval = None if rate is None else clients / rate
    deadline = time.monotonic() + DURATION
    latencies: list[float] = []
    refused = 0
    lock = threading.Lock()

    def loop(n: int) -> None:
        nonlocal refused
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
        next_at = time.monotonic() + (interval * n / clients if interval else 0)
        mine: list[float] = []
        bad = 0
        while time.monotonic() < deadline:
            if interval is not None:
                pause = next_at - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
                next_at += interval
            started = time.perf_counter()
            status, _ = _get(conn, path)
            mine.append((time.perf_counter() - started) * 1000)
            bad += status != 200
        conn.close()
        with lock:
            latencies.extend(mine)
            refused += bad

    threads = [threading.Thread(target=loop, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if refused:
        raise SystemExit(f"{refused} requests to {path.split('?')[0]} were refused")
    return {
        "rps": len(latencies) / DURATION,
        "p50": percentile(latencies, 0.5),
        "p99": percentile(latencies, 0.99),
        "requests": len(latencies),
    }


def _cpu_seconds(matches) -> float:
    """User + system CPU of the live processes whose (pgrp, cmdline) satisfy ``matches``."""
    ticks = 0
    for stat in glob.glob("/proc/[0-9]*/stat"):
        try:
            with open(stat) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            with open(stat.removesuffix("stat") + "cmdline", "rb") as f:
                cmdline = f.read().decode(errors="replace")
        except OSError:  # the process ended meanwhile
            continue
        if matches(int(fields[2]), cmdline):
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def _side(label: str, path_for, server: subprocess.Popen, db_name: str) -> dict[str, float]:
    """Peak (with the CPU each request cost the server and PostgreSQL), then half peak. CPU
    per request moves less with the machine's load than the rates do."""

    def app_cpu() -> float:
        return _cpu_seconds(lambda pgrp, cmd: pgrp == server.pid)

    def db_cpu() -> float:
        return _cpu_seconds(lambda pgrp, cmd: cmd.startswith("postgres: ") and db_name in cmd)

    print(f"   {label}: load average {os.getloadavg()[0]:.2f}", flush=True)
    app_before, db_before = app_cpu(), db_cpu()
    peak = _wrk(path_for()) or _python_load(path_for(), None)
    app_ms = (app_cpu() - app_before) * 1000 / peak["requests"]
    db_ms = (db_cpu() - db_before) * 1000 / peak["requests"]
    half = _python_load(path_for(), peak["rps"] / 2)
    print(
        f"   {label}: peak {peak['rps']:.0f} req/s (p50 {peak['p50']:.1f} ms, p99"
        f" {peak['p99']:.1f} ms; CPU per request: app {app_ms:.2f} ms, PostgreSQL"
        f" {db_ms:.2f} ms); at {peak['rps'] / 2:.0f} req/s p50 {half['p50']:.1f} ms,"
        f" p99 {half['p99']:.1f} ms",
        flush=True,
    )
    return {"peak": peak["rps"], "peak_p99": peak["p99"], "half_p50": half["p50"],
            "half_p99": half["p99"], "app_ms": app_ms, "db_ms": db_ms}  # fmt: skip


def run() -> dict[str, object]:
    database_url, name, maintenance_url = database_urls("storefront")
    fresh_database(database_url, name, maintenance_url, environ=_env(database_url))
    seeded = run_child("storefront_state", database_url)
    server = _start_server(database_url)
    try:
        started = time.perf_counter()
        status, body = _get(http.client.HTTPConnection("127.0.0.1", PORT), _state_path())
        first_ms = (time.perf_counter() - started) * 1000
        if status != 200 or b'"balance"' not in body:
            raise SystemExit(f"GET state answered {status}: {body[:300]!r}")
        noop = _side("no-op view", lambda: "/bench/noop", server, name)
        signed = _side("signed no-op", lambda: _state_path("/proxy/api/noop"), server, name)
        state = _side("GET state", _state_path, server, name)
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
