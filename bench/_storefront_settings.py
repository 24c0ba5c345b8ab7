"""Settings of ``bench/storefront_state.py``: the project's, with a no-op view beside the app's
routes (the same-run baseline) and no storefront rate limits (the load comes from one IP and one
customer)."""

from config.settings.base import *  # noqa: F403

ROOT_URLCONF = "bench._storefront_urls"
STOREFRONT_THROTTLE_RATES = {"storefront_customer": None, "storefront_ip": None}
