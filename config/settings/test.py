"""Tests: the local PostgreSQL and Redis by default (override with DATABASE_URL / REDIS_URL).

Tasks are not run eagerly: tests that need a worker start a real one on the real broker
(``tests/conftest.py``); the others assert what was enqueued on commit.
"""

from __future__ import annotations

import os

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/loyalty")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")

from config.settings.base import *  # noqa: F403
from config.settings.base import LOGGING

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGGING["root"]["level"] = "WARNING"

# devshop, the Shopify stand-in, runs inside the test process: its tables live in the test
# database and its routes sit beside the app's (tests/urls.py). Requests between the two go
# through devshop.testing.InProcessAdapter, mounted by the `inprocess_http` fixture.
INSTALLED_APPS = [*INSTALLED_APPS, "devshop"]  # noqa: F405
ROOT_URLCONF = "tests.urls"
APP_URL = "http://testserver"
SHOPIFY_SHOP_ORIGIN_TEMPLATE = "http://testserver/store/{shop}"

# The suite makes many proxy requests from one address within a minute: limits are off unless a
# test sets them (tests/loyalty/storefront/test_throttling.py), so no test is throttled by the
# ones before it. The production server started by tests inherits these.
STOREFRONT_THROTTLE_RATES = {"storefront_customer": None, "storefront_ip": None}
