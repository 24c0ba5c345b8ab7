"""Initial sync: importing devshop's bulk JSONL into the mirrors, beside PostgreSQL COPY.

1. A fresh database ``<DATABASE_URL name>_bench_sync`` (app and devshop tables) is seeded by
   ``devshop_seed`` with ``BENCH_SYNC_CUSTOMERS`` customers and ``BENCH_SYNC_ORDERS`` orders
   (within the 60 days the Admin API shows), and devshop runs the app's two bulk queries to
   JSONL files exactly as the sync asks for them (not timed: devshop's GraphQL executor is far
   slower than Shopify's bulk export). This happens in a process of its own.
2. Import, timed, in a second process: each file is streamed in 1 MiB chunks through the app's
   importer as ``sync_run_import`` does after the download (a reader thread parses, maps and
   formats the next batch while the importer COPYs the current one into staging, upserts it
   into the mirrors and commits its progress). Customers/s and orders/s, and per record: wall
   time, this process's CPU (both threads) and, when PostgreSQL runs on this machine, its
   backend's CPU (from /proc), which show which side limits the rate.
3. COPY, timed: the very rows the import produced, copied with ``COPY … FROM STDIN`` into
   ``LIKE … INCLUDING ALL`` copies of the mirror tables (same columns, CHECK and NOT NULL
   constraints and indexes; LIKE copies no foreign keys, so COPY skips the checks the import's
   rows get at commit). Ratio = import rate / COPY rate (target ≥ 0.5). For comparison only,
   the same COPY again into a copy that also has the mirror's foreign keys.
4. Memory: the importing process's peak RSS before the imports and after each import
   (``resource.getrusage``, read before the COPY baseline, which spools through a temp file).
   Streaming keeps it flat: the orders file is many times larger than the growth.

Environment: BENCH_SYNC_CUSTOMERS (100000), BENCH_SYNC_ORDERS (1000000). At 1M orders devshop
needs a long time to write the JSONL; the files are kept in ``BENCH_SYNC_DIR`` (default: the
temp dir) per size and seed, so a rerun only imports.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench._loyalty import ROOT, database_urls, env, fresh_database

CUSTOMERS = int(os.environ.get("BENCH_SYNC_CUSTOMERS", "100000"))
ORDERS = int(os.environ.get("BENCH_SYNC_ORDERS", "1000000"))
SHOP = "bench-sync.myshopify.com"
CHUNK = 1 << 20


def _files_dir() -> Path:
    base = Path(os.environ.get("BENCH_SYNC_DIR", tempfile.gettempdir()))
    path = base / f"loyalty-bench-sync-{CUSTOMERS}-{ORDERS}"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _env(database_url: str) -> dict[str, str]:
    # The test settings: devshop installed beside the app (its tables, its seed command).
    return {**env(database_url), "DJANGO_SETTINGS_MODULE": "config.settings.test"}


def run() -> dict[str, object]:
    database_url, name, maintenance_url = database_urls("sync")
    fresh_database(database_url, name, maintenance_url, environ=_env(database_url))
    # Writing the files (devshop) and importing them run in separate processes, so the peak RSS
    # measured is the importer's alone.
    subprocess.run(
        [sys.executable, "-m", "bench.initial_sync", "files", str(_files_dir())],
        cwd=ROOT, env=_env(database_url), check=True,
    )  # fmt: skip
    result = subprocess.run(
        [sys.executable, "-m", "bench.initial_sync", "child", str(_files_dir())],
        cwd=ROOT, env=_env(database_url), stdout=subprocess.PIPE, text=True, check=True,
    )  # fmt: skip
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    for line in lines[:-1]:
        print(line, flush=True)
    return json.loads(lines[-1])


# --- the child: Django set up on the bench database ----------------------------------------


def _max_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _write_results(files: Path) -> dict[str, Path]:
    """Seed devshop and run the sync's bulk queries there; the JSONL file per resource."""
    from django.core.management import call_command

    from devshop.models import DevShop
    from devshop.services import bulk
    from shopify_app.sync.services import BULK_QUERIES

    targets = {resource: files / f"{resource}.jsonl" for resource in BULK_QUERIES}
    if all(path.exists() for path in targets.values()):
        print(f"   reusing {files}", flush=True)
        return targets
    started = time.monotonic()
    call_command(
        "devshop_seed", shop=SHOP, customers=CUSTOMERS, orders=ORDERS, days=50, install=True
    )
    print(f"   seeded in {time.monotonic() - started:.0f} s", flush=True)
    shop = DevShop.objects.get(domain=SHOP)
    for resource, query in BULK_QUERIES.items():
        started = time.monotonic()
        operation, errors = bulk.bulk_operation_create(shop=shop, query=query, group_objects=False)
        assert operation is not None, errors
        operation = bulk.bulk_operation_run(operation=operation)
        assert operation.status == "COMPLETED", operation.error_code
        source = Path(os.environ["DEVSHOP_BULK_DIR"]) / operation.file_name
        source.replace(targets[resource])
        print(
            f"   devshop wrote {resource}: {operation.object_count} lines in "
            f"{time.monotonic() - started:.0f} s",
            flush=True,
        )
    return targets


def _backend_cpu() -> float | None:
    """CPU seconds used so far by this connection's PostgreSQL backend (None unless the
    server runs on this machine and /proc shows it)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _import(shop, resource: str, path: Path) -> tuple[float, int]:
    from shopify_app.models import SyncRun
    from shopify_app.sync.importer import import_records

    run = SyncRun.objects.create(
        shop=shop, kind="initial", resource=resource, status="importing", attempts=1
    )
    run = SyncRun.objects.select_related("shop").get(pk=run.pk)

    def chunks():
        with path.open("rb") as f:
            while chunk := f.read(CHUNK):
                yield chunk

    backend_started, cpu_started = _backend_cpu(), time.process_time()
    started = time.perf_counter()
    import_records(run=run, chunks=chunks(), lease_attempt=1)
    elapsed = time.perf_counter() - started
    cpu, backend = time.process_time() - cpu_started, _backend_cpu()
    run.refresh_from_db()
    records = run.records_processed
    # Where the time goes: per record, wall time and CPU of this process (both threads) and of
    # PostgreSQL's backend, which run on different cores at the same time.
    split = f"   {resource} per record: {elapsed / records * 1e6:.1f} µs wall, Python CPU "
    split += f"{cpu / records * 1e6:.1f} µs"
    if backend is not None and backend_started is not None:
        split += f", PostgreSQL CPU {(backend - backend_started) / records * 1e6:.1f} µs"
    print(split, flush=True)
    return elapsed, records


def _copy_baseline(table: str, shop_id: int) -> tuple[float, float, int]:
    """COPY the shop's rows of ``table`` into an identical table: seconds without and with the
    mirror's foreign keys, and rows.

    ``LIKE … INCLUDING ALL`` copies no foreign keys, so the first COPY (the target's baseline)
    skips the checks every imported row gets at commit; the second adds the mirror's foreign
    keys to the copy, to show what they cost. The rows are spooled to a temporary file first
    (not memory: this process's peak RSS is the importer's figure), then sent from it in
    ``CHUNK``s, timed (in autocommit, so the deferred checks run within the COPY).
    """
    from django.db import connection

    copy_table = f"bench_copy_{table}"
    seconds = []
    with connection.cursor() as cursor, tempfile.TemporaryFile() as spool:
        with cursor.cursor.copy(
            f"COPY (SELECT * FROM {table} WHERE shop_id = {int(shop_id)}) TO STDOUT"
        ) as copy:
            for data in copy:
                spool.write(data)
        cursor.execute(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conrelid = %s::regclass AND contype = 'f'",
            [table],
        )
        foreign_keys = [definition for (definition,) in cursor.fetchall()]
        for constraints in ([], foreign_keys):
            cursor.execute(f"DROP TABLE IF EXISTS {copy_table}")
            cursor.execute(f"CREATE TABLE {copy_table} (LIKE {table} INCLUDING ALL)")
            for definition in constraints:
                cursor.execute(f"ALTER TABLE {copy_table} ADD {definition}")
            spool.seek(0)
            started = time.perf_counter()
            with cursor.cursor.copy(f"COPY {copy_table} FROM STDIN") as copy:
                while data := spool.read(CHUNK):
                    copy.write(data)
            seconds.append(time.perf_counter() - started)
            cursor.execute(f"SELECT count(*) FROM {copy_table}")
            rows = cursor.fetchone()[0]
            cursor.execute(f"DROP TABLE {copy_table}")
    return seconds[0], seconds[1], rows


def _setup(files_dir: str) -> None:
    import django

    os.environ.setdefault("DEVSHOP_BULK_DIR", files_dir)
    django.setup()
    from django.conf import settings

    settings.DEVSHOP_BULK_DIR = files_dir


def write_files(files_dir: str) -> None:
    _setup(files_dir)
    _write_results(Path(files_dir))


def child(files_dir: str) -> dict[str, object]:
    _setup(files_dir)
    from shopify_app.models import Customer, Order
    from tests.factories import ShopFactory

    paths = _write_results(Path(files_dir))  # written by the "files" process: only found here
    shop = ShopFactory(domain=SHOP)
    figures: dict[str, object] = {}
    rss_start = _max_rss_mb()
    for resource, model in (("customers", Customer), ("orders", Order)):
        elapsed, records = _import(shop, resource, paths[resource])
        rss_import = _max_rss_mb()
        copy_elapsed, fk_elapsed, copied = _copy_baseline(model._meta.db_table, shop.pk)
        assert copied == records, (copied, records)
        rate, copy_rate, fk_rate = records / elapsed, copied / copy_elapsed, copied / fk_elapsed
        size_mb = paths[resource].stat().st_size / 2**20
        print(
            f"   {resource}: {records} in {elapsed:.1f} s = {rate:,.0f}/s ({size_mb:,.0f} MiB "
            f"JSONL); COPY {copy_rate:,.0f}/s; ratio {rate / copy_rate:.2f}; "
            f"peak RSS {rss_import:.0f} MiB; COPY with foreign keys {fk_rate:,.0f}/s "
            f"(ratio {rate / fk_rate:.2f})",
            flush=True,
        )
        figures[f"{resource}/s (import)"] = round(rate)
        figures[f"{resource}/s (COPY)"] = round(copy_rate)
        figures[f"{resource} ratio (target >= 0.5)"] = round(rate / copy_rate, 2)
        figures[f"{resource}/s (COPY + foreign keys)"] = round(fk_rate)
        figures[f"{resource} JSONL MiB"] = round(size_mb)
    figures["peak RSS MiB before imports"] = round(rss_start)
    figures["peak RSS MiB after imports"] = round(_max_rss_mb())
    return figures


if __name__ == "__main__" and sys.argv[1:2] == ["files"]:
    write_files(sys.argv[2])
if __name__ == "__main__" and sys.argv[1:2] == ["child"]:
    print(json.dumps(child(sys.argv[2])))
