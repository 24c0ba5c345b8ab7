"""The peer baseline: ``django-shopify-webhook`` deployed as a careful user would.

Its ``WebhookView`` at ``/webhooks`` and a receiver of its ``orders_paid`` signal that
``get_or_create``s the delivery on the unique (shop, webhook id) key, so a retried delivery is
stored once, into the same inbox table our intake writes. Served by plain Django's WSGI handler
(``DJANGO_SETTINGS_MODULE=bench._peer_settings``) under the same server as ours.
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench._peer_settings")
application = get_wsgi_application()

# The package's views read settings at import, so they are imported once Django is set up.
import json  # noqa: E402

from django.http import HttpResponse  # noqa: E402
from django.urls import path  # noqa: E402
from django.utils.dateparse import parse_datetime  # noqa: E402
from shopify_webhook import signals  # noqa: E402
from shopify_webhook.views import WebhookView  # noqa: E402

from shopify_app.models import Shop, WebhookDelivery  # noqa: E402


def store_delivery(sender, *, domain, topic, webhook_id, data, triggered_at, **kwargs) -> None:
    # The package hands over the parsed body only; it is serialized again to be stored.
    WebhookDelivery.objects.get_or_create(
        shop=Shop.objects.get(domain=domain),
        webhook_id=webhook_id,
        defaults={
            "topic": topic,
            "triggered_at": parse_datetime(triggered_at),
            "body": json.dumps(data).encode(),
        },
    )


signals.orders_paid.connect(store_delivery, weak=False)


def healthz(request) -> HttpResponse:  # the bench waits for this before it loads the server
    return HttpResponse("ok")


urlpatterns = [path("webhooks", WebhookView.as_view()), path("healthz", healthz)]
