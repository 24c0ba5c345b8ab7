"""Settings of the peer baseline in ``bench/webhook_intake.py``: our project's settings, with
``django-shopify-webhook``'s secret setting and its ``WebhookView`` as the only URL."""

from config.settings.base import *  # noqa: F403
from config.settings.base import SHOPIFY_API_SECRET

SHOPIFY_APP_API_SECRET = SHOPIFY_API_SECRET
ROOT_URLCONF = "bench._peer_site"
