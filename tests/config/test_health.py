"""The health endpoint answers 200 with live services and 503 (not a crash) without them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Runs the health view in a fresh process whose settings point at the given services, so the
# failure is a real refused connection, not a mocked one.
_PROBE = """
import django, json, os
django.setup()
from django.test import Client
response = Client().get("/healthz")
print(json.dumps({"status": response.status_code, "body": response.json()}))
"""


def _probe(database_url: str, redis_url: str) -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
    }
    out = subprocess.run(
        [sys.executable, "-c", _PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.django_db
def test_health_is_ok_with_database_and_broker(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["database"] == "ok"
    assert body["broker"] == "ok"


def test_health_is_503_when_database_is_down():
    result = _probe(
        "postgres://postgres@127.0.0.1:1/loyalty",
        os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
    )
    assert result["status"] == 503
    assert result["body"]["database"] == "down"
    assert result["body"]["broker"] == "ok"


def test_health_is_503_when_broker_is_down():
    result = _probe(
        "postgres://postgres@127.0.0.1:5432/postgres",
        "redis://127.0.0.1:1/0",
    )
    assert result["status"] == 503
    # That database answers but holds no app tables: the inbox is unknown, not a failure.
    assert result["body"] == {
        "status": "unavailable",
        "database": "ok",
        "broker": "down",
        "inbox": "unknown",
    }
