"""Reads for the launcher and the admin. Every selector takes the shop: no query crosses shops."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.expressions import RawSQL

from loyalty.models import (
    ChangeLog,
    EarningRule,
    ImportBatch,
    LotAllocation,
    Member,
    OrderPoints,
    PointsLot,
    PointsTransaction,
    ProgramSettings,
    Redemption,
    Reward,
)
from loyalty.services.program import points_value, program_settings_get
from shopify_app.models import Customer, Shop


def program_settings_for(*, shop: Shop) -> ProgramSettings:
    return program_settings_get(shop_id=shop.pk)


def member_get(*, shop: Shop, member_id: int) -> Member | None:
    return Member.objects.select_related("customer").filter(shop=shop, pk=member_id).first()


def member_get_by_customer(*, shop: Shop, customer_shopify_id: int | None) -> Member | None:
    """The member of a Shopify customer id (the launcher's ``logged_in_customer_id``, a
    compliance request's customer); None for no id (a guest, a request by email only)."""
    if customer_shopify_id is None:
        return None
    return (
        Member.objects.select_related("customer")
        .filter(shop=shop, customer__shopify_id=customer_shopify_id)
        .first()
    )


# The admin's customer list sorts: the API name → the ORDER BY (pk breaks ties, so the
# cursor pagination's order is total).
MEMBER_SORTS = {
    "-last_activity_at": ("-last_activity_at", "-pk"),
    "last_activity_at": ("last_activity_at", "pk"),
    "-balance": ("-balance", "-pk"),
    "balance": ("balance", "pk"),
    "-joined_at": ("-joined_at", "-pk"),
    "joined_at": ("joined_at", "pk"),
}


def member_list(
    *,
    shop: Shop,
    search: str = "",
    state: str = "",
    balance_min: int | None = None,
    balance_max: int | None = None,
    ordering: str = "-last_activity_at",
) -> QuerySet[Member]:
    """Members for the admin list: search by email or name (every word must match one of
    them, so "ada love" finds Ada Lovelace), filter by state and balance range."""
    members = Member.objects.filter(shop=shop).select_related("customer")
    for word in search.split()[:5]:
        members = members.filter(
            Q(customer__email__icontains=word)
            | Q(customer__first_name__icontains=word)
            | Q(customer__last_name__icontains=word)
        )
    if state:
        members = members.filter(state=state)
    if balance_min is not None:
        members = members.filter(balance__gte=balance_min)
    if balance_max is not None:
        members = members.filter(balance__lte=balance_max)
    return members.order_by(*MEMBER_SORTS.get(ordering, MEMBER_SORTS["-last_activity_at"]))


def redemption_list(*, shop: Shop, member: Member, limit: int = 100) -> list[Redemption]:
    """The member's codes, newest first, whatever their status."""
    return list(
        Redemption.objects.filter(shop=shop, member=member)
        .select_related("reward")
        .order_by("-created_at")[:limit]
    )


def changelog_list(*, shop: Shop) -> QuerySet[ChangeLog]:
    return ChangeLog.objects.filter(shop=shop).order_by("-created_at", "-pk")


def member_history(*, shop: Shop, member: Member, limit: int = 100) -> list[PointsTransaction]:
    """A member's entries, newest first, each with the lots it consumed (``allocations``) or
    opened (``lot``): the lot-by-lot explanation of the balance."""
    return list(
        PointsTransaction.objects.filter(shop=shop, member=member)
        .select_related("lot")
        .prefetch_related(
            Prefetch(
                "allocations",
                queryset=LotAllocation.objects.select_related("lot__entry").order_by("lot_id"),
            )
        )
        .order_by("-created_at", "-pk")[:limit]
    )


def member_lots(*, shop: Shop, member: Member, open_only: bool = True) -> QuerySet[PointsLot]:
    lots = PointsLot.objects.filter(shop=shop, member=member)
    if open_only:
        lots = lots.filter(remaining__gt=0)
    return lots.order_by("earned_at", "pk")


def member_shortfall(*, shop: Shop, member: Member) -> int:
    """Points that refunds or cancellations could not take back (already spent)."""
    total = OrderPoints.objects.filter(shop=shop, member=member).aggregate(
        target=Sum("reversed_target"), done=Sum("reversed")
    )
    return (total["target"] or 0) - (total["done"] or 0)


def earning_rule_list(*, shop: Shop, active_only: bool = False) -> QuerySet[EarningRule]:
    rules = EarningRule.objects.filter(shop=shop)
    if active_only:
        rules = rules.filter(active=True)
    return rules.order_by("kind", "network", "handle", "pk")


def earning_rule_get(*, shop: Shop, rule_id: int) -> EarningRule | None:
    return EarningRule.objects.filter(shop=shop, pk=rule_id).first()


def reward_get(*, shop: Shop, reward_id: int) -> Reward | None:
    return Reward.objects.filter(shop=shop, pk=reward_id).first()


def reward_list(*, shop: Shop, active_only: bool = False) -> QuerySet[Reward]:
    rewards = Reward.objects.filter(shop=shop)
    if active_only:
        rewards = rewards.filter(active=True)
    return rewards.order_by("position", "points_cost", "pk")


@dataclass(frozen=True)
class RewardOffer:
    reward: Reward
    points: int  # the price (for variable rewards: the smallest allowed spend)
    value: Decimal  # what those points are worth at the shop's point value
    affordable: bool


def reward_offers(*, shop: Shop, member: Member | None) -> list[RewardOffer]:
    """The active catalog with what each reward costs and whether the member can afford it."""
    settings = program_settings_get(shop_id=shop.pk)
    balance = member.balance if member is not None and member.state == Member.State.ACTIVE else 0
    offers = []
    for reward in reward_list(shop=shop, active_only=True):
        points = reward.points_cost
        if reward.kind == Reward.Kind.VARIABLE_AMOUNT and reward.min_points:
            points = max(points, reward.min_points)
        offers.append(
            RewardOffer(
                reward=reward,
                points=points,
                value=points_value(settings=settings, points=points),
                affordable=balance >= points,
            )
        )
    return offers


def redemption_list_unused(*, shop: Shop, member: Member) -> QuerySet[Redemption]:
    """The member's codes not yet used (issued, or still being created)."""
    return (
        Redemption.objects.filter(
            shop=shop,
            member=member,
            status__in=[Redemption.Status.ISSUED, Redemption.Status.PENDING],
        )
        .select_related("reward")
        .order_by("-created_at")
    )


@dataclass(frozen=True)
class MemberState:
    member: Member | None
    enrolled: bool
    balance: int
    pending: int
    lifetime_earned: int
    balance_value: Decimal
    unused_codes: list[Redemption]
    offers: list[RewardOffer]


def member_state(*, shop: Shop, customer_shopify_id: int | None) -> MemberState:
    """Everything the launcher shows in one call: balance, its cash value, unused codes and the
    catalog (for anonymous shoppers: the catalog only)."""
    member = (
        member_get_by_customer(shop=shop, customer_shopify_id=customer_shopify_id)
        if customer_shopify_id
        else None
    )
    settings = program_settings_get(shop_id=shop.pk)
    balance = member.balance if member else 0
    return MemberState(
        member=member,
        enrolled=member is not None,
        balance=balance,
        pending=member.pending if member else 0,
        lifetime_earned=member.lifetime_earned if member else 0,
        balance_value=points_value(settings=settings, points=balance),
        unused_codes=list(redemption_list_unused(shop=shop, member=member)) if member else [],
        offers=reward_offers(shop=shop, member=member),
    )


# --- enrolment of existing customers (the admin's onboarding) ---------------------------------


def _tagged_sql(tag: str) -> RawSQL | Value:
    """SQL for "the customer's tags contain ``tag``", compared as ``members._tagged`` does
    (trimmed, case-insensitive). The mirror stores tags as a JSON list."""
    if not tag.strip():
        return Value(False)
    tags = (
        f"{connection.ops.quote_name(Customer._meta.db_table)}.{connection.ops.quote_name('tags')}"
    )
    if connection.vendor == "postgresql":
        sql = (
            "EXISTS (SELECT 1 FROM jsonb_array_elements_text(CASE WHEN jsonb_typeof("  # noqa: S608
            f"{tags}) = 'array' THEN {tags} ELSE '[]'::jsonb END) AS t(tag)"
            " WHERE lower(btrim(t.tag)) = %s)"
        )
    else:
        sql = (
            f"EXISTS (SELECT 1 FROM json_each(CASE WHEN json_type({tags}) = 'array' THEN {tags}"  # noqa: S608
            " ELSE '[]' END) WHERE lower(trim(value)) = %s)"
        )
    return RawSQL(sql, (tag.strip().lower(),), output_field=BooleanField())  # noqa: S611


def customers_to_enrol(*, shop: Shop) -> QuerySet[Customer]:
    """The shop's customers that an automatic program would enrol and that have no member
    yet, by id, each annotated with ``excluded_by_tag``: with an account (``accounts_only``)
    or all of them (``all_customers``), never deleted or redacted ones. None in an opt-in
    program (there, customers join themselves)."""
    settings = program_settings_get(shop_id=shop.pk)
    customers = Customer.objects.filter(
        shop=shop, deleted_at__isnull=True, redacted_at__isnull=True
    )
    if settings.enrolment != ProgramSettings.Enrolment.AUTOMATIC:
        customers = customers.none()
    if settings.enrolment_scope != ProgramSettings.EnrolmentScope.ALL_CUSTOMERS:
        customers = customers.filter(state="enabled")
    member = Member.objects.filter(shop=shop, customer=OuterRef("pk"))
    return (
        customers.exclude(Exists(member))
        .annotate(excluded_by_tag=_tagged_sql(settings.exclusion_tag))
        .order_by("pk")
    )


@dataclass(frozen=True)
class EnrolmentPreview:
    customers: int  # members ``members_enrol_existing`` would create now
    excluded: int  # of which enrolled as excluded (the shop's exclusion tag)


def enrolment_preview_get(*, shop: Shop) -> EnrolmentPreview:
    """How many existing customers enrolling now would make members (two queries: the settings
    and one count, whatever the number of customers)."""
    counts = customers_to_enrol(shop=shop).aggregate(
        customers=Count("pk"), excluded=Count("pk", filter=Q(excluded_by_tag=True))
    )
    return EnrolmentPreview(customers=counts["customers"] or 0, excluded=counts["excluded"] or 0)


def import_batch_get(*, shop: Shop, batch_id: uuid.UUID) -> ImportBatch | None:
    return ImportBatch.objects.filter(shop=shop, pk=batch_id).first()
