"""The referral admin API (``/api/admin/referrals/*``): thin views over the services and
selectors. The shop always comes from the session token (``request.shop``), never a
parameter, so another shop's referral answers 404."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from rest_framework import serializers
from rest_framework.response import Response

from referrals import selectors
from referrals.models import Referral, ReferralProgram
from referrals.services import decisions
from referrals.services.program import referral_program_get, referral_program_update
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
        extra_kwargs = {
            "referrer_points": {"min_value": 1, "max_value": 1_000_000},
            "code_expiry_days": {"min_value": 1, "max_value": 365},
            "attribution_days": {"min_value": 1, "max_value": 365},
            "hold_days": {"max_value": 365},
            "velocity_days": {"min_value": 1, "max_value": 365},
        }


class ReferralProgramApi(ShopAPIView):
    """GET the program; PATCH some of its settings."""

    def get(self, request):
        return Response(ProgramSerializer(referral_program_get(shop_id=request.shop.pk)).data)

    def patch(self, request):
        serializer = ProgramSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        program = referral_program_update(
            shop_id=request.shop.pk, changes=dict(serializer.validated_data)
        )
        return Response(ProgramSerializer(program).data)


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
    revenue."""

    def get(self, request):
        stats = selectors.program_stats(shop_id=request.shop.pk)
        return Response({**stats, "revenue": str(stats["revenue"])})


class DecisionSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=1000, default="")


class _DecisionApi(ShopAPIView):
    decide: Any = None

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
