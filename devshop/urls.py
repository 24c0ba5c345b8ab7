"""devshop's routes: Shopify's own under /store/<shop>/, devshop's controls under /devshop/."""

from django.urls import include, path

from devshop.views import admin_api, billing, control, oauth, themes

SHOP = "store/<str:shop_domain>"

urlpatterns: list = [
    # Shopify's endpoints, per shop.
    path(f"{SHOP}/admin/oauth/authorize", oauth.authorize, name="devshop-oauth-authorize"),
    path(f"{SHOP}/admin/oauth/access_token", oauth.access_token, name="devshop-oauth-token"),
    path(f"{SHOP}/admin/api/<str:version>/graphql.json", admin_api.graphql, name="devshop-graphql"),
    path(
        f"{SHOP}/admin/charges/<str:client_id>/<int:subscription_id>/RecurringApplicationCharge/"
        "confirm_recurring_application_charge",
        billing.confirm_subscription,
        name="devshop-confirm-subscription",
    ),
    path(f"{SHOP}/admin/themes/current/editor", themes.theme_editor, name="devshop-theme-editor"),
    path("devshop/bulk/results/<str:file_name>", admin_api.bulk_result, name="devshop-bulk-result"),
    # devshop's controls.
    path("devshop/", control.home, name="devshop-home"),
    path("devshop/clock", control.clock_view, name="devshop-clock"),
    path("devshop/shops", control.shop_create, name="devshop-shop-create"),
    path("devshop/shops/<str:shop_domain>/", control.shop_page, name="devshop-shop"),
    path(
        "devshop/shops/<str:shop_domain>/install", control.app_install, name="devshop-app-install"
    ),
    path(
        "devshop/shops/<str:shop_domain>/uninstall",
        control.app_uninstall,
        name="devshop-app-uninstall",
    ),
    path("devshop/shops/<str:shop_domain>/throttle", control.throttle, name="devshop-throttle"),
    path("devshop/shops/<str:shop_domain>/redact", control.shop_redact, name="devshop-shop-redact"),
    path(
        "devshop/shops/<str:shop_domain>/customers",
        control.customer_create,
        name="devshop-customer-create",
    ),
    path(
        "devshop/shops/<str:shop_domain>/customers/<int:customer_id>/update",
        control.customer_update,
        name="devshop-customer-update",
    ),
    path(
        "devshop/shops/<str:shop_domain>/customers/<int:customer_id>/delete",
        control.customer_delete,
        name="devshop-customer-delete",
    ),
    path(
        "devshop/shops/<str:shop_domain>/customers/<int:customer_id>/data_request",
        control.customer_data_request,
        name="devshop-customer-data-request",
    ),
    path(
        "devshop/shops/<str:shop_domain>/customers/<int:customer_id>/redact",
        control.customer_redact,
        name="devshop-customer-redact",
    ),
    path(
        "devshop/shops/<str:shop_domain>/orders", control.order_create, name="devshop-order-create"
    ),
    path(
        "devshop/shops/<str:shop_domain>/orders/<int:order_id>/pay",
        control.order_pay,
        name="devshop-order-pay",
    ),
    path(
        "devshop/shops/<str:shop_domain>/orders/<int:order_id>/cancel",
        control.order_cancel,
        name="devshop-order-cancel",
    ),
    path(
        "devshop/shops/<str:shop_domain>/orders/<int:order_id>/refund",
        control.order_refund,
        name="devshop-order-refund",
    ),
    path("devshop/bulk/<int:operation_id>/run", control.bulk_run, name="devshop-bulk-run"),
    path("", include("devshop.webhooks.urls")),
    path("", include("devshop.storefront.urls")),
    path("", include("devshop.frame.urls")),
]
