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
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from shopify_app import selectors
from shopify_app.admin_api import GraphqlQueryError
from shopify_app.authentication import AppProxyAuthentication, SessionTokenAuthentication
from shopify_app.exceptions import (
    CustomerNotSignedIn,
    InvalidSessionToken,
    ShopifyHttpError,
    ShopifyUnavailable,
)
from shopify_app.services import themes
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


class JSONOnlyNegotiation(DefaultContentNegotiation):
    """Storefront answers are only ever JSON: skip choosing a renderer, which reads DRF's
    ``?format=`` parameter and so parses the whole (long, signed) query string a second time
    on every request (bench/storefront_state.py). Parsers are still chosen by Content-Type."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class AppProxyAPIView(APIView):
    authentication_classes = [AppProxyAuthentication]
    permission_classes: list = []
    throttle_classes = [StorefrontIPThrottle, StorefrontCustomerThrottle]
    content_negotiation_class = JSONOnlyNegotiation

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


class SyncRunProgressSerializer(serializers.Serializer):
    resource = serializers.CharField()
    status = serializers.CharField()
    records_processed = serializers.IntegerField()
    object_count = serializers.IntegerField(allow_null=True)
    fraction = serializers.FloatField(help_text="0 to 1.")
    error = serializers.CharField()

    class Meta:
        ref_name = "SyncRunProgress"


class SyncProgressApi(ShopAPIView):
    """The initial sync's progress, per resource (the onboarding polls it)."""

    class OutputSerializer(serializers.Serializer):
        done = serializers.BooleanField(help_text="Every run completed.")
        failed = serializers.BooleanField(help_text="A run failed.")
        fraction = serializers.FloatField(help_text="0 to 1, over all runs.")
        runs = SyncRunProgressSerializer(many=True)

        class Meta:
            ref_name = "SyncProgress"

    @extend_schema(operation_id="sync_progress_get", responses={200: OutputSerializer})
    def get(self, request):
        runs = selectors.sync_initial_runs(shop=request.shop)
        rows = [
            {
                "resource": run.resource,
                "status": run.status,
                "records_processed": run.records_processed,
                "object_count": run.object_count,
                "fraction": selectors.sync_run_fraction(run),
                "error": run.error,
            }
            for run in runs
        ]
        body = {
            "done": bool(rows) and all(r["status"] == "completed" for r in rows),
            "failed": any(r["status"] == "failed" for r in rows),
            "fraction": sum(r["fraction"] for r in rows) / len(rows) if rows else 0.0,
            "runs": rows,
        }
        return Response(self.OutputSerializer(body).data)


class LauncherStatusSerializer(serializers.Serializer):
    active = serializers.BooleanField(help_text="The app embed is on in the main theme.")
    theme_name = serializers.CharField(allow_blank=True)
    editor_url = serializers.URLField(help_text="The theme editor, with the embed activated.")

    class Meta:
        ref_name = "LauncherStatus"


class LauncherApi(ShopAPIView):
    """Whether the launcher's app embed is on in the main theme (read from Shopify each time),
    and the theme editor deep link that turns it on."""

    @extend_schema(
        operation_id="onboarding_launcher_get", responses={200: LauncherStatusSerializer}
    )
    def get(self, request):
        try:
            status = themes.app_embed_status(shop=request.shop, handle=themes.LAUNCHER_EMBED)
        except (ShopifyHttpError, GraphqlQueryError) as error:
            raise ShopifyUnavailable("Shopify did not answer; check again in a moment.") from error
        body = {
            "active": status.active,
            "theme_name": status.theme_name,
            "editor_url": themes.app_embed_editor_url(
                shop=request.shop, handle=themes.LAUNCHER_EMBED
            ),
        }
        return Response(LauncherStatusSerializer(body).data)
