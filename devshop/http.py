"""devshop's own outbound HTTP session: webhook deliveries and app proxy forwarding.

Separate from the app's ``shopify_app.http.session`` on purpose: devshop plays Shopify, the
app plays itself, and tests mount the in-process adapter on both (``inprocess_http``).
"""

from __future__ import annotations

import requests

# (connect, read) seconds. Shopify gives a webhook receiver 1 s to accept the connection and
# 5 s to answer; anything slower counts as a failed delivery and is retried.
WEBHOOK_TIMEOUT = (1, 5)
# The app proxy waits longer for the app's answer before the storefront shows an error.
PROXY_TIMEOUT = (3.05, 10)

session = requests.Session()
session.headers["User-Agent"] = "Shopify-Captain-Hook (devshop)"
