"""Shared by the benchmarks that load the app over real HTTP (``storefront_state``,
``referrals_claims``): the production server (Granian, as README "Deployment" runs it), a peak
run (``wrk`` when installed, else Python keep-alive clients), an open-loop run at a fixed rate,
and the CPU the server's processes and PostgreSQL spent, read from /proc.

A request is described by ``Send``: ``send(conn, client, n) -> status`` makes the ``n``-th
request of keep-alive client ``client`` on ``conn`` (so each can be distinct, e.g. a new email
per claim). For ``wrk`` the same is a Lua script (``wrk_script``), or a plain GET of a path.
"""

from __future__ import annotations

import glob
import hashlib
import hmac
import http.client
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

from bench._loyalty import ROOT, percentile

Send = Callable[[http.client.HTTPConnection, int, int], int]


def start_granian(
    *, env: dict[str, str], port: int, workers: int, threads: int
) -> subprocess.Popen:
    """Serve ``config.wsgi`` with ``env``; returns once ``/healthz`` answers (exits otherwise)."""
    server = subprocess.Popen(
        [sys.executable, "-m", "granian", "config.wsgi:application", "--interface", "wsgi",
         "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
         "--blocking-threads", str(threads), "--runtime-threads", "1",
         "--log-level", "warning", "--no-access-log"],
        cwd=ROOT, env=env, start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            status, _ = get(http.client.HTTPConnection("127.0.0.1", port, timeout=5), "/healthz")
            if status == 200:
                return server
        except OSError:
            pass
        time.sleep(0.2)
    server.kill()
    raise SystemExit("granian did not start")


def signed_proxy_path(path: str, *, shop: str, secret: str, customer_id: int | None) -> str:
    """``path`` with the query Shopify's app proxy adds, signed now (valid for 90 s); a guest
    has an empty ``logged_in_customer_id``, as Shopify sends it."""
    params = [
        ("shop", shop),
        ("logged_in_customer_id", "" if customer_id is None else str(customer_id)),
        ("path_prefix", "/apps/rewards"),
        ("timestamp", str(int(time.time()))),
    ]
    message = "".join(sorted(f"{k}={v}" for k, v in params))
    signature = hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()
    return f"{path}?{urlencode([*params, ('signature', signature)])}"


def get(conn: http.client.HTTPConnection, path: str) -> tuple[int, bytes]:
    conn.request("GET", path)
    response = conn.getresponse()
    return response.status, response.read()


def post_json(conn: http.client.HTTPConnection, path: str, body: bytes) -> tuple[int, bytes]:
    conn.request("POST", path, body=body, headers={"Content-Type": "application/json"})
    response = conn.getresponse()
    return response.status, response.read()


def wrk(
    *, port: int, path: str, clients: int, duration: float, script: str | None = None
) -> dict[str, float] | None:
    """A closed-loop peak run with ``wrk`` (None when it is not installed): requests/s,
    p50/p99 ms. ``script`` is a Lua script for requests other than a GET of ``path``."""
    binary = shutil.which("wrk")
    if binary is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        extra: list[str] = []
        if script is not None:
            lua = Path(tmp) / "request.lua"
            lua.write_text(script)
            extra = ["-s", str(lua)]
        out = subprocess.run(
            # A 10 s timeout, not wrk's 2 s: a slow request counts at its latency, not as lost.
            [binary, "-t", "2", "-c", str(clients), "-d", f"{int(duration)}s", "--latency",
             "--timeout", "10s", *extra, f"http://127.0.0.1:{port}{path}"],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
    total = int(re.search(r"(\d+) requests in", out).group(1))
    elapsed = float(re.search(r"requests in ([\d.]+)s", out).group(1))
    lost = re.search(r"Socket errors: .*timeout (\d+)", out)
    if lost and int(lost.group(1)):
        print(f"   wrk: {lost.group(1)} requests timed out (after 10 s)", flush=True)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if bad:
        raise SystemExit(f"{bad.group(1)} requests to {path.split('?')[0]} were refused")

    def pct(label: str) -> float:
        found = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)", out, re.M)
        value, unit = found.groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    return {"rps": total / elapsed, "p50": pct("50"), "p99": pct("99"), "requests": total}


def python_load(
    *, port: int, send: Send, clients: int, duration: float, rate: float | None, label: str
) -> dict[str, float]:
    """Keep-alive clients: closed loop when ``rate`` is None, else open loop at ``rate``/s in
    total (each thread one request per interval, from a staggered start)."""
    clients = clients if rate is None else max(1, min(clients, int(rate // 20) or 1))
    interval = None if rate is None else clients / rate
    deadline = time.monotonic() + duration
    latencies: list[float] = []
    refused = 0
    lock = threading.Lock()

    def loop(client: int) -> None:
        nonlocal refused
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        next_at = time.monotonic() + (interval * client / clients if interval else 0)
        mine: list[float] = []
        bad = 0
        while time.monotonic() < deadline:
            if interval is not None:
                pause = next_at - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
                next_at += interval
            started = time.perf_counter()
            try:
                status = send(conn, client, len(mine))
            except (OSError, http.client.HTTPException):
                # The server closed the keep-alive connection: a new one, as a client would.
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                status = send(conn, client, len(mine))
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
        raise SystemExit(f"{refused} requests of {label} were refused")
    return {
        "rps": len(latencies) / duration,
        "p50": percentile(latencies, 0.5),
        "p99": percentile(latencies, 0.99),
        "requests": len(latencies),
    }


def cpu_seconds(matches: Callable[[int, str], bool]) -> float:
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


def side(
    label: str,
    *,
    server: subprocess.Popen,
    db_name: str,
    peak: Callable[[], dict[str, float]],
    at_rate: Callable[[float], dict[str, float]],
) -> dict[str, float]:
    """Peak (with the CPU each request cost the server and PostgreSQL), then half peak. CPU
    per request moves less with the machine's load than the rates do."""

    def app_cpu() -> float:
        return cpu_seconds(lambda pgrp, cmd: pgrp == server.pid)

    def db_cpu() -> float:
        return cpu_seconds(lambda pgrp, cmd: cmd.startswith("postgres: ") and db_name in cmd)

    print(f"   {label}: load average {os.getloadavg()[0]:.2f}", flush=True)
    app_before, db_before = app_cpu(), db_cpu()
    top = peak()
    app_ms = (app_cpu() - app_before) * 1000 / top["requests"]
    db_ms = (db_cpu() - db_before) * 1000 / top["requests"]
    half = at_rate(top["rps"] / 2)
    print(
        f"   {label}: peak {top['rps']:.0f} req/s (p50 {top['p50']:.1f} ms, p99"
        f" {top['p99']:.1f} ms; CPU per request: app {app_ms:.2f} ms, PostgreSQL"
        f" {db_ms:.2f} ms); at {top['rps'] / 2:.0f} req/s p50 {half['p50']:.1f} ms,"
        f" p99 {half['p99']:.1f} ms",
        flush=True,
    )
    return {"peak": top["rps"], "peak_p99": top["p99"], "peak_p50": top["p50"],
            "half_p50": half["p50"], "half_p99": half["p99"], "app_ms": app_ms,
            "db_ms": db_ms, "requests": top["requests"] + half["requests"]}  # fmt: skip
