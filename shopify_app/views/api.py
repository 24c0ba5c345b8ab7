"""Base classes for the JSON APIs other apps build on, and ``GET /api/admin/shop``.

- ``ShopAPIView``: every ``/api/admin/*`` view subclasses it. Session-token authentication puts
  the installed shop on ``request.shop`` (never from a parameter) and the staff member's id on
  ``request.staff_user_id``. An invalid or expired token answers 401 with
  ``X-Shopify-Retry-Invalid-Session-Request: 1``, App Bridge's cue to fetch a fresh token and
  retry, and the usual ``{"message","code","extra"}`` body.
- ``AppProxyAPIView``: storefront endpoints behind the app proxy; ``request.shop`` and
  ``request.logged_in_customer_id`` come from the verified proxy signature. Responses are
  per-customer, so they are marked ``private, no-store``, and rate-limited per customer and per
  shopper IP (``shopify_app.throttling``). ``SignedInCustomer`` guards the writes: a guest gets
  401 ``not_signed_in``.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from shopify_app.authentication import AppProxyAuthentication, SessionTokenAuthentication
from shopify_app.exceptions import CustomerNotSignedIn, InvalidSessionToken
from shopify_app.throttling import StorefrontCustomerThrottle, StorefrontIPThrottle

RETRY_INVALID_SESSION_HEADER = "X-Shopify-Retry-Invalid-Session-Request"


class ShopAPIView(APIView):
    authentication_classes = [SessionTokenAuthentication]
    permission_classes: list = []

    def handle_exception(self, exc: Exception) -> Response:
        response = super().handle_exception(exc)
        if isinstance(exc, InvalidSessionToken):
            response[RETRY_INVALID_SESSION_HEADER] = "1"
        return response


class SignedInCustomer(BasePermission):
    """Only a signed-in shopper (the signed ``logged_in_customer_id``) may call this."""

    def has_permission(self, request, view) -> bool:
        if getattr(request, "logged_in_customer_id", None) is None:
            # Raised rather than returned: DRF would answer a plain 403.
            raise CustomerNotSignedIn()
        return True


class AppProxyAPIView(APIView):
    authentication_classes = [AppProxyAuthentication]
    permission_classes: list = []
    throttle_classes = [StorefrontIPThrottle, StorefrontCustomerThrottle]

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Cache-Control"] = "private, no-store"
        return response


class ShopDetailApi(ShopAPIView):
    """The shop the admin is open on."""

    class OutputSerializer(serializers.Serializer):
        domain = serializers.CharField()
        name = serializers.CharField()
        currency = serializers.CharField()
        plan = serializers.CharField(source="app_plan")
        installed_at = serializers.DateTimeField()

        class Meta:
            ref_name = "Shop"  # the OpenAPI component's name

    @extend_schema(operation_id="shop_get", responses={200: OutputSerializer})
    def get(self, request):
        return Response(self.OutputSerializer(request.shop).data)
