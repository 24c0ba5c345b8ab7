"""The intake benchmark's load: signed ``orders/paid`` deliveries, each with its own Webhook-Id,
from ``wrk`` (peak, closed loop) or from Python clients on raw keep-alive sockets (open loop at a
given rate, or closed loop when wrk is missing). ``webhook_intake`` and ``intake_causes`` use it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import tempfile
import threading
import time
import uuid
from multiprocessing import get_context
from pathlib import Path

from bench._loyalty import ROOT

EXAMPLE = ROOT / "devshop/data/webhook-schemas/2026-07/metadatas/orders/paid.json"
SECRET = "bench-secret"
SHOP = "bench-shop.myshopify.com"
PORT = int(os.environ.get("BENCH_PORT", "8765"))
CLIENT_PROCESSES = 2


def body() -> bytes:
    """Shopify's example ``orders/paid`` body (~11 kB), as every delivery of the run sends it."""
    return json.dumps(json.loads(EXAMPLE.read_text())["response"]).encode()


def _request_parts(body: bytes) -> tuple[bytes, bytes, bytes]:
    """The request as bytes around its two Webhook-Id slots: ``head + id + mid + id + tail``."""
    signature = base64.b64encode(hmac.new(SECRET.encode(), body, hashlib.sha256).digest())
    head = (
        f"POST /webhooks HTTP/1.1\r\nHost: 127.0.0.1:{PORT}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        f"X-Shopify-Topic: orders/paid\r\nX-Shopify-Hmac-Sha256: {signature.decode()}\r\n"
        f"X-Shopify-Shop-Domain: {SHOP}\r\nX-Shopify-API-Version: 2026-07\r\n"
        "X-Shopify-Triggered-At: 2026-07-01T12:00:00Z\r\nX-Shopify-Webhook-Id: "
    ).encode()
    return head, b"\r\nX-Shopify-Event-Id: ", b"\r\n\r\n" + body


class _Connection:
    """A keep-alive HTTP/1.1 connection that sends whole requests and reads the status."""

    def __init__(self) -> None:
        self.sock = socket.create_connection(("127.0.0.1", PORT), timeout=10)
        # One write per request, so Nagle never holds a request back.
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.reader = self.sock.makefile("rb")

    def exchange(self, request: bytes) -> int:
        self.sock.sendall(request)
        status_line = self.reader.readline()
        if not status_line:
            raise ConnectionError("server closed the connection")
        length, chunked = 0, False
        while (line := self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding":
                chunked = b"chunked" in value.lower()
        if chunked:
            while (size := int(self.reader.readline().split(b";")[0], 16)) > 0:
                self.reader.read(size + 2)  # the chunk and its CRLF
            self.reader.readline()  # the CRLF after the last chunk
        else:
            self.reader.read(length)
        return int(status_line.split()[1])

    def close(self) -> None:
        self.reader.close()
        self.sock.close()


def _client(args: tuple[float, int, float | None]) -> tuple[int, int, list[float]]:
    """One process of ``threads`` keep-alive clients until ``deadline``.

    Closed loop when ``interval`` is None (each thread sends as fast as answers come);
    otherwise open loop: each thread sends one request every ``interval`` seconds, from a
    random phase (threads starting in step would send in bursts of ``CLIENTS`` and measure
    their own queueing). Returns (accepted, refused, latencies in ms).
    """
    deadline, threads, interval = args
    head, mid, tail = _request_parts(body())
    accepted = refused = 0
    latencies: list[float] = []
    lock = threading.Lock()

    def loop() -> None:
        nonlocal accepted, refused
        conn = _Connection()
        next_at = time.monotonic() + (random.uniform(0, interval) if interval else 0)
        ok = bad = 0
        mine: list[float] = []
        while time.monotonic() < deadline:
            if interval is not None:
                pause = next_at - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
                next_at += interval
            webhook_id = uuid.uuid4().hex.encode()
            request = head + webhook_id + mid + webhook_id + tail
            started = time.perf_counter()
            try:
                status = conn.exchange(request)
            except ConnectionError:  # the server ended the keep-alive: reconnect, resend
                conn.close()
                conn = _Connection()
                status = conn.exchange(request)
            mine.append((time.perf_counter() - started) * 1000)
            if status == 200:
                ok += 1
            else:
                bad += 1
        conn.close()
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


def load(duration: float, clients: int, rate: float | None) -> dict[str, float]:
    per_process = max(1, clients // CLIENT_PROCESSES)
    interval = None if rate is None else (per_process * CLIENT_PROCESSES) / rate
    deadline = time.monotonic() + duration
    with get_context("fork").Pool(CLIENT_PROCESSES) as pool:
        parts = pool.map(_client, [(deadline, per_process, interval)] * CLIENT_PROCESSES)
    accepted = sum(p[0] for p in parts)
    refused = sum(p[1] for p in parts)
    latencies = sorted(x for p in parts for x in p[2])
    return {
        "accepted": accepted,
        "in_flight": 0,  # every client thread waits for its last answer
        "accepted_per_s": accepted / duration,
        "refused": refused,
        "p50_ms": statistics.quantiles(latencies, n=100)[49],
        "p99_ms": statistics.quantiles(latencies, n=100)[98],
    }


_WRK_SCRIPT = """
-- One signed orders/paid delivery per request, each with its own Webhook-Id and Event-Id:
-- <run label>-<wrk thread>-<request number in that thread>. Each wrk thread runs this script
-- in its own Lua state; setup() runs in the main one and hands each thread its number as the
-- global ``thread_number`` (a local of the same name here would shadow it, and every thread
-- would send the same ids).
local threads = {}
function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_number", #threads)
end
function init(args)
  sent = 0
  prefix = string.format("%s-%d-", args[4], thread_number)
  body = io.open(args[1], "rb"):read("*a")
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["X-Shopify-Topic"] = "orders/paid"
  wrk.headers["X-Shopify-Hmac-Sha256"] = args[2]
  wrk.headers["X-Shopify-Shop-Domain"] = args[3]
  wrk.headers["X-Shopify-API-Version"] = "2026-07"
  wrk.headers["X-Shopify-Triggered-At"] = "2026-07-01T12:00:00Z"
end
function request()
  sent = sent + 1
  local id = prefix .. sent
  wrk.headers["X-Shopify-Webhook-Id"] = id
  wrk.headers["X-Shopify-Event-Id"] = id
  return wrk.format(nil, "/webhooks", nil, body)
end
function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do
    total = total + thread:get("sent")
  end
  io.write(string.format("sent %d\\n", total))
end
"""


def wrk_command(
    wrk: str, tmp: Path, *, duration: float, clients: int, url: str, label: str
) -> list[str]:
    """The wrk command line of a signed-delivery run (body and script written into ``tmp``)."""
    payload = body()
    signature = base64.b64encode(hmac.new(SECRET.encode(), payload, hashlib.sha256).digest())
    script, body_file = tmp / "intake.lua", tmp / "body.json"
    script.write_text(_WRK_SCRIPT)
    body_file.write_bytes(payload)
    return [
        wrk, "-t", "2", "-c", str(clients), "-d", f"{int(duration)}s", "--latency",
        "-s", str(script), url, "--", str(body_file), signature.decode(), SHOP, label,
    ]  # fmt: skip


def wrk_peak(duration: float, clients: int, label: str) -> dict[str, float] | None:
    """Peak load from ``wrk`` (C, like pgbench's client), or None when it isn't installed.

    The Python clients cost the shared CPUs about as much per request as the app's own HTTP
    handling; wrk's cost is a small fraction of that, so its peak is the fairer one beside
    pgbench. (Debian: ``apt-get install wrk``.) ``in_flight``: requests wrk sent but had no
    answer to when it stopped; the server may or may not have stored them.
    """
    wrk = shutil.which("wrk")
    if wrk is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        command = wrk_command(
            wrk, Path(tmp), duration=duration, clients=clients,
            url=f"http://127.0.0.1:{PORT}/webhooks", label=label,
        )  # fmt: skip
        result = subprocess.run(command, capture_output=True, text=True, check=True)
    out = result.stdout
    total = int(re.search(r"(\d+) requests in", out).group(1))
    sent = int(re.search(r"^sent (\d+)", out, re.M).group(1))
    refused = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    refused_count = int(refused.group(1)) if refused else 0
    elapsed = float(re.search(r"requests in ([\d.]+)s", out).group(1))

    def percentile(label: str) -> float:
        value, unit = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)", out, re.M).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    return {
        "accepted": total - refused_count,
        "in_flight": sent - total,
        "accepted_per_s": (total - refused_count) / elapsed,
        "refused": refused_count,
        "p50_ms": percentile("50"),
        "p99_ms": percentile("99"),
    }
