"""The referral admin API (``/api/admin/referrals/*``): thin views over the services and
selectors. The shop always comes from the session token (``request.shop``), never a
parameter, so another shop's referral answers 404."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from loyalty.api.base import EDIT_ERRORS, ERRORS, IF_MATCH, VersionField, if_match, with_version
from referrals import selectors
from referrals.models import Referral, ReferralProgram
from referrals.services import decisions
from referrals.services.program import referral_program_edit, referral_program_get
from shopify_app.views.api import ShopAPIView


class ProgramSerializer(serializers.ModelSerializer):
    # A reward of loyalty's catalog instead of points (its id; null for points). Checked
    # against the shop's catalog by the service, never looked up across shops here.
    referrer_reward = serializers.IntegerField(
        source="referrer_reward_id", allow_null=True, required=False, min_value=1
    )

    class Meta:
        model = ReferralProgram
        fields = [
            "active",
            "referrer_points",
            "referrer_reward",
            "offer_kind",
            "offer_value",
            "minimum_order",
            "code_expiry_days",
            "attribution_days",
            "hold_days",
            "fraud_checks",
            "velocity_per_referrer",
            "velocity_per_ip",
            "velocity_days",
        ]
        ref_name = "ReferralProgramInput"
        extra_kwargs = {
            "referrer_points": {"min_value": 1, "max_value": 1_000_000},
            "code_expiry_days": {"min_value": 1, "max_value": 365},
            "attribution_days": {"min_value": 1, "max_value": 365},
            "hold_days": {"max_value": 365},
            "velocity_days": {"min_value": 1, "max_value": 365},
        }


class ProgramOutputSerializer(ProgramSerializer):
    version = VersionField()

    class Meta(ProgramSerializer.Meta):
        fields = [*ProgramSerializer.Meta.fields, "version", "updated_at"]
        ref_name = "ReferralProgram"


class ReferralProgramApi(ShopAPIView):
    """GET the program (its version as the ``ETag``); PATCH some of its settings with
    ``If-Match``, so two staff editing at once cannot overwrite each other."""

    @extend_schema(operation_id="referral_program_get", responses={200: ProgramOutputSerializer})
    def get(self, request):
        program = referral_program_get(shop_id=request.shop.pk)
        return with_version(Response(ProgramOutputSerializer(program).data), program)

    @extend_schema(
        operation_id="referral_program_update",
        request=ProgramSerializer,
        parameters=[IF_MATCH],
        responses={200: ProgramOutputSerializer, **EDIT_ERRORS},
    )
    def patch(self, request):
        serializer = ProgramSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        program = referral_program_edit(
            shop_id=request.shop.pk,
            staff_user_id=request.staff_user_id,
            version=if_match(request),
            changes=dict(serializer.validated_data),
        )
        return with_version(Response(ProgramOutputSerializer(program).data), program)


class ReferrerSerializer(serializers.Serializer):
    member_id = serializers.IntegerField()
    customer_id = serializers.CharField()
    email = serializers.CharField(allow_null=True)


class ReferralRowSerializer(serializers.Serializer):
    """A referral in the admin's list (``referral_row``); ``fraud_evidence`` is
    ``{"findings": [{"rule", "decision", "evidence": {…}}]}``."""

    id = serializers.IntegerField()
    referrer = ReferrerSerializer()
    friend_email = serializers.CharField()
    status = serializers.ChoiceField(choices=Referral.Status.choices)
    discount_code = serializers.CharField()
    code_status = serializers.CharField()
    attributed_by = serializers.CharField()
    order_id = serializers.CharField(allow_null=True)
    order_total = serializers.CharField(allow_null=True)
    reward_points = serializers.IntegerField()
    reward_status = serializers.CharField()
    fraud_rule = serializers.CharField()
    fraud_evidence = serializers.JSONField()
    decided_by = serializers.CharField()
    decided_at = serializers.DateTimeField(allow_null=True)
    decision_note = serializers.CharField()
    claimed_at = serializers.DateTimeField()
    completed_at = serializers.DateTimeField(allow_null=True)

    class Meta:
        ref_name = "Referral"


class ReferralPageSerializer(serializers.Serializer):
    referrals = ReferralRowSerializer(many=True)
    next_before = serializers.IntegerField(allow_null=True)


class ReferralStatsSerializer(serializers.Serializer):
    invited = serializers.IntegerField()
    claimed = serializers.IntegerField()
    completed = serializers.IntegerField()
    held = serializers.IntegerField()
    rejected = serializers.IntegerField()
    reversed = serializers.IntegerField()
    revenue = serializers.CharField(help_text="In the shop's currency (a decimal string).")
    currency = serializers.CharField()


def referral_row(referral: Referral) -> dict[str, Any]:
    """A referral as the admin's list shows it: who, what happened, why, who decided."""
    customer = referral.referrer.customer
    return {
        "id": referral.pk,
        "referrer": {
            "member_id": referral.referrer_id,
            "customer_id": str(customer.shopify_id),
            "email": customer.email,
        },
        "friend_email": "" if referral.redacted_at else referral.friend_email,
        "status": referral.status,
        "discount_code": referral.discount_code,
        "code_status": referral.code_status,
        "attributed_by": referral.attributed_by,
        "order_id": str(referral.order_shopify_id) if referral.order_shopify_id else None,
        "order_total": str(referral.order_total) if referral.order_total is not None else None,
        "reward_points": referral.reward_points,
        "reward_status": selectors.reward_status(referral),
        # The catalog reward given instead of points, when the program names one: its code
        # as made in Shopify, and why it failed when it did.
        "reward": {
            **selectors.reward_json(referral),
            "code": referral.reward_code or None,
            "code_status": referral.reward_code_status,
            "code_error": referral.reward_code_error,
        },
        "fraud_rule": referral.fraud_rule,
        "fraud_evidence": referral.fraud_evidence,
        "decided_by": referral.decided_by,
        "decided_at": referral.decided_at,
        "decision_note": referral.decision_note,
        "claimed_at": referral.claimed_at,
        "completed_at": referral.completed_at,
    }


class ReferralListApi(ShopAPIView):
    """GET the referrals, newest first (``?status=held`` for the review queue), 100 a page
    (``?before=<id>`` for the next)."""

    PAGE = 100

    @extend_schema(
        operation_id="referrals_list",
        parameters=[
            OpenApiParameter("status", str, enum=Referral.Status.values),
            OpenApiParameter("before", int),
        ],
        responses={200: ReferralPageSerializer, **ERRORS},
    )
    def get(self, request):
        status = request.query_params.get("status") or None
        if status and status not in Referral.Status.values:
            raise serializers.ValidationError({"status": [f"one of {Referral.Status.values}"]})
        qs = selectors.referrals_list(shop_id=request.shop.pk, status=status)
        before = request.query_params.get("before")
        if before:
            if not before.isdigit():
                raise serializers.ValidationError({"before": ["a referral id"]})
            qs = qs.filter(pk__lt=int(before))
        rows = list(qs.order_by("-pk")[: self.PAGE + 1])
        return Response(
            {
                "referrals": [referral_row(r) for r in rows[: self.PAGE]],
                "next_before": rows[self.PAGE - 1].pk if len(rows) > self.PAGE else None,
            }
        )


class ReferralStatsApi(ShopAPIView):
    """GET the program's funnel: invited, claimed, completed, held, rejected, reversed,
    revenue (of completed referred orders, in the shop's currency)."""

    @extend_schema(operation_id="referral_stats", responses={200: ReferralStatsSerializer})
    def get(self, request):
        stats = selectors.program_stats(shop_id=request.shop.pk)
        return Response(
            {**stats, "revenue": str(stats["revenue"]), "currency": request.shop.currency}
        )


class DecisionSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=1000, default="")


class _DecisionApi(ShopAPIView):
    decide: Any = None

    @extend_schema(
        request=DecisionSerializer, responses={200: ReferralRowSerializer, **EDIT_ERRORS}
    )
    def post(self, request, referral_id: int):
        serializer = DecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            referral = type(self).decide(
                shop_id=request.shop.pk,
                referral_id=referral_id,
                staff=f"staff:{request.staff_user_id}",
                note=serializer.validated_data["note"],
            )
        except Referral.DoesNotExist as exc:
            raise Http404 from exc
        return Response(referral_row(referral))


class ReferralApproveApi(_DecisionApi):
    """POST: approve a held or rejected referral (the reward follows)."""

    decide = staticmethod(decisions.referral_approve)


class ReferralRejectApi(_DecisionApi):
    """POST: reject a referral (a still-pending reward is voided)."""

    decide = staticmethod(decisions.referral_reject)
