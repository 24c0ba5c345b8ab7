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
    # The launcher's points section behind the app proxy (/apps/rewards/api/points/*).
    path("proxy/api/points/", include("loyalty.storefront.urls")),
    # The App URL, install/auth pages, /api/admin/shop and the launcher's /proxy/api/state.
    path("", include("shopify_app.urls")),
    # /api/admin/referrals/*: the referral program's settings, review queue and funnel.
    path("", include("referrals.urls")),
]
