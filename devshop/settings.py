"""devshop as its own process (``make dev`` runs it on port 8001).

    DJANGO_SETTINGS_MODULE=devshop.settings python manage.py runserver 127.0.0.1:8001

Its data lives apart from the app's: ``DEVSHOP_DATABASE_URL`` (default: SQLite file
``devshop.sqlite3`` in the repository root). It plays Shopify for one app, configured by
``DEVSHOP_CLIENT_ID`` / ``DEVSHOP_CLIENT_SECRET`` (the app's dev defaults) and
``DEVSHOP_APP_URL`` (where the app runs).
"""

from __future__ import annotations

from pathlib import Path

from config.env import database_from_url, env_bool, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEVSHOP_DEBUG", True)
# devshop never runs in production and keeps no sessions.
SECRET_KEY = "devshop-local-only"
ALLOWED_HOSTS = env_list("DEVSHOP_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.staticfiles",
    "devshop",
]
MIDDLEWARE = [
    "django.middleware.common.CommonMiddleware",
]
ROOT_URLCONF = "devshop.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    }
]
DATABASES = {
    "default": database_from_url(
        env_str("DEVSHOP_DATABASE_URL", f"sqlite:///{BASE_DIR / 'devshop.sqlite3'}")
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "UTC"
STATIC_URL = "/static/"

# The app devshop hosts.
DEVSHOP_CLIENT_ID = env_str("DEVSHOP_CLIENT_ID", "devshop-client-id")
DEVSHOP_CLIENT_SECRET = env_str("DEVSHOP_CLIENT_SECRET", "devshop-client-secret-0123456789abcdef")
DEVSHOP_APP_URL = env_str("DEVSHOP_APP_URL", "http://127.0.0.1:8000").rstrip("/")
DEVSHOP_SHOP_ORIGIN_TEMPLATE = env_str(
    "DEVSHOP_SHOP_ORIGIN_TEMPLATE", "http://127.0.0.1:8001/store/{shop}"
)
# Bulk operations run in a background thread as soon as they are created.
DEVSHOP_BULK_AUTORUN = True
DEVSHOP_BULK_DIR = env_str("DEVSHOP_BULK_DIR", "") or None
# devshop's settings double as the fallbacks conf.py reads in the test process.
SHOPIFY_API_KEY = DEVSHOP_CLIENT_ID
SHOPIFY_API_SECRET = DEVSHOP_CLIENT_SECRET
APP_URL = DEVSHOP_APP_URL
SHOPIFY_SHOP_ORIGIN_TEMPLATE = DEVSHOP_SHOP_ORIGIN_TEMPLATE

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("DEVSHOP_LOG_LEVEL", "INFO")},
}
