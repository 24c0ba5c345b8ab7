"""`make dev` without configuration (SQLite, tasks in-process): install → initial sync → webhook.

The importer loads through ``COPY`` on PostgreSQL; on SQLite it must take the mirror's portable
upserts. The flow runs in a subprocess (``sqlite_dev_flow.py``) because the test process is
bound to PostgreSQL.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_install_on_sqlite_syncs_the_shop_into_the_mirrors(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'dev.sqlite3'}",
        "REDIS_URL": "",
    }
    result = subprocess.run(
        [sys.executable, "-W", "ignore", "-m", "tests.shopify_app.sync.sqlite_dev_flow"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    outcome = json.loads(result.stdout.strip().splitlines()[-1])

    assert outcome["vendor"] == "sqlite"
    assert outcome["status"] == 200
    assert outcome["runs_after_open"] == [["customers", "running"], ["orders", "running"]]
    assert outcome["runs"] == [["customers", "completed", ""], ["orders", "completed", ""]]
    assert outcome["customers"] == 6
    assert outcome["orders"] == 12 + 1  # the seeded history, then the webhook's order
    assert outcome["orders_without_customer"] == 0
    assert outcome["line_items"] > outcome["orders"]
    assert outcome["webhook_order_mirrored"] is True
    assert outcome["order_points"] == 1
    assert all(status == "done" for _topic, status, _error in outcome["deliveries"])
