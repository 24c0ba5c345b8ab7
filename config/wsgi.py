import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
django_application = get_wsgi_application()

# Shopify's webhook deliveries are answered in front of Django's handler (see the module).
from shopify_app.webhooks.wsgi import WebhookIntakeApplication  # noqa: E402

application = WebhookIntakeApplication(django_application)
