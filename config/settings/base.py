"""Settings shared by every environment, read from the environment with documented defaults.

With no environment at all this runs the development setup: SQLite and Celery tasks executed
in-process. ``DATABASE_URL`` and ``REDIS_URL`` switch to PostgreSQL and a real broker.
``config.settings.production`` layers the production rules (secrets required, secure cookies)
on top; ``config.settings.test`` defaults to the local PostgreSQL and Redis.

Every variable is listed in README.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kombu import Queue

from config.env import (
    database_from_url,
    env_bool,
    env_int,
    env_list,
    env_secret,
    env_str,
)

BASE_DIR = Path(__file__).resolve().parent.parent.parent

# Production settings flip this; the secrets below are then required.
SECRETS_REQUIRED = False

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = env_secret("SECRET_KEY", required=SECRETS_REQUIRED, dev_default="dev-insecure-secret")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])

# --- Shopify ---------------------------------------------------------------------------------
# The Admin API version is pinned here and only here; move it each quarter together with the
# vendored schema in shopify_app/schema/ (tests validate every GraphQL document against it).
SHOPIFY_API_VERSION = "2026-07"
SHOPIFY_API_KEY = env_str("SHOPIFY_API_KEY", "devshop-client-id")
SHOPIFY_API_SECRET = env_secret(
    "SHOPIFY_API_SECRET",
    required=SECRETS_REQUIRED,
    dev_default="devshop-client-secret-0123456789abcdef",
)
# During a secret rotation Shopify may sign webhooks with the old secret for up to an hour.
SHOPIFY_API_SECRET_PREVIOUS = env_str("SHOPIFY_API_SECRET_PREVIOUS", "")
SHOPIFY_SCOPES = env_list(
    "SHOPIFY_SCOPES",
    [
        "read_customers",
        "write_customers",
        "read_orders",
        "read_discounts",
        "write_discounts",
        "write_app_proxy",
        "read_themes",  # the onboarding checks the launcher embed in the main theme
    ],
)
# Where a shop's admin lives. Shopify: https://{shop}. devshop serves every fake shop under a
# path on one local port, e.g. http://127.0.0.1:8001/store/{shop}.
SHOPIFY_SHOP_ORIGIN_TEMPLATE = env_str("SHOPIFY_SHOP_ORIGIN_TEMPLATE", "https://{shop}")
# Where a launch from outside the admin is sent so the admin embeds the app; {host} is the
# decoded `host` parameter (admin.shopify.com/store/<handle>). devshop points this at itself.
SHOPIFY_ADMIN_APP_URL_TEMPLATE = env_str(
    "SHOPIFY_ADMIN_APP_URL_TEMPLATE", "https://{host}/apps/{client_id}"
)
# App Bridge, loaded first in <head> of every embedded page (devshop serves a stand-in in dev).
APP_BRIDGE_SCRIPT_URL = env_str(
    "APP_BRIDGE_SCRIPT_URL", "https://cdn.shopify.com/shopifycloud/app-bridge.js"
)
# Origins allowed to frame embedded pages besides the shop and admin.shopify.com (devshop's
# admin in development; empty in production).
SHOPIFY_EXTRA_FRAME_ANCESTORS = env_list("SHOPIFY_EXTRA_FRAME_ANCESTORS", [])
# The public URL of this app (OAuth redirect, webhook and proxy URLs).
APP_URL = env_str("APP_URL", "http://127.0.0.1:8000").rstrip("/")
# Fernet keys for access tokens at rest, newest first; older keys still decrypt (rotation).
TOKEN_ENCRYPTION_KEYS = env_list(
    "TOKEN_ENCRYPTION_KEYS",
    [] if SECRETS_REQUIRED else ["ZGV2LW9ubHktdG9rZW4ta2V5LW5vdC1mb3ItcHJvZC0="],
)
# Billing API charges are created with `test: true` (no money moves) when this is on, or when
# the shop is a development store.
SHOPIFY_BILLING_TEST = env_bool("SHOPIFY_BILLING_TEST", False)
# Webhook bodies larger than this are refused with 413 before any parsing.
WEBHOOK_MAX_BODY_BYTES = env_int("WEBHOOK_MAX_BODY_BYTES", 2 * 1024 * 1024)

# --- Django ----------------------------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "shopify_app",
    "loyalty",
    "referrals",
]

MIDDLEWARE = [
    "config.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Outside XFrameOptionsMiddleware: it sets the frame-ancestors CSP on HTML responses and
    # removes X-Frame-Options from the embedded ones.
    "shopify_app.middleware.EmbeddedFramingMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
DATABASES = {"default": database_from_url(DATABASE_URL)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# The built frontend (frontend/dist) is served as static files.
STATICFILES_DIRS = [d for d in [BASE_DIR / "frontend" / "dist"] if d.exists()]

# --- DRF -------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": [],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "config.exceptions.drf_exception_handler",
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}

# The admin API's contract (config/openapi.py); the admin's TypeScript types are generated from
# it (frontend/admin/src/api-types.ts, `make api-types`; a test fails when they drift).
SPECTACULAR_SETTINGS = {
    "TITLE": "Loyalty admin API",
    "DESCRIPTION": "The embedded admin's API. The shop comes from the session token.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/admin",
    "PREPROCESSING_HOOKS": ["config.openapi.admin_endpoints_only"],
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "EarningRuleKindEnum": "loyalty.models.EarningRule.Kind",
        "RewardKindEnum": "loyalty.models.Reward.Kind",
        "LedgerEntryKindEnum": "loyalty.models.PointsTransaction.Kind",
        "LedgerEntryStatusEnum": "loyalty.models.PointsTransaction.Status",
        "CodeStatusEnum": "loyalty.models.Redemption.Status",
    },
}

# --- Celery ----------------------------------------------------------------------------------
# At-least-once delivery with exactly-once effects: every task is idempotent (it reloads rows by
# id and its writes are keyed by unique constraints), so the broker may redeliver freely.
REDIS_URL = env_str("REDIS_URL", "")
CELERY_BROKER_URL = REDIS_URL or "memory://"
# No broker configured: run tasks in-process, at the point they are enqueued (development only).
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
# Results are not used for control flow; outcomes are recorded on our own rows.
CELERY_TASK_IGNORE_RESULT = True
# Acknowledge after the task finishes, so a worker killed mid-task leaves the message to be
# redelivered instead of lost...
CELERY_TASK_ACKS_LATE = True
# ...and if the worker process dies (OOM, SIGKILL), reject the message back onto the queue.
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# Prefetch one message per process: with acks_late, prefetched messages would sit unacked
# behind a long task.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Hard and soft limits keep a stuck task from holding a worker forever. The longest task (a bulk
# sync page) stays well under the soft limit.
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 300)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 360)
# Redis redelivers an unacked message after the visibility timeout. It must exceed the hard
# time limit, or a long-running task would be delivered to a second worker while still running.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_TASK_TIME_LIMIT * 2}
# JSON only: tasks take primitive ids, never pickled model instances.
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A lost broker connection is retried for ever (the default gives up after 100 tries, about 30
# minutes, and then the worker main exits): a worker that outlives a long Redis outage resumes by
# itself. Supervision (README, "Deployment") restarts a main that dies anyway.
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# On a lost connection, terminate the acks_late tasks that were running: ``collect()`` has
# already put their messages back on the queue, so a running copy would only race its own
# redelivery. Their rows are durable and pending (the batch's transaction rolls back): the
# drain each worker publishes on reconnecting (``config.celery.InboxDrainOnConnect``) or, failing
# that, the beat sweeper (``STRANDED_AFTER``) picks them up. This is the Celery 6 default, set
# so the behaviour doesn't change under us (and without the deprecation warning).
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
# Queues by priority, so a storm of webhooks or a large sync never starves the storefront:
# webhooks (Shopify waits on nothing, but the inbox must drain), storefront (a shopper is
# waiting), sync (bulk imports), batch (nightly jobs, expiry, reconciliation).
CELERY_TASK_DEFAULT_QUEUE = "batch"
CELERY_TASK_QUEUES = [Queue(name) for name in ("webhooks", "storefront", "sync", "batch")]
# Routing by task name; each app adds its tasks here. Unrouted tasks go to "batch".
CELERY_TASK_ROUTES = {
    "shopify_app.tasks.webhook_*": {"queue": "webhooks"},
    "shopify_app.sync.tasks.*": {"queue": "sync"},
    # A shopper is waiting for the code they just redeemed.
    "loyalty.tasks.redemption_issue": {"queue": "storefront"},
    # A friend is waiting for the offer's code.
    "referrals.tasks.referral_offer_issue": {"queue": "storefront"},
}
# Each domain app adds its periodic jobs here (sweepers, expiry, reconciliation).
CELERY_BEAT_SCHEDULE: dict = {
    "worker-heartbeat": {"task": "config.tasks.worker_heartbeat", "schedule": 30.0},
    # Drain webhook deliveries whose message was lost (broker restart, killed worker): one
    # index probe when none is, so it can run often (``STRANDED_AFTER`` + this < 30 s). A sweep
    # not run within 10 s is dropped: while no worker consumes, they would only pile up.
    "webhook-deliveries-sweep": {
        "task": "shopify_app.tasks.webhook_deliveries_sweep",
        "schedule": 5.0,
        "options": {"expires": 10},
    },
    # Inbox rows (and the personal data in their bodies) are deleted after 28 days.
    "webhook-deliveries-prune": {
        "task": "shopify_app.tasks.webhook_deliveries_prune",
        "schedule": 86400.0,
    },
    # Initial syncs whose next step was lost are resumed; every shop is reconciled against
    # Shopify (lost webhooks) every 15 minutes.
    "sync-runs-sweep": {"task": "shopify_app.sync.tasks.sync_runs_sweep", "schedule": 120.0},
    "sync-reconcile-all": {"task": "shopify_app.sync.tasks.sync_reconcile_all", "schedule": 900.0},
    # loyalty: held points post within minutes of their hold ending; lost redemption tasks are
    # re-enqueued; birthdays hourly (each shop's midnight falls on a different UTC hour);
    # expiry, reminders and the ledger audit daily. Every job is idempotent.
    "loyalty-points-post-due": {"task": "loyalty.tasks.points_post_due", "schedule": 300.0},
    "loyalty-redemption-sweep": {"task": "loyalty.tasks.redemption_sweep", "schedule": 120.0},
    "loyalty-birthdays": {"task": "loyalty.tasks.birthday_points_award_due", "schedule": 3600.0},
    "loyalty-points-expire": {"task": "loyalty.tasks.points_expire_due", "schedule": 86400.0},
    "loyalty-expiry-reminders": {
        "task": "loyalty.tasks.expiry_reminders_queue",
        "schedule": 86400.0,
    },
    "loyalty-ledger-audit": {"task": "loyalty.tasks.ledger_audit", "schedule": 86400.0},
    # VIP tiers: sliding windows and downgrades, set-based per shop, daily.
    "loyalty-vip-evaluate": {
        "task": "loyalty.vip.tasks.member_tiers_evaluate_all",
        "schedule": 86400.0,
    },
    # VIP recurring perks: this month's (or quarter's) code for members who lack it, daily, so
    # a member reaching a tier mid-period gets it the next day.
    "loyalty-vip-perks": {
        "task": "loyalty.vip.tasks.tier_perks_issue_all",
        "schedule": 86400.0,
    },
    # referrals: friend codes whose creation task was lost are re-enqueued.
    "referrals-offer-sweep": {"task": "referrals.tasks.referral_offer_sweep", "schedule": 120.0},
    # referrals: catalog-reward codes left to make or to void are re-enqueued.
    "referrals-reward-sweep": {"task": "referrals.tasks.referral_reward_sweep", "schedule": 300.0},
}

# --- Cache and storefront rate limits -------------------------------------------------------
# The cache holds DRF's throttle histories, shared by every web process: Redis when configured,
# else process memory (development only; limits are then per process).
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "cache",
    }
    if REDIS_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}
# Storefront API (behind the app proxy) limits, DRF's "<count>/<sec|min|hour|day>": per signed-in
# customer of a shop, and per shopper IP (Shopify passes it in X-Forwarded-For). Requests over a
# limit get 429 with Retry-After.
STOREFRONT_THROTTLE_RATES: dict[str, str | None] = {
    "storefront_customer": env_str("STOREFRONT_THROTTLE_CUSTOMER", "120/min"),
    "storefront_ip": env_str("STOREFRONT_THROTTLE_IP", "600/min"),
}
# Proxies that append to X-Forwarded-For in front of the app: Shopify's app proxy (1), plus
# a load balancer of ours (2). The shopper's address is the entry this many places from the end.
STOREFRONT_PROXY_HOPS = env_int("STOREFRONT_PROXY_HOPS", 1)
# GET state's rendered JSON is kept in Redis (shopify_app.storefront_cache) at most this many
# seconds: every write bumps a version after commit, so this only bounds text that changes with
# time alone ("expiring soon"). 0 turns the cache off; without REDIS_URL it is off.
STOREFRONT_STATE_CACHE_SECONDS = env_int("STOREFRONT_STATE_CACHE_SECONDS", 60) if REDIS_URL else 0
# Prefixes the cache's keys (the tests give each test its own).
STOREFRONT_STATE_CACHE_PREFIX = env_str("STOREFRONT_STATE_CACHE_PREFIX", "sf")

# --- Security --------------------------------------------------------------------------------
# The embedded admin runs in an iframe; its HTML responses get a frame-ancestors CSP from
# shopify_app (the X-Frame-Options header would forbid the admin from framing us).
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"

# --- Logging ---------------------------------------------------------------------------------
LOG_FORMAT = env_str("LOG_FORMAT", "text")  # "json" in production
LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "config.logging.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "config.logging.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
}
