"""Production settings refuse to start without their secrets; development runs with none."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION_ENV = {
    "SECRET_KEY": "s" * 50,
    "SHOPIFY_API_KEY": "client-id",
    "SHOPIFY_API_SECRET": "client-secret",
    "TOKEN_ENCRYPTION_KEYS": "ZGV2LW9ubHktdG9rZW4ta2V5LW5vdC1mb3ItcHJvZC0=",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "ALLOWED_HOSTS": "loyalty.example.com",
    "APP_URL": "https://loyalty.example.com",
}


def _load_settings(module: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in PRODUCTION_ENV and k != "DEBUG"}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); print('started')"],
        cwd=ROOT,
        env={**clean, **env, "DJANGO_SETTINGS_MODULE": module},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_starts_with_every_secret():
    result = _load_settings("config.settings.production", PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout


@pytest.mark.parametrize(
    "missing",
    [
        "SECRET_KEY",
        "SHOPIFY_API_KEY",
        "SHOPIFY_API_SECRET",
        "TOKEN_ENCRYPTION_KEYS",
        "DATABASE_URL",
        "REDIS_URL",
        "ALLOWED_HOSTS",
        "APP_URL",
    ],
)
def test_production_refuses_to_start_without(missing):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}
    result = _load_settings("config.settings.production", env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert missing in result.stderr


def test_production_refuses_debug():
    result = _load_settings("config.settings.production", {**PRODUCTION_ENV, "DEBUG": "true"})
    assert result.returncode != 0
    assert "DEBUG must be false" in result.stderr


def test_a_malformed_boolean_stops_startup_naming_the_variable():
    result = _load_settings("config.settings.base", {"DEBUG": "ture"})
    assert result.returncode != 0
    assert "DEBUG must be one of" in result.stderr


def test_development_defaults_need_no_environment(tmp_path):
    """`make dev` with no configuration: SQLite and in-process tasks, migrations included."""
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'dev.sqlite3'}", "REDIS_URL": ""}
    clean = {k: v for k, v in os.environ.items() if k not in PRODUCTION_ENV}
    result = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=ROOT,
        env={**clean, **env, "DJANGO_SETTINGS_MODULE": "config.settings.base"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
