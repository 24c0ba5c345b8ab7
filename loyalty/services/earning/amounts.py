"""What an order earns: its eligible amount, a refund's share of it, and the points quote."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from loyalty.models import Member, PointsTransaction, ProgramSettings
from loyalty.services.earning.multipliers import earning_multiplier, floor_points
from shopify_app.models import Order, Refund

Kind = PointsTransaction.Kind
ZERO = Decimal(0)
CENT = Decimal("0.01")
# Shopify financial statuses of an order that has been paid (refunds keep it earned-then-
# reversed, so a refunded order first seen late still gets the right net result).
PAID_STATUSES = frozenset({"paid", "partially_refunded", "refunded"})


def order_earns(order: Order) -> bool:
    return order.financial_status in PAID_STATUSES and order.cancelled_at is None


def _money(value: Any) -> Decimal:
    return Decimal(str(value)) if value not in (None, "") else ZERO


def _gift_card_amount(line_items: list[dict]) -> Decimal:
    total = ZERO
    for line in line_items or []:
        if line.get("gift_card"):
            quantity = int(line.get("quantity") or 0)
            total += _money(line.get("price")) * quantity - _money(line.get("total_discount"))
    return total


def order_eligible_amount(*, settings: ProgramSettings, order: Order) -> Decimal:
    """The amount that earns: subtotal after discounts, less gift cards (if excluded), plus
    shipping and tax when the merchant includes them. From the order as placed (refunds are
    handled separately), so it does not move when later updates arrive."""
    amount = _money(order.subtotal_price)
    if settings.exclude_gift_cards:
        amount -= _gift_card_amount(order.line_items)
    if settings.include_shipping:
        amount += _money(order.total_shipping)
    if settings.include_tax:
        amount += _money(order.total_tax)
    return max(amount, ZERO).quantize(CENT)


def refund_eligible_amount(*, settings: ProgramSettings, refund: Refund) -> Decimal:
    """The part of the eligible amount a refund gives back, measured the same way."""
    amount = ZERO
    for line in refund.refund_line_items or []:
        if settings.exclude_gift_cards and line.get("gift_card"):
            continue
        amount += _money(line.get("subtotal"))
        if settings.include_tax:
            amount += _money(line.get("total_tax"))
    if settings.include_shipping:
        amount += _money(refund.shipping_refunded)
    return max(amount, ZERO).quantize(CENT)


def order_points_quote(*, settings: ProgramSettings, member: Member, eligible: Decimal) -> int:
    """Points for an eligible amount: rate x multiplier, rounded down; 0 under the minimum."""
    return order_quote(settings=settings, member=member, eligible=eligible)[0]


def order_quote(
    *, settings: ProgramSettings, member: Member, eligible: Decimal
) -> tuple[int, Decimal]:
    """``order_points_quote`` and the multiplier it used (recorded on ``OrderPoints``)."""
    if not settings.enabled or eligible <= 0:
        return 0, Decimal(1)
    if settings.minimum_order is not None and eligible < settings.minimum_order:
        return 0, Decimal(1)
    multiplier = earning_multiplier(member=member, kind=Kind.ORDER)
    return floor_points(eligible * settings.points_per_unit * multiplier), multiplier
