"""Production needs none of devshop's and the tests' packages, and the production lock has none.

Faker, python-liquid, graphql-core and ShopifyAPI are dev dependencies (pyproject.toml): devshop
runs its GraphQL engine, Liquid storefront and seed data on them, and the tests cross-check
against ShopifyAPI. A production install (``requirements.lock``) lacks them, so every
production module is imported here with them, and devshop, unimportable.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

from tests.config.test_settings import PRODUCTION_ENV

ROOT = Path(__file__).resolve().parents[2]

# Distribution name → the top-level module it installs.
DEV_ONLY = {
    "faker": "faker",
    "python-liquid": "liquid",
    "graphql-core": "graphql",
    "shopifyapi": "shopify",
}

# `make dev`'s launcher: development tooling that starts devshop, never loaded by production.
NOT_PRODUCTION = ["config.dev"]

_IMPORT_EVERYTHING = """
import importlib, importlib.abc, pkgutil, sys

BLOCKED = {blocked!r}

class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ImportError(f"{{name}} is not installed in production")
        return None

sys.meta_path.insert(0, Block())
try:
    import faker  # noqa: F401
except ImportError:
    pass
else:
    raise SystemExit("the blocker does not block")

import django
django.setup()
from django.conf import settings

print("apps:", ",".join(settings.INSTALLED_APPS))
for package in ("config", "shopify_app", "loyalty", "referrals"):
    importlib.import_module(package)
    for info in pkgutil.walk_packages(sys.modules[package].__path__, prefix=package + "."):
        if info.name not in {not_production!r}:
            importlib.import_module(info.name)
            print("imported", info.name)
"""


def test_production_imports_every_module_without_the_dev_packages():
    script = _IMPORT_EVERYTHING.format(
        blocked={*DEV_ONLY.values(), "devshop"}, not_production=set(NOT_PRODUCTION)
    )
    clean = {k: v for k, v in os.environ.items() if k not in PRODUCTION_ENV and k != "DEBUG"}
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**clean, **PRODUCTION_ENV, "DJANGO_SETTINGS_MODULE": "config.settings.production"},
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    apps = result.stdout.splitlines()[0].removeprefix("apps: ").split(",")
    assert "devshop" not in apps
    imported = {
        line.split()[1] for line in result.stdout.splitlines() if line.startswith("imported")
    }
    # The walk reached the app code, including what the web process and the worker load.
    assert {"config.wsgi", "config.celery", "shopify_app.admin_api", "loyalty.services"} <= imported


def test_the_production_lock_leaves_out_the_dev_packages():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    declared = {
        re.split(r"[<>=!~\[ ;]", spec, maxsplit=1)[0].lower()
        for spec in project["project"]["dependencies"]
    }
    locked = set(
        re.findall(r"^([a-z0-9][a-z0-9._-]*)==", (ROOT / "requirements.lock").read_text(), re.M)
    )

    assert not declared & DEV_ONLY.keys()
    assert not locked & DEV_ONLY.keys()
