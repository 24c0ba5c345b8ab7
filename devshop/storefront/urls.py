from django.urls import path, re_path

from devshop import proxy
from devshop.storefront import views

urlpatterns = [
    path("store/<str:shop_domain>/", views.home, name="devshop-storefront"),
    path("store/<str:shop_domain>/account/login", views.login, name="devshop-storefront-login"),
    path("store/<str:shop_domain>/account/logout", views.logout, name="devshop-storefront-logout"),
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
