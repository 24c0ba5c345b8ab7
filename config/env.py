"""Typed readers for environment variables that fail loudly.

Every setting the app reads from the environment goes through these helpers, so a typo such as
``DEBUG=ture`` stops startup with a message naming the variable instead of silently becoming a
default. ``env_secret`` is the only way to read a secret: with ``required=True`` (production) a
missing value raises ``ImproperlyConfigured``; otherwise the caller passes an explicit,
obviously-insecure development default.
"""

from __future__ import annotations

import os
from urllib.parse import parse_qs, unquote, urlparse

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be one of {sorted(_TRUE | _FALSE)}, got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from None


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return list(default or [])
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_secret(name: str, *, required: bool, dev_default: str = "") -> str:
    """A secret from the environment; in production (``required``) there is no default."""
    value = os.environ.get(name, "")
    if value:
        return value
    if required:
        raise ImproperlyConfigured(
            f"{name} is not set. It is a secret and has no default in production; "
            f"set it in the environment."
        )
    return dev_default


def database_from_url(url: str) -> dict:
    """Django DATABASES entry from ``postgres://user:pass@host:port/name`` or ``sqlite:///path``."""
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": unquote(parsed.path[1:]) or ":memory:",
            # Development runs several writers on one file (devshop's server threads, its bulk
            # runner and webhook loop; the app's runserver threads). A deferred transaction that
            # reads, then writes, fails with "database is locked" at once when another holds the
            # write lock: IMMEDIATE takes it at BEGIN, waiting up to `timeout` seconds. WAL lets
            # readers go on while one writes.
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    if parsed.scheme not in {"postgres", "postgresql"}:
        raise ImproperlyConfigured(f"DATABASE_URL scheme must be postgres or sqlite, got {url!r}")
    options: dict[str, str | int] = {"connect_timeout": 5}
    options.update({key: values[-1] for key, values in parse_qs(parsed.query).items()})
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parsed.path.lstrip("/")) or "postgres",
        "USER": unquote(parsed.username or "postgres"),
        "PASSWORD": unquote(parsed.password or ""),
        "HOST": parsed.hostname or "127.0.0.1",
        "PORT": str(parsed.port or 5432),
        # Reuse connections across requests; health checks drop broken ones.
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": options,
    }
