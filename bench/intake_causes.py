"""Why the webhook intake's p99 rises at peak: the candidates measured, one variable at a time.

``webhook_intake`` prints the figures; this bench tests the explanations the issue names, on
our side only, against the same server, body and database:

- **commit flushes** (group commit under contention): the same peak with
  ``synchronous_commit = off`` on the bench database. If waiting for WAL flushes made the tail,
  the p99 falls with it; WAL syncs per delivery (``pg_stat_wal``) show how many commits shared
  one flush in the normal run.
- **index page splits** on the unique key: pages each index of the inbox grew per 1,000
  deliveries (a split adds a page), beside the wait events seen while they happened
  (``LWLock:BufferContent`` / ``LWLock:BufferMapping`` would be the split's locks).
- **queueing for the CPUs**: the same peak with a quarter of the clients. wrk is a closed loop
  (each connection waits for its answer), so when the machine is saturated a request's latency
  is mostly its wait behind the others (Little's law: latency ≈ connections ÷ rate); with the
  CPUs full at both client counts, p99 then scales with the clients at about the same rate.

During every peak a sampler reads ``pg_stat_activity`` every 10 ms and counts what each
active backend of the bench database was doing (``CPU`` when it waits on nothing), and the
machine's CPU use is read from /proc/stat. The load average before each variant is printed:
other work on the machine shifts every figure.
"""

from __future__ import annotations

import collections
import os
import signal
import threading
import time

import psycopg

from bench._intake_load import load, wrk_peak
from bench._loyalty import database_urls
from bench.webhook_intake import (
    CLIENTS,
    DURATION,
    _check_stored,
    _loadavg,
    _machine_busy_seconds,
    _prepare_database,
    _purge_queue,
    _start_server,
    _stored,
)

_WAITS = (
    "SELECT coalesce(wait_event_type || ':' || wait_event, 'CPU') FROM pg_stat_activity"
    " WHERE datname = %s AND state = 'active' AND pid <> pg_backend_pid()"
)
_INDEX_PAGES = (
    "SELECT indexrelid::regclass::text, pg_relation_size(indexrelid) / 8192 FROM pg_index"
    " WHERE indrelid = 'shopify_app_webhookdelivery'::regclass"
)


class _Sampler(threading.Thread):
    """Counts the wait events of the bench database's active backends until stopped."""

    def __init__(self, database_url: str, name: str) -> None:
        super().__init__(daemon=True)
        self.url, self.name = database_url, name
        self.counts: collections.Counter[str] = collections.Counter()
        self.stopped = threading.Event()

    def run(self) -> None:
        with psycopg.connect(self.url, autocommit=True) as conn:
            while not self.stopped.is_set():
                for (event,) in conn.execute(_WAITS, [self.name]).fetchall():
                    self.counts[event] += 1
                time.sleep(0.01)

    def shares(self, top: int = 4) -> str:
        total = sum(self.counts.values()) or 1
        return ", ".join(f"{e} {n / total:.0%}" for e, n in self.counts.most_common(top))


def _wal_and_pages(database_url: str) -> tuple[int, int, dict[str, int]]:
    with psycopg.connect(database_url) as conn:
        row = conn.execute("SELECT wal_sync, wal_records FROM pg_stat_wal").fetchone()
        pages: dict[str, int] = dict(conn.execute(_INDEX_PAGES).fetchall())
    assert row is not None
    return row[0], row[1], pages


def _variant(database_url: str, name: str, label: str, clients: int, half: bool) -> dict:
    print(f"   {label}: load average before {_loadavg()}", flush=True)
    server = _start_server(database_url, "ours")
    try:
        _check_stored(database_url, _stored(database_url), load(2, CLIENTS, None), "warm-up")
        before = _stored(database_url)
        syncs0, records0, pages0 = _wal_and_pages(database_url)
        sampler = _Sampler(database_url, name)
        busy0, started = _machine_busy_seconds(), time.monotonic()
        sampler.start()
        peak = wrk_peak(DURATION, clients, f"{label.replace(' ', '')}{os.getpid()}")
        sampler.stopped.set()
        sampler.join()
        if peak is None:
            raise SystemExit("intake_causes needs wrk (apt-get install wrk)")
        cpu_share = (_machine_busy_seconds() - busy0) / (
            (time.monotonic() - started) * (os.cpu_count() or 1)
        )
        _check_stored(database_url, before, peak, f"{label} peak")
        syncs1, records1, pages1 = _wal_and_pages(database_url)
        accepted = peak["accepted"]
        grown = sum(pages1[i] - pages0.get(i, 0) for i in pages1)
        result = {
            "rate": peak["accepted_per_s"],
            "p50": peak["p50_ms"],
            "p99": peak["p99_ms"],
            "cpu": cpu_share,
            "syncs": (syncs1 - syncs0) / accepted,
            "wal_records": (records1 - records0) / accepted,
            "pages": grown / accepted * 1000,
            "waits": sampler.shares(),
        }
        if half:
            before = _stored(database_url)
            slow = load(DURATION, CLIENTS, peak["accepted_per_s"] / 2)
            _check_stored(database_url, before, slow, f"{label} half peak")
            result["half_p99"] = slow["p99_ms"]
        print(
            f"   {label}: {result['rate']:.0f}/s, p50 {result['p50']:.1f} ms,"
            f" p99 {result['p99']:.1f} ms, CPUs {result['cpu']:.0%} busy,"
            f" WAL syncs/delivery {result['syncs']:.2f}, index pages/1k {result['pages']:.1f};"
            f" backends: {result['waits']}",
            flush=True,
        )
        return result
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        _purge_queue()


def _set_synchronous_commit(maintenance_url: str, name: str, value: str) -> None:
    with psycopg.connect(maintenance_url, autocommit=True) as conn:
        conn.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = {value}')


def run() -> dict[str, object]:
    database_url, name, maintenance_url = database_urls("intake_causes")
    _prepare_database(database_url, name, maintenance_url)
    few = max(1, CLIENTS // 4)
    normal = _variant(database_url, name, "as deployed", CLIENTS, half=True)
    _set_synchronous_commit(maintenance_url, name, "off")
    try:
        no_flush = _variant(database_url, name, "synchronous_commit off", CLIENTS, half=True)
    finally:
        _set_synchronous_commit(maintenance_url, name, "on")
    fewer = _variant(database_url, name, f"{few} clients", few, half=False)

    def line(r: dict) -> str:
        half = f", half-peak p99 {r['half_p99']:.1f}" if "half_p99" in r else ""
        return (
            f"{r['rate']:.0f}/s, p50 {r['p50']:.1f} / p99 {r['p99']:.1f} ms{half},"
            f" CPUs {r['cpu']:.0%}; {r['waits']}"
        )

    return {
        f"{CLIENTS} clients, as deployed": line(normal),
        f"{CLIENTS} clients, synchronous_commit off": line(no_flush),
        f"{few} clients, as deployed": line(fewer),
        "WAL syncs per delivery (as deployed)": f"{normal['syncs']:.2f}",
        "WAL records per delivery": f"{normal['wal_records']:.1f}",
        "index pages grown per 1k deliveries": f"{normal['pages']:.1f}",
        "Little's law check (clients / rate)": (
            f"{CLIENTS / normal['rate'] * 1000:.1f} ms vs p50 {normal['p50']:.1f};"
            f" {few / fewer['rate'] * 1000:.1f} ms vs p50 {fewer['p50']:.1f}"
        ),
    }
