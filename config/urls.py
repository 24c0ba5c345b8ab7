from django.contrib import admin
from django.urls import include, path

from config.health import health
from shopify_app.webhooks.views import webhook_receive

urlpatterns = [
    path("healthz", health, name="health"),
    path("django-admin/", admin.site.urls),
    # Shopify webhooks (shopify.app.toml): data and lifecycle topics, and compliance topics.
    path("webhooks", webhook_receive, name="webhooks"),
    path("webhooks/compliance", webhook_receive, name="webhooks-compliance"),
    # The App URL, install/auth pages and /api/admin/shop.
    path("", include("shopify_app.urls")),
    # /api/admin/referrals/*: the referral program's settings, review queue and funnel.
    path("", include("referrals.urls")),
]
