"""Production: every secret must come from the environment, cookies are secure, logs are JSON.

Importing this module without ``SECRET_KEY``, ``SHOPIFY_API_SECRET``, ``TOKEN_ENCRYPTION_KEYS``,
``DATABASE_URL`` or ``REDIS_URL`` raises ``ImproperlyConfigured`` naming the variable.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_list, env_secret, env_str
from config.settings.base import *  # noqa: F403
from config.settings.base import LOGGING, MIDDLEWARE

SECRETS_REQUIRED = True
DEBUG = env_bool("DEBUG", False)
if DEBUG:
    raise ImproperlyConfigured("DEBUG must be false in production.")

SECRET_KEY = env_secret("SECRET_KEY", required=True)
SHOPIFY_API_KEY = env_secret("SHOPIFY_API_KEY", required=True)
SHOPIFY_API_SECRET = env_secret("SHOPIFY_API_SECRET", required=True)
TOKEN_ENCRYPTION_KEYS = env_list("TOKEN_ENCRYPTION_KEYS")
if not TOKEN_ENCRYPTION_KEYS:
    raise ImproperlyConfigured("TOKEN_ENCRYPTION_KEYS is not set (comma-separated Fernet keys).")
if not env_str("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
    raise ImproperlyConfigured("DATABASE_URL must point to PostgreSQL in production.")
if not env_str("REDIS_URL", ""):
    raise ImproperlyConfigured("REDIS_URL is not set; production needs a real Celery broker.")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS is not set (comma-separated host names).")
APP_URL = env_secret("APP_URL", required=True).rstrip("/")
if not APP_URL.startswith("https://"):
    raise ImproperlyConfigured("APP_URL must be https:// in production.")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
CSRF_TRUSTED_ORIGINS = [APP_URL]
# Static files (the built frontend) served by the app itself, compressed and hashed.
MIDDLEWARE = [
    *MIDDLEWARE[:2],
    "whitenoise.middleware.WhiteNoiseMiddleware",
    *MIDDLEWARE[2:],
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
LOGGING["handlers"]["console"]["formatter"] = env_str("LOG_FORMAT", "json")
