"""``GET /proxy/api/state``: the launcher's whole state, from the registered sections."""

from __future__ import annotations

from rest_framework.response import Response

from shopify_app.storefront import storefront_state
from shopify_app.views.api import AppProxyAPIView


class StorefrontStateApi(AppProxyAPIView):
    def get(self, request):
        return Response(
            storefront_state(shop=request.shop, customer_id=request.logged_in_customer_id)
        )
