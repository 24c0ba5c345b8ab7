"""``GET /proxy/api/state``: the launcher's whole state, from the registered sections.

Cached per shopper (``shopify_app.storefront_cache``): the signature is checked on every
request, but the shop row and the sections are read only when the cached rendering is missing
or out of date, so a hit costs one Redis round trip. The installed check holds on a hit too:
uninstalling bumps the shop's version, so the next request renders, and refuses.
"""

from __future__ import annotations

from django.http import HttpResponse

from shopify_app.authentication import AppProxySignatureAuthentication, installed_shop_get
from shopify_app.storefront import storefront_state_render
from shopify_app.storefront_cache import state_cached
from shopify_app.views.api import AppProxyAPIView


class StorefrontStateApi(AppProxyAPIView):
    authentication_classes = [AppProxySignatureAuthentication]

    def get(self, request):
        domain, customer_id = request.proxy_shop_domain, request.logged_in_customer_id

        def render() -> tuple[bytes, float | None]:
            shop = installed_shop_get(domain)  # raises ShopNotInstalled (403)
            return storefront_state_render(shop=shop, customer_id=customer_id)

        body = state_cached(domain=domain, customer_id=customer_id, render=render)
        return HttpResponse(body, content_type="application/json")
