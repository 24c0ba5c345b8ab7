from django.urls import path, re_path

from devshop import proxy
from devshop.storefront import views

_LOCALES = "|".join(views.SECONDARY_LOCALES)

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
