"""Customers in the admin: the member list, a member's profile, adjusting points, excluding and
including."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from loyalty import selectors
from loyalty.api.base import (
    ERRORS,
    IDEMPOTENCY_KEY,
    AdminApi,
    ErrorSerializer,
    OutputModelSerializer,
    PageQuerySerializer,
    page_of,
    paginate,
)
from loyalty.api.vip import MemberVipSerializer, member_vip
from loyalty.models import LotAllocation, Member, PointsLot, PointsTransaction, Redemption
from loyalty.services.ledger import MAX_POINTS
from loyalty.services.program import points_value
from loyalty.services.staff import member_points_adjust, member_state_set


class MemberSerializer(OutputModelSerializer):
    email = serializers.CharField(source="customer.email", allow_null=True)
    first_name = serializers.CharField(source="customer.first_name", allow_null=True)
    last_name = serializers.CharField(source="customer.last_name", allow_null=True)
    customer_shopify_id = serializers.IntegerField(source="customer.shopify_id")

    class Meta:
        model = Member
        fields = [
            "id",
            "customer_shopify_id",
            "email",
            "first_name",
            "last_name",
            "state",
            "excluded_reason",
            "balance",
            "pending",
            "lifetime_earned",
            "joined_at",
            "last_activity_at",
        ]
        ref_name = "Member"


class LotSerializer(OutputModelSerializer):
    class Meta:
        model = PointsLot
        fields = ["id", "amount", "remaining", "earned_at", "expires_at"]
        ref_name = "Lot"


class AllocationSerializer(OutputModelSerializer):
    lot_earned_at = serializers.DateTimeField(source="lot.earned_at")
    lot_expires_at = serializers.DateTimeField(source="lot.expires_at", allow_null=True)

    class Meta:
        model = LotAllocation
        fields = ["lot_id", "amount", "lot_earned_at", "lot_expires_at"]
        ref_name = "LotAllocation"


class EntrySerializer(OutputModelSerializer):
    """One ledger entry with the lot it opened (a credit) or the lots it used (a debit)."""

    lot = LotSerializer(read_only=True, allow_null=True, default=None)
    allocations = AllocationSerializer(many=True, read_only=True)

    class Meta:
        model = PointsTransaction
        fields = [
            "id",
            "amount",
            "kind",
            "status",
            "reason",
            "note",
            "created_by",
            "created_at",
            "posts_at",
            "expires_at",
            "lot",
            "allocations",
        ]
        ref_name = "LedgerEntry"


class CodeSerializer(OutputModelSerializer):
    reward_name = serializers.CharField(source="reward.name")

    class Meta:
        model = Redemption
        fields = [
            "id",
            "code",
            "status",
            "points",
            "reward_name",
            "created_at",
            "issued_at",
            "used_at",
            "ends_at",
        ]
        ref_name = "Code"


class MemberListQuerySerializer(PageQuerySerializer):
    search = serializers.CharField(required=False, allow_blank=True, max_length=255, default="")
    state = serializers.ChoiceField(choices=Member.State.choices, required=False, default="")
    balance_min = serializers.IntegerField(required=False, min_value=0, max_value=MAX_POINTS)
    balance_max = serializers.IntegerField(required=False, min_value=0, max_value=MAX_POINTS)
    sort = serializers.ChoiceField(
        choices=sorted(selectors.MEMBER_SORTS), required=False, default="-last_activity_at"
    )

    def validate(self, attrs):
        low, high = attrs.get("balance_min"), attrs.get("balance_max")
        if low is not None and high is not None and low > high:
            raise serializers.ValidationError({"balance_max": "Must be at least balance_min."})
        return attrs


class MemberListApi(AdminApi):
    """Members: search by email or name, filter by state and balance, sort."""

    @extend_schema(
        operation_id="members_list",
        parameters=[MemberListQuerySerializer],
        responses={200: page_of(MemberSerializer), **ERRORS},
    )
    def get(self, request):
        query = MemberListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        members = selectors.member_list(
            shop=request.shop,
            search=data["search"],
            state=data["state"],
            balance_min=data.get("balance_min"),
            balance_max=data.get("balance_max"),
            ordering=data["sort"],
        )
        return paginate(self, members, MemberSerializer)


class MemberApiMixin(AdminApi):
    def _member(self, request, member_id: int) -> Member:
        member = selectors.member_get(shop=request.shop, member_id=member_id)
        if member is None:
            raise self.not_found("member")
        return member


class MemberDetailApi(MemberApiMixin):
    """A member's profile: balance, pending, open lots with their expiry, the history explained
    lot by lot, and their codes."""

    class OutputSerializer(serializers.Serializer):
        member = MemberSerializer()
        balance_value = serializers.DecimalField(max_digits=14, decimal_places=2)
        currency = serializers.CharField(help_text="The shop currency of ``balance_value``.")
        shortfall = serializers.IntegerField(help_text="Points refunds could not take back.")
        lots = LotSerializer(many=True)
        history = EntrySerializer(many=True)
        codes = CodeSerializer(many=True)
        vip = MemberVipSerializer()

        class Meta:
            ref_name = "MemberProfile"

    @extend_schema(operation_id="members_get", responses={200: OutputSerializer, **ERRORS})
    def get(self, request, member_id: int):
        shop = request.shop
        member = self._member(request, member_id)
        settings = selectors.program_settings_for(shop=shop)
        profile = {
            "member": member,
            "balance_value": points_value(settings=settings, points=member.balance),
            "currency": shop.currency,
            "shortfall": selectors.member_shortfall(shop=shop, member=member),
            "lots": selectors.member_lots(shop=shop, member=member),
            "history": selectors.member_history(shop=shop, member=member),
            "codes": selectors.redemption_list(shop=shop, member=member),
            "vip": member_vip(shop=shop, member=member),
        }
        return Response(self.OutputSerializer(profile).data)


class MemberAdjustApi(MemberApiMixin):
    """Add (positive) or deduct (negative) points, with a reason for staff and an optional note
    the customer sees. A retry with the same ``Idempotency-Key`` returns the first entry."""

    class InputSerializer(serializers.Serializer):
        points = serializers.IntegerField(min_value=-MAX_POINTS, max_value=MAX_POINTS)
        reason = serializers.CharField(max_length=255)
        note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")

        class Meta:
            ref_name = "PointsAdjustment"

        def validate_points(self, value: int) -> int:
            if value == 0:
                raise serializers.ValidationError("Enter a number of points other than 0.")
            return value

    class OutputSerializer(serializers.Serializer):
        entry = EntrySerializer()
        member = MemberSerializer()

        class Meta:
            ref_name = "PointsAdjustmentResult"

    @extend_schema(
        operation_id="members_adjust_points",
        request=InputSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={200: OutputSerializer, 201: OutputSerializer, 409: ErrorSerializer, **ERRORS},
    )
    def post(self, request, member_id: int):
        member = self._member(request, member_id)
        key = request.headers.get("Idempotency-Key", "").strip()
        if not key or len(key) > 128:
            raise serializers.ValidationError(
                {"Idempotency-Key": "Send one key (up to 128 characters) per submission."}
            )
        payload = self.InputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        entry, created = member_points_adjust(
            member=member,
            staff_user_id=request.staff_user_id,
            idempotency_key=key,
            **payload.validated_data,
        )
        member.refresh_from_db()
        body = self.OutputSerializer({"entry": entry, "member": member}).data
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class MemberExcludeApi(MemberApiMixin):
    """Exclude a member: they earn nothing and cannot redeem; their balance is kept."""

    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=255, required=False, allow_blank=True)

        class Meta:
            ref_name = "MemberExclusion"

    @extend_schema(
        operation_id="members_exclude",
        request=InputSerializer,
        responses={200: MemberSerializer, **ERRORS},
    )
    def post(self, request, member_id: int):
        member = self._member(request, member_id)
        payload = self.InputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        member = member_state_set(
            member=member,
            excluded=True,
            reason=payload.validated_data.get("reason", ""),
            staff_user_id=request.staff_user_id,
        )
        return Response(
            MemberSerializer(selectors.member_get(shop=request.shop, member_id=member.pk)).data
        )


class MemberIncludeApi(MemberApiMixin):
    """Bring an excluded member back into the program."""

    @extend_schema(
        operation_id="members_include", request=None, responses={200: MemberSerializer, **ERRORS}
    )
    def post(self, request, member_id: int):
        member = member_state_set(
            member=self._member(request, member_id),
            excluded=False,
            staff_user_id=request.staff_user_id,
        )
        return Response(
            MemberSerializer(selectors.member_get(shop=request.shop, member_id=member.pk)).data
        )
