"""devshop on SQLite (``make dev``'s default) never answers ``database is locked``.

Several writers at once used to get it at once: a transaction that read first and then wrote
could not take the write lock another held, and SQLite fails that case without waiting. devshop's
SQLite connections begin their transactions IMMEDIATE (the write lock first, waiting up to the
busy timeout for it) and use WAL, so readers never wait for the writer. In a subprocess: the
test process is bound to PostgreSQL.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from pathlib import Path

from tests.devshop.sqlite_writers import ROUNDS, THREADS

ROOT = Path(__file__).resolve().parents[2]


def test_concurrent_writers_on_sqlite_all_succeed(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "devshop.settings",
        "DEVSHOP_DATABASE_URL": f"sqlite:///{tmp_path / 'devshop.sqlite3'}",
    }
    result = subprocess.run(
        [sys.executable, "-W", "ignore", "-m", "tests.devshop.sqlite_writers"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    outcome = json.loads(result.stdout.strip().splitlines()[-1])

    assert outcome["errors"] == []
    firsts = sorted(outcome["firsts"])
    assert len(firsts) == THREADS * ROUNDS
    # Every allocation got its own range of three ids: none overlapped, none was lost.
    assert all(b - a == 3 for a, b in itertools.pairwise(firsts))
    assert outcome["journal_mode"] == "wal"
