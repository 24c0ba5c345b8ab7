"""Routes of the Shopify edge: the App URL, install/auth pages and the admin API's shop."""

from django.urls import path

from shopify_app.views import api, embedded, oauth

urlpatterns = [
    path("", embedded.app_home, name="shopify_app_home"),
    path("auth/session-token", embedded.session_token_bounce, name="shopify_session_token_bounce"),
    path("auth/install", oauth.install, name="shopify_install"),
    path("auth/callback", oauth.callback, name="shopify_callback"),
    path("api/admin/shop", api.ShopDetailApi.as_view(), name="api_admin_shop"),
]
