"""Automatic basic discounts: create, update, delete, deactivate; and what a checkout applies.

Input is ``DiscountAutomaticBasicInput`` as a dict. Who it is for is ``context``: ``all``, or
``customerSegments`` (``add`` / ``remove`` segment GIDs, which must be the shop's). It takes a
percentage (a fraction 0-1) or a fixed amount off every line (``items: {all: true}``); product
or collection items, minimum requirements, ``customers`` and ``markets`` contexts are valid
inputs devshop does not model (``NotEmulated``). Problems come back as ``userErrors``.

At checkout (``checkout_discounts``) the active automatic discounts whose context holds the
customer compete and the one that saves most applies (devshop does not stack automatic
discounts with each other). A code then applies too when the two combine — each one's
``combinesWith`` allows the other's class (order: every line; product: some items;
shipping) — on what the automatic discount left (discounts compound, as Shopify's do); when
they don't combine the better saving wins, and a code that loses is refused with Shopify's
"couldn't be used with your existing discounts".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from django.db import transaction
from django.db.models import F

from devshop import clock
from devshop.models import (
    DevAutomaticDiscount,
    DevCustomer,
    DevDiscountCode,
    DevSegment,
    DevSequence,
    DevShop,
)
from devshop.services import discount_rules, segments
from devshop.services.discount_rules import DiscountLine, DiscountRefused
from devshop.services.discounts import DiscountUserError, NotEmulated, _decimal, _moment

CENT = Decimal("0.01")
ZERO = Decimal("0")
ROOT = "automaticBasicDiscount"
NOT_COMBINABLE = "Discount couldn't be used with your existing discounts"


def _segment_ids(shop: DevShop, gids: list[Any]) -> tuple[list[int], list[str]]:
    ids, unknown = [], []
    for value in gids:
        raw = str(value).removeprefix("gid://shopify/Segment/")
        if raw.isdigit() and DevSegment.objects.filter(shop=shop, id=int(raw)).exists():
            ids.append(int(raw))
        else:
            unknown.append(str(value))
    return ids, unknown


def _apply_input(
    row: DevAutomaticDiscount, data: dict[str, Any], *, creating: bool
) -> list[DiscountUserError]:
    """Copy the input's fields onto ``row`` (absent fields stay, as an update leaves them)."""
    errors: list[DiscountUserError] = []

    def fail(path: str, message: str, code: str) -> None:
        errors.append(DiscountUserError([ROOT, *path.split(".")], message, code))

    if data.get("minimumRequirement"):
        raise NotEmulated("devshop does not implement automatic discount minimumRequirement")
    if "title" in data or creating:
        title = (data.get("title") or "").strip()
        if not title:
            fail("title", "Title can't be blank", "BLANK")
        row.title = title[:255]
    if "startsAt" in data or creating:
        starts_at = _moment(data.get("startsAt"))
        if starts_at is None:
            fail("startsAt", "Starts at can't be blank", "BLANK")
        else:
            row.starts_at = starts_at
    if "endsAt" in data:
        row.ends_at = _moment(data.get("endsAt"))
    if row.ends_at is not None and row.starts_at is not None and row.ends_at <= row.starts_at:
        fail("endsAt", "Ends at needs to be after starts_at", "END_DATE_BEFORE_START_DATE")

    context = data.get("context")
    if context:
        if context.get("customers") or context.get("markets"):
            raise NotEmulated("devshop does not implement automatic discount customers/markets")
        if context.get("customerSegments") is not None:
            change = context["customerSegments"]
            added, unknown = _segment_ids(row.shop, list(change.get("add") or []))
            removed, _ = _segment_ids(row.shop, list(change.get("remove") or []))
            if unknown:
                fail(
                    "context.customerSegments.add",
                    f"Customer segment ids {', '.join(unknown)} are invalid",
                    "INVALID",
                )
            current = [] if row.context_all else list(row.segment_ids)
            kept = [i for i in current if i not in removed]
            row.segment_ids = kept + [i for i in added if i not in kept]
            row.context_all = False
            if not row.segment_ids and not unknown:
                fail("context.customerSegments", "Customer segments can't be blank", "BLANK")
        elif context.get("all") == "ALL":
            row.context_all, row.segment_ids = True, []
        else:
            fail("context", "Context must select customer segments or all", "BLANK")

    gets = data.get("customerGets")
    if gets is None and creating:
        fail("customerGets", "Customer gets can't be blank", "BLANK")
    elif gets is not None:
        items = gets.get("items")
        if items is not None and not items.get("all"):
            raise NotEmulated("devshop does not implement automatic discounts on some items")
        value = gets.get("value") or {}
        if value.get("discountOnQuantity"):
            raise NotEmulated("devshop does not implement automatic discountOnQuantity")
        if value.get("percentage") is not None:
            row.value_type = DevAutomaticDiscount.ValueType.PERCENTAGE
            row.value = Decimal(str(value["percentage"]))
            if not ZERO < row.value <= Decimal("1"):
                fail(
                    "customerGets.value.percentage",
                    "Value must be between 0.0 and 1.0",
                    "VALUE_OUTSIDE_RANGE",
                )
        elif value.get("discountAmount"):
            row.value_type = DevAutomaticDiscount.ValueType.FIXED_AMOUNT
            row.value = _decimal(value["discountAmount"].get("amount")) or ZERO
            if row.value <= 0:
                fail(
                    "customerGets.value.discountAmount.amount",
                    "Value must be greater than 0",
                    "GREATER_THAN",
                )
        elif creating or "value" in gets:
            fail("customerGets.value", "Value can't be blank", "BLANK")
    if "combinesWith" in data:
        row.combines_with = data.get("combinesWith") or {}
    if "tags" in data:
        row.tags = [str(t).strip() for t in data.get("tags") or [] if str(t).strip()]
    return errors


def automatic_discount_create(
    *, shop: DevShop, data: dict[str, Any]
) -> tuple[DevAutomaticDiscount | None, list[DiscountUserError]]:
    """``discountAutomaticBasicCreate``: (row, []) or (None, userErrors); NotEmulated for
    valid inputs devshop does not model."""
    now = clock.now()
    row = DevAutomaticDiscount(shop=shop, created_at=now, updated_at=now, value=ZERO)
    errors = _apply_input(row, data, creating=True)
    if errors:
        return None, errors
    row.id = DevSequence.allocate("DiscountAutomaticNode")
    row.save(force_insert=True)
    return row, []


@transaction.atomic
def automatic_discount_update(
    *, discount: DevAutomaticDiscount, data: dict[str, Any]
) -> tuple[DevAutomaticDiscount | None, list[DiscountUserError]]:
    """``discountAutomaticBasicUpdate``: the given fields replace the stored ones."""
    row = DevAutomaticDiscount.objects.select_for_update().get(pk=discount.pk)
    errors = _apply_input(row, data, creating=False)
    if errors:
        return None, errors
    row.updated_at = clock.now()
    row.save()
    return row, []


def automatic_discount_get(*, shop: DevShop, node_gid: str) -> DevAutomaticDiscount | None:
    raw = str(node_gid).removeprefix("gid://shopify/DiscountAutomaticNode/")
    if not raw.isdigit():
        return None
    return DevAutomaticDiscount.objects.filter(shop=shop, id=int(raw)).first()


def automatic_discount_delete(*, discount: DevAutomaticDiscount) -> None:
    discount.delete()


def automatic_discount_deactivate(*, discount: DevAutomaticDiscount) -> DevAutomaticDiscount:
    """End an active or scheduled discount now (Shopify sets ``endsAt``)."""
    now = clock.now()
    if discount.ends_at is None or discount.ends_at > now:
        discount.ends_at = now
        discount.starts_at = min(discount.starts_at, now)
        discount.updated_at = now
        discount.save()
    return discount


# --- at checkout -----------------------------------------------------------------------------


def _customer_segment_ids(shop: DevShop, customer: DevCustomer | None) -> set[int]:
    """The shop's segments ``customer`` is in now (a guest is in none), read once a checkout."""
    if customer is None:
        return set()
    return {
        s.id
        for s in DevSegment.objects.filter(shop=shop)
        if segments.segment_contains(segment=s, customer=customer)
    }


def _spread(total: Decimal, weights: list[Decimal]) -> list[Decimal]:
    return discount_rules._spread(total, weights)


def automatic_allocate(
    discount: DevAutomaticDiscount, *, lines: Sequence[DiscountLine]
) -> list[Decimal]:
    """What ``discount`` takes off each line (every line is entitled)."""
    bases = [line.price * line.quantity for line in lines]
    whole = sum(bases, ZERO)
    if discount.value_type == DevAutomaticDiscount.ValueType.PERCENTAGE:
        total = (whole * discount.value).quantize(CENT, rounding=ROUND_HALF_EVEN)
    else:
        total = min(discount.value.quantize(CENT), whole)
    return _spread(total, bases)


def _class(code: DevDiscountCode) -> str:
    if code.kind == DevDiscountCode.Kind.FREE_SHIPPING:
        return "shipping"
    return "order" if code.items_all else "product"


def combines(automatic: DevAutomaticDiscount, code: DevDiscountCode) -> bool:
    """Both allow the other's discount class (an automatic basic on every line is an order
    discount)."""
    return bool(automatic.combines_with.get(f"{_class(code)}Discounts")) and bool(
        code.combines_with.get("orderDiscounts")
    )


@dataclass(frozen=True)
class _NetLine:
    """A line as the code sees it once the automatic discount took its share."""

    price: Decimal
    quantity: int
    product_id: int | None
    variant_id: int | None


@dataclass
class CheckoutDiscounts:
    """What a checkout takes off: the automatic discount (if any) and the code (if any)."""

    automatic: DevAutomaticDiscount | None = None
    automatic_shares: list[Decimal] = field(default_factory=list)
    code: DevDiscountCode | None = None
    code_shares: list[Decimal] = field(default_factory=list)
    shipping: Decimal = ZERO  # taken off shipping by a free-shipping code

    def line_totals(self, count: int) -> list[Decimal]:
        auto = self.automatic_shares or [ZERO] * count
        code = self.code_shares or [ZERO] * count
        return [a + c for a, c in zip(auto, code, strict=True)]


def checkout_discounts(
    *,
    shop: DevShop,
    customer: DevCustomer | None,
    lines: Sequence[DiscountLine],
    code: str | None,
    shipping: Decimal = ZERO,
) -> CheckoutDiscounts:
    """The discounts a checkout of ``lines`` gets now: the best automatic discount for this
    customer, then the code by ``discount_rules`` (locked; raises ``DiscountRefused``)."""
    result = CheckoutDiscounts()
    now = clock.now()
    live = [
        d
        for d in DevAutomaticDiscount.objects.filter(shop=shop, starts_at__lte=now).order_by("id")
        if d.ends_at is None or d.ends_at > now
    ]
    mine = _customer_segment_ids(shop, customer) if any(not d.context_all for d in live) else set()
    candidates = [d for d in live if d.context_all or mine.intersection(d.segment_ids)]
    best_total = ZERO
    for candidate in candidates:
        shares = automatic_allocate(candidate, lines=lines)
        if sum(shares, ZERO) > best_total:
            best_total = sum(shares, ZERO)
            result.automatic, result.automatic_shares = candidate, shares
    if not code:
        return result
    discount = discount_rules.discount_for_checkout(
        shop=shop, code=code, customer_id=customer.id if customer else None, lines=lines
    )
    automatic = result.automatic
    stacked = automatic is None or combines(automatic, discount)
    net: Sequence[DiscountLine] = lines
    if automatic is not None and stacked:
        net = [
            _NetLine(
                price=(line.price * line.quantity - share) / line.quantity,
                quantity=line.quantity,
                product_id=line.product_id,
                variant_id=line.variant_id,
            )
            for line, share in zip(lines, result.automatic_shares, strict=True)
        ]
    code_shares, code_shipping = discount_rules.discount_allocate(
        discount, lines=net, shipping=shipping
    )
    if not stacked:
        if sum(code_shares, ZERO) + code_shipping <= best_total:
            raise DiscountRefused(
                f"Discount code {code!r} does not combine with {automatic}",
                shopper_message=NOT_COMBINABLE,
            )
        result.automatic, result.automatic_shares = None, []
    result.code, result.code_shares, result.shipping = discount, code_shares, code_shipping
    return result


def automatic_redeem(*, discount: DevAutomaticDiscount) -> None:
    DevAutomaticDiscount.objects.filter(pk=discount.pk).update(usage_count=F("usage_count") + 1)
