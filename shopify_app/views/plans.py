"""``/api/admin/plans``: the billing plans and the shop's current one, and subscribing
(``shopify_app.services.billing``). A paid plan answers Shopify's confirmation URL, which the
admin opens at the top level; the plan changes only once Shopify reports the charge active."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from shopify_app.admin_api import GraphqlQueryError
from shopify_app.exceptions import (
    ShopifyHttpError,
    ShopifyRefused,
    ShopifyUnavailable,
    ShopifyUserErrors,
)
from shopify_app.services import billing
from shopify_app.views.api import ShopAPIView


class ErrorSerializer(serializers.Serializer):
    message = serializers.CharField()
    code = serializers.CharField()
    extra = serializers.DictField()

    class Meta:
        ref_name = "ShopifyError"


class PlanSerializer(serializers.Serializer):
    handle = serializers.CharField()
    name = serializers.CharField()
    price = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)
    currency = serializers.CharField()
    interval = serializers.CharField()
    trial_days = serializers.IntegerField()

    class Meta:
        ref_name = "Plan"


class PlansSerializer(serializers.Serializer):
    current = serializers.CharField(help_text="The shop's plan's handle.")
    plans = PlanSerializer(many=True)

    class Meta:
        ref_name = "Plans"


class PlanListApi(ShopAPIView):
    @extend_schema(operation_id="plans_get", responses={200: PlansSerializer})
    def get(self, request):
        body = {"current": request.shop.app_plan, "plans": list(billing.PLANS.values())}
        return Response(PlansSerializer(body).data)


class PlanSubscribeApi(ShopAPIView):
    """Move to a plan: free at once; a paid one through Shopify's confirmation page."""

    class InputSerializer(serializers.Serializer):
        plan = serializers.ChoiceField(choices=sorted(billing.PLANS))

        class Meta:
            ref_name = "PlanSubscribeInput"

    class OutputSerializer(serializers.Serializer):
        plan = serializers.CharField(help_text="The shop's plan now.")
        confirmation_url = serializers.URLField(
            allow_null=True, help_text="Open it at the top level to approve the charge."
        )

        class Meta:
            ref_name = "PlanSubscribeResult"

    @extend_schema(
        operation_id="plans_subscribe",
        request=InputSerializer,
        responses={200: OutputSerializer, 400: ErrorSerializer, 503: ErrorSerializer},
    )
    def post(self, request):
        payload = self.InputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            result = billing.billing_plan_subscribe(
                shop=request.shop, plan=payload.validated_data["plan"]
            )
        except ShopifyUserErrors as error:
            messages = "; ".join(str(e.get("message", "")) for e in error.user_errors)
            raise ShopifyRefused(
                f"Shopify refused the charge: {messages}", extra={"user_errors": error.user_errors}
            ) from error
        except (ShopifyHttpError, GraphqlQueryError) as error:
            raise ShopifyUnavailable("Shopify did not answer; try again in a moment.") from error
        body = {"plan": result.plan, "confirmation_url": result.confirmation_url}
        return Response(self.OutputSerializer(body).data)
