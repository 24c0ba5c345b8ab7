"""Routes of the Shopify edge: the App URL, install/auth pages, the admin API's shop and the
launcher's state behind the app proxy."""

from django.urls import path

from shopify_app.views import api, embedded, oauth, plans, storefront

urlpatterns = [
    path("", embedded.app_home, name="shopify_app_home"),
    path("auth/session-token", embedded.session_token_bounce, name="shopify_session_token_bounce"),
    path("auth/install", oauth.install, name="shopify_install"),
    path("auth/callback", oauth.callback, name="shopify_callback"),
    path("api/admin/shop", api.ShopDetailApi.as_view(), name="api_admin_shop"),
    path("api/admin/sync", api.SyncProgressApi.as_view(), name="api_admin_sync"),
    path("api/admin/launcher", api.LauncherApi.as_view(), name="api_admin_launcher"),
    path("api/admin/plans", plans.PlanListApi.as_view(), name="api_admin_plans"),
    path(
        "api/admin/plans/subscribe",
        plans.PlanSubscribeApi.as_view(),
        name="api_admin_plans_subscribe",
    ),
    # The launcher, behind the app proxy (/apps/rewards/* on the store → /proxy/*).
    path("proxy/api/state", storefront.StorefrontStateApi.as_view(), name="storefront_state"),
]
