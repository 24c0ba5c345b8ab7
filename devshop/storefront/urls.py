from django.urls import path, re_path

from devshop import proxy
from devshop.storefront import commerce, views

SHOP = "store/<str:shop_domain>"

urlpatterns = [
    path("store/<str:shop_domain>/", views.home, name="devshop-storefront"),
    path("store/<str:shop_domain>/account/login", views.login, name="devshop-storefront-login"),
    path("store/<str:shop_domain>/account/logout", views.logout, name="devshop-storefront-logout"),
    path(f"{SHOP}/products/<str:handle>", commerce.product_page, name="devshop-product"),
    path(f"{SHOP}/cart", commerce.cart_page, name="devshop-cart"),
    path(f"{SHOP}/cart.js", commerce.cart_js, name="devshop-cart-js"),
    path(f"{SHOP}/cart/add", commerce.cart_add, name="devshop-cart-add"),
    path(f"{SHOP}/cart/change", commerce.cart_change, name="devshop-cart-change"),
    path(f"{SHOP}/discount/<str:code>", commerce.discount, name="devshop-discount"),
    path(f"{SHOP}/checkout", commerce.checkout, name="devshop-checkout"),
    path(f"{SHOP}/checkout/thank-you/<str:token>", commerce.thank_you, name="devshop-thank-you"),
    path(
        "store/<str:shop_domain>/extensions/<str:extension>/assets/<str:name>",
        views.extension_asset,
        name="devshop-storefront-asset",
    ),
    # The app proxy: /store/<shop>/<prefix>/<subpath>[/<rest>]. Shopify allows only these
    # four prefixes, so no other devshop route under /store/<shop>/ can be captured here; the
    # view checks prefix and subpath against shopify.app.toml.
    re_path(
        r"^store/(?P<shop_domain>[^/]+)/(?P<prefix>a|apps|community|tools)/(?P<subpath>[^/]+)"
        r"(?:/(?P<rest>.*))?$",
        proxy.app_proxy,
        name="devshop-app-proxy",
    ),
]
