"""The VIP club in the admin: the tier configuration (read, preview a proposal, apply it with
``If-Match``), the members per tier now, and staff's invitation-only assignments.

The tier fields are listed one by one (``TIER_FIELDS``), not taken from the model: a field the
engine does not read yet stays out of the contract until it does."""

from __future__ import annotations

from dataclasses import asdict
from decimal import Decimal

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from loyalty import selectors
from loyalty.api.base import EDIT_ERRORS, ERRORS, IF_MATCH, AdminApi, if_match
from loyalty.models import Member
from loyalty.services.ledger import MAX_POINTS
from loyalty.vip import selectors as vip_selectors
from loyalty.vip.config import (
    TierDistribution,
    TierInput,
    tier_config_preview,
    tier_input_problems,
    variant_id_parse,
)
from loyalty.vip.models import Tier, VipProgram
from loyalty.vip.staff import (
    member_vip_tier_assign,
    member_vip_tier_remove,
    tier_config_from,
    tier_config_save,
)

MAX_TIERS = 20
MAX_ID = 2**63 - 1  # a bigint: a larger id is unknown, not a database error


class TierInputSerializer(serializers.Serializer):
    """One tier of a proposed configuration (``vip.config.TierInput``)."""

    id = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="An existing tier's id; "
        "null for a new tier. Keeping the id keeps its members' history and entry rewards.",
    )  # fmt: skip
    name = serializers.CharField(max_length=64)
    rank = serializers.IntegerField(min_value=1, max_value=1000, help_text="1 = the lowest.")
    basis = serializers.ChoiceField(choices=Tier.Basis.choices)
    period = serializers.ChoiceField(choices=Tier.Period.choices)
    threshold = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=0,
        help_text="Money in the shop's currency (spent), points, or orders.",
    )  # fmt: skip
    multiplier = serializers.DecimalField(
        max_digits=6, decimal_places=3, min_value=0, max_value=100
    )
    entry_points = serializers.IntegerField(min_value=0, max_value=MAX_POINTS)
    perks = serializers.CharField(max_length=2000, allow_blank=True, required=False, default="")
    customer_tag = serializers.CharField(
        max_length=40, allow_blank=True, required=False, default=""
    )
    invitation_only = serializers.BooleanField(required=False, default=False)
    discount_percent = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=0, max_value=100, required=False,
        default=Decimal(0), help_text="Percent off every order for the tier's members, without "
        "a code (Shopify applies it to customers with the tier's tag); 0 = none.",
    )  # fmt: skip
    entry_reward_id = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, allow_null=True, default=None,
        help_text="An active catalog reward whose code is given on entering the tier.",
    )  # fmt: skip
    perk_reward_id = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, allow_null=True, default=None,
        help_text="A recurring perk: an active free-shipping or percent-off reward.",
    )  # fmt: skip
    perk_every = serializers.ChoiceField(
        choices=Tier.PerkEvery.choices, allow_blank=True, required=False, default="",
        help_text="How often the perk's code is issued; set with perk_reward_id, or neither.",
    )  # fmt: skip
    membership_variant_id = serializers.CharField(
        max_length=80, allow_null=True, allow_blank=True, required=False, default=None,
        help_text="The paid club (invitation-only tiers): the product variant that grants the "
        "tier, a numeric id or gid://shopify/ProductVariant/<id>.",
    )  # fmt: skip
    membership_term = serializers.IntegerField(
        min_value=0, max_value=3650, required=False, default=0
    )
    membership_term_unit = serializers.ChoiceField(
        choices=Tier.TermUnit.choices, required=False, default=Tier.TermUnit.MONTHS
    )

    class Meta:
        ref_name = "TierInput"

    def validate_membership_variant_id(self, value: str | None) -> int | None:
        try:
            variant = variant_id_parse(value)
            if variant is not None and variant > MAX_ID:
                raise ValueError(value)
            return variant
        except ValueError:
            raise serializers.ValidationError(
                "A product variant id, or gid://shopify/ProductVariant/<id>."
            ) from None

    def validate_customer_tag(self, value: str) -> str:
        if "," in value:  # Shopify splits tags on commas
            raise serializers.ValidationError("A tag cannot contain a comma.")
        return value

    def validate(self, attrs: dict) -> dict:
        threshold = attrs["threshold"]
        if attrs["basis"] == Tier.Basis.ORDERS and threshold != int(threshold):
            raise serializers.ValidationError(
                {"threshold": "A number of orders is a whole number."}
            )
        if attrs["discount_percent"] > 0 and not attrs["customer_tag"].strip():
            raise serializers.ValidationError(
                {"discount_percent": "An automatic discount needs the tier's customer tag."}
            )
        return attrs


class TierConfigInputSerializer(serializers.Serializer):
    tiers = TierInputSerializer(many=True, max_length=MAX_TIERS)
    downgrade = serializers.ChoiceField(choices=VipProgram.Downgrade.choices)
    grace_days = serializers.IntegerField(min_value=0, max_value=3650)

    class Meta:
        ref_name = "TierConfigInput"

    def validate_tiers(self, tiers: list[dict]) -> list[dict]:
        ranks = [t["rank"] for t in tiers]
        if len(set(ranks)) != len(ranks):
            raise serializers.ValidationError("Each tier needs a rank of its own.")
        ids = [t["id"] for t in tiers if t["id"] is not None]
        shop = self.context["shop"]
        known = set(
            Tier.objects.filter(shop=shop, pk__in=ids).values_list("pk", flat=True)
        )  # another shop's id is as unknown as a made-up one
        if len(set(ids)) != len(ids) or set(ids) - known:
            raise serializers.ValidationError("Unknown or repeated tier id.")
        # The service's own rules on each tier's rewards and membership, keyed by the tier:
        # another shop's reward id is as unknown as a made-up one.
        problems = tier_input_problems(shop=shop, tiers=[TierInput(**t) for t in tiers])
        if problems:
            raise serializers.ValidationError(
                {i: {k: [v] for k, v in p.items()} for i, p in problems.items()}
            )
        return tiers


class TierSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    rank = serializers.IntegerField()
    basis = serializers.ChoiceField(choices=Tier.Basis.choices)
    period = serializers.ChoiceField(choices=Tier.Period.choices)
    threshold = serializers.DecimalField(max_digits=14, decimal_places=2)
    multiplier = serializers.DecimalField(max_digits=6, decimal_places=3)
    entry_points = serializers.IntegerField()
    perks = serializers.CharField()
    customer_tag = serializers.CharField()
    invitation_only = serializers.BooleanField()
    discount_percent = serializers.DecimalField(max_digits=5, decimal_places=2)
    entry_reward_id = serializers.IntegerField(allow_null=True)
    perk_reward_id = serializers.IntegerField(allow_null=True)
    perk_every = serializers.CharField(help_text='"month", "quarter", or "" (no perk).')
    membership_variant_id = serializers.IntegerField(allow_null=True)
    membership_term = serializers.IntegerField()
    membership_term_unit = serializers.ChoiceField(choices=Tier.TermUnit.choices)

    class Meta:
        ref_name = "Tier"


class TierConfigSerializer(serializers.Serializer):
    version = serializers.CharField(help_text="Send it back as If-Match to apply a change.")
    enabled = serializers.BooleanField()
    downgrade = serializers.ChoiceField(choices=VipProgram.Downgrade.choices)
    grace_days = serializers.IntegerField()
    tiers = TierSerializer(many=True)

    class Meta:
        ref_name = "TierConfig"


class DistributionResultSerializer(serializers.Serializer):
    """Members per tier of the proposal (in its order), in none, and moved up or down."""

    counts = serializers.ListField(child=serializers.IntegerField())
    none = serializers.IntegerField()
    up = serializers.IntegerField()
    down = serializers.IntegerField()

    class Meta:
        ref_name = "TierPreview"


def _result(result: TierDistribution) -> dict:
    data = asdict(result)
    return {
        "counts": data["per_tier"],
        "none": data["none"],
        "up": data["up"],
        "down": data["down"],
    }


def _config(shop) -> dict:
    program = vip_selectors.vip_program_for(shop=shop)
    return {
        "version": str(program.version),
        "enabled": program.enabled,
        "downgrade": program.downgrade,
        "grace_days": program.grace_days,
        "tiers": vip_selectors.tier_list(shop=shop),
    }


def _versioned(body: dict) -> Response:
    response = Response(body)
    response["ETag"] = f'"{body["version"]}"'
    return response


def _proposal(request):
    payload = TierConfigInputSerializer(data=request.data, context={"shop": request.shop})
    payload.is_valid(raise_exception=True)
    return tier_config_from(payload.validated_data)


class TierConfigApi(AdminApi):
    """The tier configuration in force. Applying a new one re-decides every member's tier (the
    preview's counts are what it does) and answers the result; send ``If-Match``."""

    class AppliedSerializer(TierConfigSerializer):
        result = DistributionResultSerializer()

        class Meta:
            ref_name = "TierConfigApplied"

    @extend_schema(operation_id="vip_config_get", responses={200: TierConfigSerializer})
    def get(self, request):
        return _versioned(TierConfigSerializer(_config(request.shop)).data)

    @extend_schema(
        operation_id="vip_config_apply",
        request=TierConfigInputSerializer,
        parameters=[IF_MATCH],
        responses={200: AppliedSerializer, **EDIT_ERRORS},
    )
    def put(self, request):
        config = _proposal(request)
        _, result = tier_config_save(
            shop=request.shop,
            config=config,
            staff_user_id=request.staff_user_id,
            version=if_match(request),
        )
        body = {**_config(request.shop), "result": _result(result)}
        return _versioned(self.AppliedSerializer(body).data)


class TierConfigPreviewApi(AdminApi):
    """What applying a proposed configuration would do to the shop's members now: members per
    tier (in the proposal's order), in none, and how many move up or down. Writes nothing."""

    @extend_schema(
        operation_id="vip_config_preview",
        request=TierConfigInputSerializer,
        responses={200: DistributionResultSerializer, **ERRORS},
    )
    def post(self, request):
        config = _proposal(request)
        return Response(_result(tier_config_preview(shop=request.shop, config=config)))


class TierCountSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    rank = serializers.IntegerField()
    invitation_only = serializers.BooleanField()
    active = serializers.BooleanField()
    members = serializers.IntegerField()

    class Meta:
        ref_name = "TierCount"


class TierDistributionApi(AdminApi):
    """Active members per tier now (the admin's chart)."""

    class OutputSerializer(serializers.Serializer):
        tiers = TierCountSerializer(many=True)
        none = serializers.IntegerField()
        total = serializers.IntegerField()

        class Meta:
            ref_name = "TierDistribution"

    @extend_schema(operation_id="vip_distribution_get", responses={200: OutputSerializer})
    def get(self, request):
        per_tier, none = vip_selectors.tier_distribution(shop=request.shop)
        tiers = [
            {"id": t.pk, "name": t.name, "rank": t.rank, "invitation_only": t.invitation_only,
             "active": t.active, "members": n}
            for t, n in per_tier
        ]  # fmt: skip
        body = {"tiers": tiers, "none": none, "total": none + sum(n for _, n in per_tier)}
        return Response(self.OutputSerializer(body).data)


class TierRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    rank = serializers.IntegerField()
    invitation_only = serializers.BooleanField()

    class Meta:
        ref_name = "TierRef"


class TierChangeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    from_tier = TierRefSerializer(allow_null=True)
    to_tier = TierRefSerializer(allow_null=True)
    reason = serializers.CharField()
    created_at = serializers.DateTimeField()

    class Meta:
        ref_name = "TierChange"


class MemberVipSerializer(serializers.Serializer):
    """A member's place in the club: the tier, its term, who assigned it, and the history."""

    tier = TierRefSerializer(allow_null=True)
    term_start = serializers.DateTimeField(allow_null=True)
    kept_until = serializers.DateTimeField(
        allow_null=True, help_text="The tier is kept at least until then; null: no term end."
    )
    assigned_by = serializers.CharField(help_text="The staff member, for an invitation-only tier.")
    history = TierChangeSerializer(many=True)

    class Meta:
        ref_name = "MemberVip"


def member_vip(*, shop, member: Member) -> dict:
    state = vip_selectors.member_tier_get(shop=shop, member=member)
    return {
        "tier": state.tier if state else None,
        "term_start": state.term_start if state else None,
        "kept_until": state.kept_until if state else None,
        "assigned_by": state.assigned_by if state else "",
        "history": vip_selectors.member_tier_history(shop=shop, member=member),
    }


class MemberVipTierApi(AdminApi):
    """Staff put a member on an invitation-only tier (PUT) or take them off it (DELETE). Both
    are idempotent: a repeat, or a double click, changes nothing the second time."""

    def _objects(self, request, member_id: int, tier_id: int):
        member = selectors.member_get(shop=request.shop, member_id=member_id)
        if member is None:
            raise self.not_found("member")
        tier = vip_selectors.tier_get(shop=request.shop, tier_id=tier_id)
        if tier is None:
            raise self.not_found("tier")
        return member, tier

    @extend_schema(
        operation_id="members_vip_tier_assign",
        request=None,
        responses={200: MemberVipSerializer, **ERRORS},
    )
    def put(self, request, member_id: int, tier_id: int):
        member, tier = self._objects(request, member_id, tier_id)
        member_vip_tier_assign(member=member, tier=tier, staff_user_id=request.staff_user_id)
        return Response(MemberVipSerializer(member_vip(shop=request.shop, member=member)).data)

    @extend_schema(
        operation_id="members_vip_tier_remove",
        request=None,
        responses={200: MemberVipSerializer, **ERRORS},
    )
    def delete(self, request, member_id: int, tier_id: int):
        member, tier = self._objects(request, member_id, tier_id)
        member_vip_tier_remove(member=member, tier=tier, staff_user_id=request.staff_user_id)
        return Response(MemberVipSerializer(member_vip(shop=request.shop, member=member)).data)
