from django.urls import path, re_path

from devshop import proxy
from devshop.storefront import commerce, views

_LOCALES = "|".join(views.SECONDARY_LOCALES)
# Shopify's storefront paths, optionally under a secondary locale's prefix (/fr/…).
_LOCALE_PREFIX = rf"(?:(?P<locale>{_LOCALES})/)?"


def _shop(pattern: str) -> str:
    return rf"^store/(?P<shop_domain>[^/]+)/{_LOCALE_PREFIX}{pattern}$"


urlpatterns = [
    path("store/<str:shop_domain>/", views.home, name="devshop-storefront"),
    # A secondary locale's home page (Shopify serves /fr/, /de/, …).
    re_path(
        rf"^store/(?P<shop_domain>[^/]+)/(?P<locale>{_LOCALES})/$",
        views.home,
        name="devshop-storefront-locale",
    ),
    path("store/<str:shop_domain>/account/login", views.login, name="devshop-storefront-login"),
    path("store/<str:shop_domain>/account/logout", views.logout, name="devshop-storefront-logout"),
    # The shop: also under a secondary locale's prefix (/fr/cart), as Shopify serves it.
    re_path(_shop(r"products/(?P<handle>[^/]+)"), commerce.product_page, name="devshop-product"),
    re_path(_shop(r"cart"), commerce.cart_page, name="devshop-cart"),
    re_path(_shop(r"cart\.js"), commerce.cart_js, name="devshop-cart-js"),
    re_path(_shop(r"cart/add"), commerce.cart_add, name="devshop-cart-add"),
    re_path(_shop(r"cart/change"), commerce.cart_change, name="devshop-cart-change"),
    re_path(_shop(r"discount/(?P<code>[^/]+)"), commerce.discount, name="devshop-discount"),
    re_path(_shop(r"checkout"), commerce.checkout, name="devshop-checkout"),
    re_path(
        _shop(r"checkout/thank-you/(?P<token>[^/]+)"),
        commerce.thank_you,
        name="devshop-thank-you",
    ),
    path(
        "store/<str:shop_domain>/extensions/<str:extension>/assets/<str:name>",
        views.extension_asset,
        name="devshop-storefront-asset",
    ),
    # The app proxy: /store/<shop>/<prefix>/<subpath>[/<rest>]. Shopify allows only these
    # four prefixes, so no other devshop route under /store/<shop>/ can be captured here; the
    # view checks prefix and subpath against shopify.app.toml. Under a secondary locale's
    # prefix too (/fr/apps/rewards), as on Shopify.
    re_path(
        rf"^store/(?P<shop_domain>[^/]+)/(?:(?P<locale>{_LOCALES})/)?"
        r"(?P<prefix>a|apps|community|tools)/(?P<subpath>[^/]+)(?:/(?P<rest>.*))?$",
        proxy.app_proxy,
        name="devshop-app-proxy",
    ),
]
