"""Webhook intake under load, beside pgbench inserting the same row on the same database.

1. A fresh database ``<DATABASE_URL name>_bench_webhooks`` is migrated and given one shop.
2. The app runs under gunicorn on a loopback port (production-like: DEBUG off, the real
   Redis broker, so each delivery is also enqueued).
3. Peak: ``CLIENTS`` keep-alive clients fire signed ``orders/paid`` deliveries with Shopify's
   example body (a fresh Webhook-Id each) for ``DURATION`` seconds; accepted/s and p50/p99.
4. Half peak: an open-loop run at half the peak rate; p50/p99 (target p99 < 20 ms).
5. pgbench on the same database, same client count and duration, with a custom script: one
   INSERT of an identical row (the same JSON payload) into a copy of the inbox table.

Printed: both rates and their ratio (target ≥ 0.5). Environment: BENCH_DURATION (s),
BENCH_CLIENTS, BENCH_WORKERS (gunicorn processes), BENCH_THREADS (threads per process).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from multiprocessing import get_context
from pathlib import Path
from urllib.parse import urlparse

import psycopg

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "devshop/data/webhook-schemas/2026-07/metadatas/orders/paid.json"
SECRET = "bench-secret"
SHOP = "bench-shop.myshopify.com"
PORT = int(os.environ.get("BENCH_PORT", "8765"))
DURATION = float(os.environ.get("BENCH_DURATION", "10"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "16"))
WORKERS = int(os.environ.get("BENCH_WORKERS", str(max(2, (os.cpu_count() or 2)))))
THREADS = int(os.environ.get("BENCH_THREADS", "4"))
CLIENT_PROCESSES = 2


def _database_urls() -> tuple[str, str, str]:
    """(bench database URL, its name, the maintenance URL) from DATABASE_URL."""
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/loyalty")
    parsed = urlparse(base)
    if parsed.scheme not in ("postgres", "postgresql"):
        raise SystemExit("the webhook benchmark needs DATABASE_URL on PostgreSQL")
    name = f"{parsed.path.lstrip('/') or 'loyalty'}_bench_webhooks"
    return (
        parsed._replace(path=f"/{name}").geturl(),
        name,
        parsed._replace(path="/postgres").geturl(),
    )


def _env(database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DATABASE_URL": database_url,
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        "DEBUG": "0",
        "SHOPIFY_API_SECRET": SECRET,
        "LOG_LEVEL": "WARNING",
    }


def _prepare_database(database_url: str, name: str, maintenance_url: str) -> None:
    with psycopg.connect(maintenance_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v", "0"],
        cwd=ROOT,
        env=_env(database_url),
        check=True,
    )
    body = EXAMPLE.read_text()
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
        conn.execute("CREATE TABLE bench_payload (body jsonb)")
        conn.execute("INSERT INTO bench_payload VALUES (%s::jsonb)", [json.dumps(json.loads(body))])


def _start_server(database_url: str) -> subprocess.Popen:
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi:application",
         "--bind", f"127.0.0.1:{PORT}", "--workers", str(WORKERS),
         "--worker-class", "gthread", "--threads", str(THREADS),
         "--keep-alive", "30", "--log-level", "warning"],
        cwd=ROOT,
        env=_env(database_url),
        start_new_session=True,
    )  # fmt: skip
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
    raise SystemExit("gunicorn did not start")


def _headers(body: bytes) -> dict[str, str]:
    signature = base64.b64encode(hmac.new(SECRET.encode(), body, hashlib.sha256).digest())
    return {
        "Content-Type": "application/json",
        "X-Shopify-Topic": "orders/paid",
        "X-Shopify-Hmac-Sha256": signature.decode(),
        "X-Shopify-Shop-Domain": SHOP,
        "X-Shopify-API-Version": "2026-07",
        "X-Shopify-Triggered-At": "2026-07-01T12:00:00Z",
    }


def _client(args: tuple[float, int, float | None]) -> tuple[int, int, list[float]]:
    """One process of ``threads`` keep-alive clients until ``deadline``.

    Closed loop when ``interval`` is None (each thread sends as fast as answers come);
    otherwise open loop: each thread sends one request every ``interval`` seconds.
    Returns (accepted, refused, latencies in ms).
    """
    deadline, threads, interval = args
    body = json.dumps(json.loads(EXAMPLE.read_text())["response"]).encode()
    headers = _headers(body)
    accepted = refused = 0
    latencies: list[float] = []
    lock = threading.Lock()

    def loop() -> None:
        nonlocal accepted, refused
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
        next_at = time.monotonic()
        ok = bad = 0
        mine: list[float] = []
        while time.monotonic() < deadline:
            if interval is not None:
                next_at += interval
                pause = next_at - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
            webhook_id = str(uuid.uuid4())
            started = time.perf_counter()
            conn.request(
                "POST",
                "/webhooks",
                body=body,
                headers={**headers, "X-Shopify-Webhook-Id": webhook_id,
                         "X-Shopify-Event-Id": webhook_id},
            )  # fmt: skip
            response = conn.getresponse()
            response.read()
            mine.append((time.perf_counter() - started) * 1000)
            if response.status == 200:
                ok += 1
            else:
                bad += 1
        with lock:
            accepted += ok
            refused += bad
            latencies.extend(mine)

    workers = [threading.Thread(target=loop) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return accepted, refused, latencies


def _load(duration: float, clients: int, rate: float | None) -> dict[str, float]:
    per_process = max(1, clients // CLIENT_PROCESSES)
    interval = None if rate is None else (per_process * CLIENT_PROCESSES) / rate
    deadline = time.monotonic() + duration
    with get_context("fork").Pool(CLIENT_PROCESSES) as pool:
        parts = pool.map(_client, [(deadline, per_process, interval)] * CLIENT_PROCESSES)
    accepted = sum(p[0] for p in parts)
    refused = sum(p[1] for p in parts)
    latencies = sorted(x for p in parts for x in p[2])
    return {
        "accepted_per_s": accepted / duration,
        "refused": refused,
        "p50_ms": statistics.quantiles(latencies, n=100)[49],
        "p99_ms": statistics.quantiles(latencies, n=100)[98],
    }


def _pgbench(database_url: str, name: str) -> float:
    parsed = urlparse(database_url)
    script = (
        "INSERT INTO bench_inbox (shop_id, webhook_id, topic, api_version, event_id,"
        " triggered_at, payload, status, attempts, last_error, received_at)"
        " SELECT 1, gen_random_uuid()::text, 'orders/paid', '2026-07', gen_random_uuid()::text,"
        " now(), body, 'pending', 0, '', now() FROM bench_payload;\n"
    )
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as f:
        f.write(script)
    try:
        result = subprocess.run(
            ["pgbench", "-n", "-c", str(CLIENTS), "-j", "2", "-T", str(int(DURATION)),
             "-f", f.name, "-h", parsed.hostname or "127.0.0.1", "-p", str(parsed.port or 5432),
             "-U", parsed.username or "postgres", name],
            capture_output=True,
            text=True,
            check=True,
        )  # fmt: skip
    finally:
        os.unlink(f.name)
    match = re.search(r"tps = ([\d.]+)", result.stdout)
    if not match:
        raise SystemExit(f"pgbench printed no tps:\n{result.stdout}\n{result.stderr}")
    return float(match.group(1))


def _purge_queue() -> None:
    """Drop the messages the run enqueued (no worker consumes them here)."""
    import redis

    client = redis.Redis.from_url(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    client.delete("webhooks")


def run() -> dict[str, object]:
    database_url, name, maintenance_url = _database_urls()
    _prepare_database(database_url, name, maintenance_url)
    server = _start_server(database_url)
    try:
        _load(2, CLIENTS, None)  # warm up: connections, imports, caches
        peak = _load(DURATION, CLIENTS, None)
        print(
            f"   intake peak: {peak['accepted_per_s']:.0f}/s accepted, p50 {peak['p50_ms']:.1f} ms,"
            f" p99 {peak['p99_ms']:.1f} ms, {peak['refused']:.0f} refused",
            flush=True,
        )
        half = _load(DURATION, CLIENTS, peak["accepted_per_s"] / 2)
        print(
            f"   intake at half peak ({peak['accepted_per_s'] / 2:.0f}/s offered):"
            f" {half['accepted_per_s']:.0f}/s, p50 {half['p50_ms']:.1f} ms,"
            f" p99 {half['p99_ms']:.1f} ms",
            flush=True,
        )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        _purge_queue()
    tps = _pgbench(database_url, name)
    print(f"   pgbench single INSERT of the same row: {tps:.0f}/s", flush=True)
    with psycopg.connect(database_url) as conn:
        stored = conn.execute("SELECT count(*) FROM shopify_app_webhookdelivery").fetchone()[0]
    return {
        "intake accepted/s (peak)": f"{peak['accepted_per_s']:.0f}",
        "intake p50 / p99 ms (peak)": f"{peak['p50_ms']:.1f} / {peak['p99_ms']:.1f}",
        "intake p50 / p99 ms (half peak)": f"{half['p50_ms']:.1f} / {half['p99_ms']:.1f}",
        "pgbench INSERT/s": f"{tps:.0f}",
        "ratio intake / pgbench": f"{peak['accepted_per_s'] / tps:.2f} (target >= 0.5)",
        "rows stored in the inbox": stored,
        "setup": f"{CLIENTS} clients, gunicorn {WORKERS}x{THREADS} gthread, {DURATION:.0f} s, "
        f"{os.cpu_count()} CPUs",
    }
