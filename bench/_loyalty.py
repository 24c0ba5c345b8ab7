"""Shared set-up for the loyalty benchmarks: a fresh database, Django in a child process.

Each benchmark's measuring half runs in a child interpreter (``python -m bench.<name> child``)
with ``DATABASE_URL`` pointing at its own fresh database, so Django's settings of one benchmark
never leak into another run by ``python -m bench`` in the same process.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlparse

import psycopg

ROOT = Path(__file__).resolve().parent.parent


def database_urls(suffix: str) -> tuple[str, str, str]:
    """(bench database URL, its name, the maintenance URL) from DATABASE_URL."""
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/loyalty")
    parsed = urlparse(base)
    if parsed.scheme not in ("postgres", "postgresql"):
        raise SystemExit("the benchmarks need DATABASE_URL on PostgreSQL")
    name = f"{parsed.path.lstrip('/') or 'loyalty'}_bench_{suffix}"
    return (
        parsed._replace(path=f"/{name}").geturl(),
        name,
        parsed._replace(path="/postgres").geturl(),
    )


def env(database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DATABASE_URL": database_url,
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        "DEBUG": "0",
        "LOG_LEVEL": "WARNING",
    }


def fresh_database(
    database_url: str, name: str, maintenance_url: str, *, environ: dict[str, str] | None = None
) -> None:
    """Drop and recreate ``name``, then migrate it (with ``environ``, default ``env()``)."""
    with psycopg.connect(maintenance_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v", "0"],
        cwd=ROOT,
        env=env(database_url) if environ is None else environ,
        check=True,
    )


def run_child(module: str, database_url: str, *args: str) -> dict:
    """Run ``python -m bench.<module> child …``; its last stdout line is a JSON dict."""
    result = subprocess.run(
        [sys.executable, "-m", f"bench.{module}", "child", *args],
        cwd=ROOT,
        env=env(database_url),
        stdout=subprocess.PIPE,
        text=True,
        check=True,
    )
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    for line in lines[:-1]:
        print(line, flush=True)
    return json.loads(lines[-1])


def pgbench(
    database_url: str, name: str, script: str, *, clients: int, jobs: int, seconds: int
) -> tuple[float, int]:
    """Run pgbench's custom ``script`` on database ``name``: (tps, transactions processed)."""
    parsed = urlparse(database_url)
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as f:
        f.write(script)
    try:
        result = subprocess.run(
            ["pgbench", "-n", "-c", str(clients), "-j", str(jobs), "-T", str(seconds),
             "-f", f.name, "-h", parsed.hostname or "127.0.0.1", "-p", str(parsed.port or 5432),
             "-U", parsed.username or "postgres", name],
            capture_output=True,
            text=True,
            check=True,
        )  # fmt: skip
    finally:
        os.unlink(f.name)
    tps = re.search(r"tps = ([\d.]+)", result.stdout)
    done = re.search(r"number of transactions actually processed: (\d+)", result.stdout)
    if not tps or not done:
        raise SystemExit(f"pgbench printed no tps:\n{result.stdout}\n{result.stderr}")
    return float(tps.group(1)), int(done.group(1))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]
