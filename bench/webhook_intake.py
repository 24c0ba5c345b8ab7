"""Webhook intake under load, beside pgbench inserting the same row on the same database.

1. A fresh database ``<DATABASE_URL name>_bench_webhooks`` is migrated and given one shop.
2. The app runs under Granian (the production server; ``BENCH_SERVER=gunicorn`` for gunicorn's
   gthread workers) on a loopback port, production-like: DEBUG off, the real Redis broker, so
   deliveries also wake the workers (a debounced drain message).
3. Peak: ``CLIENTS`` keep-alive clients fire signed ``orders/paid`` deliveries with Shopify's
   example body (a fresh Webhook-Id each) for ``DURATION`` seconds; accepted/s and p50/p99.
   The load comes from ``wrk`` when it is installed (C, like pgbench's client: on a small
   machine the clients share the CPUs with the server), else from the Python clients below,
   which write pre-built requests on raw sockets.
4. Half peak: an open-loop run at half the peak rate; p50/p99 (target p99 < 20 ms).
5. The same three phases against the peer baseline: ``django-shopify-webhook``'s
   ``WebhookView`` with a receiver that ``get_or_create``s the delivery into the same inbox
   table on its unique (shop, webhook id) key (``bench/_peer_site.py``), under the same server
   with the same workers and threads, on the same body and headers.
6. After every phase, the rows stored must equal the deliveries accepted (wrk's last few
   requests, unanswered when it stops, may be stored or not); otherwise the bench stops.
7. pgbench on the same database, same client count and duration, with a custom script: one
   INSERT of an identical row (the same body bytes) into a copy of the inbox table. Twice:
   copying the body from a table (the issue's baseline), and sending it in the statement as
   the intake must (a bytea literal; PostgreSQL then compresses it either way).

Printed: the rates and ratios (ours ÷ peer, ours ÷ pgbench: target ≥ 0.5), the CPU each accepted
delivery cost the app (its server processes) and PostgreSQL, and the load average, since
other work on the machine shifts every figure. Environment: BENCH_DURATION (s),
BENCH_CLIENTS, BENCH_SERVER (granian or gunicorn), BENCH_WORKERS (server processes),
BENCH_THREADS (threads per process), BENCH_WORKER_CLASS (gunicorn's, default gthread).
"""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import subprocess
import sys
import time

import psycopg

from bench._http import cpu_seconds
from bench._intake_load import PORT, SECRET, SHOP, body, load, wrk_peak
from bench._loyalty import ROOT, database_urls, env, fresh_database, pgbench

DURATION = float(os.environ.get("BENCH_DURATION", "10"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "16"))
WORKERS = int(os.environ.get("BENCH_WORKERS", str(max(2, (os.cpu_count() or 2)))))
THREADS = int(os.environ.get("BENCH_THREADS", "4"))
WORKER_CLASS = os.environ.get("BENCH_WORKER_CLASS", "gthread")
SERVER = os.environ.get("BENCH_SERVER", "granian")
# Each side: the WSGI application and its settings. "peer": django-shopify-webhook's
# WebhookView and a get_or_create receiver (bench/_peer_site.py), on the same server.
SIDES = {
    "ours": ("config.wsgi:application", "config.settings.base"),
    "peer": ("bench._peer_site:application", "bench._peer_settings"),
}


def _env(database_url: str) -> dict[str, str]:
    return {**env(database_url), "SHOPIFY_API_SECRET": SECRET}


def _prepare_database(database_url: str, name: str, maintenance_url: str) -> None:
    fresh_database(database_url, name, maintenance_url, environ=_env(database_url))
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO shopify_app_shop (domain, name, email, currency, timezone, shopify_plan,"
            " app_plan, scopes, installed_at, created_at, updated_at) VALUES"
            " (%s, 'Bench', '', 'USD', 'UTC', '', 'free', '', now(), now(), now())",
            [SHOP],
        )
        # pgbench's side: a copy of the inbox (same columns, constraints and indexes) and the
        # same payload, so both sides write identical rows.
        conn.execute("CREATE TABLE bench_inbox (LIKE shopify_app_webhookdelivery INCLUDING ALL)")
        conn.execute("CREATE TABLE bench_payload (body bytea)")
        conn.execute("INSERT INTO bench_payload VALUES (%s)", [body()])


def _server_command(app: str) -> list[str]:
    if SERVER == "granian":
        return [
            sys.executable, "-m", "granian", app, "--interface", "wsgi",
            "--host", "127.0.0.1", "--port", str(PORT), "--workers", str(WORKERS),
            "--blocking-threads", str(THREADS), "--runtime-threads", "1",
            "--log-level", "warning", "--no-access-log",
        ]  # fmt: skip
    return [
        sys.executable, "-m", "gunicorn", app,
        "--bind", f"127.0.0.1:{PORT}", "--workers", str(WORKERS),
        "--worker-class", WORKER_CLASS, "--threads", str(THREADS),
        "--keep-alive", "30", "--log-level", "warning",
    ]  # fmt: skip


def _start_server(database_url: str, side: str) -> subprocess.Popen:
    app, settings = SIDES[side]
    server = subprocess.Popen(
        _server_command(app),
        cwd=ROOT,
        env={**_env(database_url), "DJANGO_SETTINGS_MODULE": settings},
        start_new_session=True,
    )
    deadline = time.monotonic() + 120  # a loaded machine boots Django slowly
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=1)
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit(f"{SERVER} did not start")


_PGBENCH_COLUMNS = (
    "INSERT INTO bench_inbox (shop_id, webhook_id, topic, api_version, event_id,"
    " triggered_at, body, status, attempts, last_error, received_at)"
    " SELECT 1, gen_random_uuid()::text, 'orders/paid', '2026-07', gen_random_uuid()::text,"
)
# The baseline: the body copied from a table.
PGBENCH_COPIED = _PGBENCH_COLUMNS + " now(), body, 'pending', 0, '', now() FROM bench_payload;\n"


def _pgbench_sent() -> str:
    """The same INSERT with the body sent in the statement, as the intake sends it."""
    return _PGBENCH_COLUMNS + f" now(), '\\x{body().hex()}'::bytea, 'pending', 0, '', now();\n"


def _machine_busy_seconds() -> float:
    """CPU time every process on the machine has used (all cores), from /proc/stat.

    Counted across a run, for both sides alike: the intake's (load generator, server,
    PostgreSQL, Redis, kernel) and pgbench's (its client and PostgreSQL). When both saturate
    the CPUs, their rates are in the inverse ratio of these costs per request.
    """
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def _pgbench(database_url: str, name: str, script: str) -> tuple[float, float]:
    """(transactions per second, machine CPU ms per transaction)."""
    busy_before = _machine_busy_seconds()
    tps, done = pgbench(database_url, name, script, clients=CLIENTS, jobs=2, seconds=int(DURATION))
    return tps, (_machine_busy_seconds() - busy_before) / done * 1000


def _loadavg() -> str:
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def _purge_queue() -> None:
    """Drop the messages the run enqueued (no worker consumes them here) and the drain flag."""
    import redis

    client = redis.Redis.from_url(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    client.delete("webhooks", "shopify:webhook-drain-pending")


def _stored(database_url: str) -> int:
    with psycopg.connect(database_url) as conn:
        row = conn.execute("SELECT count(*) FROM shopify_app_webhookdelivery").fetchone()
        return row[0] if row else 0


def _check_stored(database_url: str, before: int, result: dict, phase: str) -> None:
    """Stop the bench unless the phase stored one row per accepted delivery.

    Every request carries its own Webhook-Id, so a row fewer means ids repeated (the phase
    measured no-op duplicates, not deliveries); a row more, a delivery stored but refused.
    wrk's last requests, sent but unanswered when it stopped, may be stored or not.
    """
    time.sleep(0.5)  # let the server finish what it was answering when the clients stopped
    stored = _stored(database_url) - before
    accepted, in_flight = int(result["accepted"]), int(result["in_flight"])
    print(
        f"   {phase}: {accepted} accepted, {stored} rows stored"
        + (f" ({in_flight} sent unanswered when wrk stopped)" if in_flight else ""),
        flush=True,
    )
    if not accepted <= stored <= accepted + in_flight:
        raise SystemExit(
            f"webhook_intake: {phase} accepted {accepted} deliveries but stored {stored} rows;"
            " its requests are not the distinct deliveries it claims to measure. Stopping."
        )


def _side(database_url: str, name: str, side: str) -> dict[str, float]:
    """Warm-up, peak and half peak against one side's server; CPU per delivery at peak."""
    server = _start_server(database_url, side)

    def app_cpu() -> float:  # the server's process group
        return cpu_seconds(lambda pgrp, cmd: pgrp == server.pid)

    def db_cpu() -> float:  # the backends serving the bench database (a local server)
        return cpu_seconds(lambda pgrp, cmd: cmd.startswith("postgres: ") and name in cmd)

    try:
        before = _stored(database_url)
        warm = load(2, CLIENTS, None)  # warm up: connections, imports, caches
        _check_stored(database_url, before, warm, f"{side} warm-up")
        print(f"   {side}: load average before the peak {_loadavg()}", flush=True)
        before = _stored(database_url)
        app_before, db_before, busy_before = app_cpu(), db_cpu(), _machine_busy_seconds()
        peak = wrk_peak(DURATION, CLIENTS, f"{side}{os.getpid()}") or load(DURATION, CLIENTS, None)
        accepted = peak["accepted"]
        machine_ms = (_machine_busy_seconds() - busy_before) / accepted * 1000
        app_ms = (app_cpu() - app_before) / accepted * 1000
        db_ms = (db_cpu() - db_before) / accepted * 1000
        print(
            f"   {side} peak: {peak['accepted_per_s']:.0f}/s accepted, p50 {peak['p50_ms']:.1f} ms,"
            f" p99 {peak['p99_ms']:.1f} ms, {peak['refused']:.0f} refused;"
            f" CPU per delivery: {machine_ms:.2f} ms in all, of which app {app_ms:.2f} ms,"
            f" PostgreSQL {db_ms:.2f} ms",
            flush=True,
        )
        _check_stored(database_url, before, peak, f"{side} peak")
        before = _stored(database_url)
        half = load(DURATION, CLIENTS, peak["accepted_per_s"] / 2)
        print(
            f"   {side} at half peak ({peak['accepted_per_s'] / 2:.0f}/s offered):"
            f" {half['accepted_per_s']:.0f}/s, p50 {half['p50_ms']:.1f} ms,"
            f" p99 {half['p99_ms']:.1f} ms",
            flush=True,
        )
        _check_stored(database_url, before, half, f"{side} half peak")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        _purge_queue()
    return {
        "rate": peak["accepted_per_s"],
        "peak_p50": peak["p50_ms"],
        "peak_p99": peak["p99_ms"],
        "half_p50": half["p50_ms"],
        "half_p99": half["p99_ms"],
        "machine_ms": machine_ms,
        "app_ms": app_ms,
        "db_ms": db_ms,
    }


def run() -> dict[str, object]:
    database_url, name, maintenance_url = database_urls("webhooks")
    _prepare_database(database_url, name, maintenance_url)
    load_before = _loadavg()
    print(f"   load average before the run: {load_before}", flush=True)
    ours = _side(database_url, name, "ours")
    peer = _side(database_url, name, "peer")
    tps, tps_ms = _pgbench(database_url, name, PGBENCH_COPIED)
    print(
        f"   pgbench single INSERT of the same row (body copied): {tps:.0f}/s,"
        f" CPU per transaction {tps_ms:.2f} ms in all",
        flush=True,
    )
    tps_text, tps_text_ms = _pgbench(database_url, name, _pgbench_sent())
    print(
        f"   pgbench single INSERT, body sent in the statement: {tps_text:.0f}/s,"
        f" CPU per transaction {tps_text_ms:.2f} ms in all",
        flush=True,
    )
    rate = ours["rate"]

    def latency(side: dict[str, float]) -> str:
        return (
            f"{side['peak_p50']:.1f} / {side['peak_p99']:.1f} (peak),"
            f" {side['half_p50']:.1f} / {side['half_p99']:.1f} (half peak)"
        )

    return {
        "ours accepted/s (peak)": f"{rate:.0f}",
        "peer accepted/s (peak)": f"{peer['rate']:.0f}",
        "ours p50 / p99 ms": latency(ours),
        "peer p50 / p99 ms": latency(peer),
        "ours CPU ms/delivery all / app / db": (
            f"{ours['machine_ms']:.2f} / {ours['app_ms']:.2f} / {ours['db_ms']:.2f}"
        ),
        "peer CPU ms/delivery all / app / db": (
            f"{peer['machine_ms']:.2f} / {peer['app_ms']:.2f} / {peer['db_ms']:.2f}"
        ),
        "pgbench CPU ms/INSERT (copied / sent)": f"{tps_ms:.2f} / {tps_text_ms:.2f}",
        "pgbench INSERT/s (body copied)": f"{tps:.0f}",
        "pgbench INSERT/s (body in statement)": f"{tps_text:.0f}",
        "ratio ours / peer": f"{rate / peer['rate']:.2f}",
        "ratio ours / pgbench": f"{rate / tps:.2f} (target >= 0.5)",
        "ratio ours / pgbench (in statement)": f"{rate / tps_text:.2f}",
        "rows stored": "= accepted in every phase (checked)",
        "load average before / after": f"{load_before} / {_loadavg()}",
        "setup": f"{CLIENTS} clients ({'wrk' if shutil.which('wrk') else 'Python'} at peak),"
        f" {SERVER} {WORKERS}x{THREADS} for both sides,"
        f" {DURATION:.0f} s, {os.cpu_count()} CPUs",
    }
