from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView

from config.health import health
from shopify_app.views.embedded import app_home
from shopify_app.webhooks.views import webhook_receive

urlpatterns = [
    path("healthz", health, name="health"),
    path("django-admin/", admin.site.urls),
    # Shopify webhooks (shopify.app.toml): data and lifecycle topics, and compliance topics.
    path("webhooks", webhook_receive, name="webhooks"),
    path("webhooks/compliance", webhook_receive, name="webhooks-compliance"),
    # The launcher's points section behind the app proxy (/apps/rewards/api/points/*).
    path("proxy/api/points/", include("loyalty.storefront.urls")),
    # The admin API's OpenAPI 3 schema (public: the contract of an open-source app, no data).
    path(
        "api/admin/schema",
        SpectacularAPIView.as_view(authentication_classes=[], permission_classes=[]),
        name="api_admin_schema",
    ),
    path("api/admin/", include("loyalty.api.urls")),
    # The embedded admin's own pages (frontend/admin/src/router.tsx): the same document as the
    # App URL, so a reload or an App Bridge nav-menu link on any page authenticates as "/" does.
    re_path(
        r"^(?:onboarding|import|plans|program|branding|rules-rewards|customers(?:/[0-9]+)?)$",
        app_home,
        name="admin_app_page",
    ),
    # The App URL, install/auth pages, /api/admin/shop and the launcher's /proxy/api/state.
    path("", include("shopify_app.urls")),
    # /api/admin/referrals/*: the referral program's settings, review queue and funnel.
    path("", include("referrals.urls")),
]
