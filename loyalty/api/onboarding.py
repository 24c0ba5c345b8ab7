"""The onboarding's steps: where the shop stands, the program template, enrolment of existing
customers with optional retroactive points (preview, then apply) and launch. The sync step's
progress (``GET /api/admin/sync``) and the launcher's app embed (``GET /api/admin/launcher``)
are shopify_app's: they read its sync runs and the shop's theme."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from loyalty import selectors
from loyalty.api.base import ERRORS, AdminApi, OutputModelSerializer
from loyalty.models import OnboardingProgress, Reward
from loyalty.services import onboarding


class ProgressSerializer(OutputModelSerializer):
    class Meta:
        model = OnboardingProgress
        fields = [
            "template_applied_at",
            "enrolled_at",
            "enrolled_members",
            "retroactive_days",
            "retroactive_points",
            "launched_at",
        ]
        ref_name = "OnboardingProgress"


class OnboardingApi(AdminApi):
    """Where the shop's onboarding stands (each step's time, once done)."""

    @extend_schema(operation_id="onboarding_get", responses={200: ProgressSerializer})
    def get(self, request):
        progress = onboarding.onboarding_progress_get(shop=request.shop)
        return Response(ProgressSerializer(progress).data)


class TemplateRewardSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=[str(Reward.Kind.FIXED_AMOUNT), str(Reward.Kind.FREE_SHIPPING)]
    )
    name = serializers.CharField(max_length=255)
    amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=0, allow_null=True, required=False
    )
    points_cost = serializers.IntegerField(min_value=1)

    class Meta:
        ref_name = "TemplateReward"

    def validate(self, attrs):
        if attrs["kind"] == Reward.Kind.FIXED_AMOUNT and not attrs.get("amount"):
            raise serializers.ValidationError({"amount": "An amount off is required."})
        if attrs["kind"] == Reward.Kind.FREE_SHIPPING:
            attrs["amount"] = None
        return attrs


class TemplateSerializer(serializers.Serializer):
    points_per_unit = serializers.DecimalField(max_digits=10, decimal_places=4, min_value=0)
    point_value_points = serializers.IntegerField(min_value=1)
    point_value_amount = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=0)
    signup_points = serializers.IntegerField(min_value=1)
    birthday_points = serializers.IntegerField(min_value=1)
    rewards = TemplateRewardSerializer(many=True, max_length=10)

    class Meta:
        ref_name = "ProgramTemplate"


class TemplateApi(AdminApi):
    """GET: the template's defaults, for the form. POST: apply the (edited) template."""

    @extend_schema(operation_id="onboarding_template_get", responses={200: TemplateSerializer})
    def get(self, request):
        return Response(TemplateSerializer(onboarding.TEMPLATE_DEFAULTS).data)

    @extend_schema(
        operation_id="onboarding_template_apply",
        request=TemplateSerializer,
        responses={200: ProgressSerializer, **ERRORS},
    )
    def post(self, request):
        payload = TemplateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        progress = onboarding.program_template_apply(
            shop=request.shop,
            staff_user_id=request.staff_user_id,
            template=payload.validated_data,
        )
        return Response(ProgressSerializer(progress).data)


class RetroactiveSerializer(serializers.Serializer):
    retroactive_days = serializers.IntegerField(
        min_value=0,
        max_value=onboarding.MAX_RETROACTIVE_DAYS,
        default=0,
        help_text="Award points for orders of the last N days (0: none).",
    )

    class Meta:
        ref_name = "RetroactiveInput"


class EnrolPreviewSerializer(serializers.Serializer):
    customers = serializers.IntegerField(help_text="Members enrolling would create.")
    excluded = serializers.IntegerField(help_text="Of which excluded by the exclusion tag.")
    retroactive_days = serializers.IntegerField()
    orders = serializers.IntegerField(help_text="Orders that would earn retroactively.")
    members_earning = serializers.IntegerField()
    points = serializers.IntegerField()
    cost = serializers.DecimalField(max_digits=14, decimal_places=2, help_text="Shop currency.")
    currency = serializers.CharField(help_text="The shop's currency (ISO 4217), for the cost.")

    class Meta:
        ref_name = "EnrolWithPointsPreview"


class EnrolApi(AdminApi):
    """GET previews enrolment (and retroactive points); POST applies the same. Idempotent."""

    @extend_schema(
        operation_id="onboarding_enrol_preview",
        parameters=[RetroactiveSerializer],
        responses={200: EnrolPreviewSerializer, **ERRORS},
    )
    def get(self, request):
        query = RetroactiveSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        days = query.validated_data["retroactive_days"]
        enrol = selectors.enrolment_preview_get(shop=request.shop)
        retro = onboarding.enrolment_retroactive_preview(shop=request.shop, days=days)
        body = {
            "customers": enrol.customers,
            "excluded": enrol.excluded,
            "retroactive_days": days,
            "orders": retro.orders,
            "members_earning": retro.members,
            "points": retro.points,
            "cost": retro.cost,
            "currency": request.shop.currency,
        }
        return Response(EnrolPreviewSerializer(body).data)

    @extend_schema(
        operation_id="onboarding_enrol_apply",
        request=RetroactiveSerializer,
        responses={200: ProgressSerializer, **ERRORS},
    )
    def post(self, request):
        payload = RetroactiveSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        progress = onboarding.members_enrol_with_points(
            shop=request.shop,
            staff_user_id=request.staff_user_id,
            days=payload.validated_data["retroactive_days"],
        )
        return Response(ProgressSerializer(progress).data)


class LaunchApi(AdminApi):
    """Launch the program (enables it; idempotent)."""

    @extend_schema(
        operation_id="onboarding_launch", request=None, responses={200: ProgressSerializer}
    )
    def post(self, request):
        progress = onboarding.program_launch(shop=request.shop, staff_user_id=request.staff_user_id)
        return Response(ProgressSerializer(progress).data)
