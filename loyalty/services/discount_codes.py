"""A frozen offer as a Shopify discount code: the ``discountCode*Create`` input that makes a
single-use code for one customer, and the lookup of a code Shopify says is TAKEN.

Shared by redemptions (points spent) and the program's free grants (VIP entry rewards and perks,
the referrer's reward), which all issue codes from an offer frozen when it was given, never
from the live reward.
"""

from __future__ import annotations

import logging
from datetime import datetime
from decimal import Decimal
from typing import Any, TypedDict

from loyalty.models import Reward
from shopify_app import admin_api
from shopify_app.exceptions import ShopifyError, ShopifyRetriableError, ShopifyUserErrors
from shopify_app.graphql import discounts as documents
from shopify_app.models import Shop

logger = logging.getLogger(__name__)


class RedemptionOffer(TypedDict):
    """``Redemption.offer``: what the shopper bought besides ``amount``/``percent``, copied
    from the reward at redeem time. Money is a decimal string ("20.00"), never a float."""

    kind: str  # a Reward.Kind value
    name: str
    product_variant_id: int | None  # free_product only
    minimum_order: str | None
    combines_with_order: bool
    combines_with_product: bool
    combines_with_shipping: bool


def reward_offer(*, reward: Reward) -> RedemptionOffer:
    """The reward's offer as it stands now, to freeze on a redemption."""
    return {
        "kind": reward.kind,
        "name": reward.name,
        "product_variant_id": reward.product_variant_id,
        "minimum_order": str(reward.minimum_order) if reward.minimum_order else None,
        "combines_with_order": reward.combines_with_order,
        "combines_with_product": reward.combines_with_product,
        "combines_with_shipping": reward.combines_with_shipping,
    }


def _money(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01")))


def offer_discount_input(
    *,
    offer: RedemptionOffer,
    code: str,
    amount: Decimal | None,
    percent: Decimal | None,
    starts_at: datetime,
    ends_at: datetime | None,
    customer_gid: str,
) -> tuple[str, str, dict]:
    """(document, field, variables) that create ``code`` for a frozen offer, usable once by
    that customer only, from ``starts_at`` (a redemption's, or a granted reward's hold end)."""
    common: dict[str, Any] = {
        "title": f"{offer['name']} ({code})",
        "code": code,
        "startsAt": starts_at.isoformat(),
        "endsAt": ends_at.isoformat() if ends_at else None,
        "usageLimit": 1,
        "appliesOncePerCustomer": True,
        "context": {"customers": {"add": [customer_gid]}},
        "combinesWith": {
            "orderDiscounts": offer["combines_with_order"],
            "productDiscounts": offer["combines_with_product"],
            "shippingDiscounts": offer["combines_with_shipping"],
        },
    }
    if offer["minimum_order"]:
        common["minimumRequirement"] = {
            "subtotal": {"greaterThanOrEqualToSubtotal": _money(Decimal(offer["minimum_order"]))}
        }
    kind = offer["kind"]
    if kind == Reward.Kind.FREE_SHIPPING:
        variables = {"freeShippingCodeDiscount": {**common, "destination": {"all": True}}}
        return (
            documents.DISCOUNT_CODE_FREE_SHIPPING_CREATE,
            "discountCodeFreeShippingCreate",
            variables,
        )
    items: dict[str, Any] = {"all": True}
    if kind == Reward.Kind.PERCENT_OFF:
        # Shopify takes a fraction 0-1, not a percentage.
        value: dict[str, Any] = {"percentage": float(Decimal(percent or 0) / 100)}
    elif kind == Reward.Kind.FREE_PRODUCT:
        # One unit of that variant at 100 % off, whatever it costs when the code is used; the
        # reward's ``amount`` plays no part (an empty one used to issue a code worth 0.00).
        items = {
            "products": {
                "productVariantsToAdd": [
                    f"gid://shopify/ProductVariant/{offer['product_variant_id']}"
                ]
            }
        }
        # UnsignedInt64 travels as a string, as Shopify serialises it.
        value = {"discountOnQuantity": {"quantity": "1", "effect": {"percentage": 1.0}}}
    else:
        value = {
            "discountAmount": {
                "amount": _money(amount or Decimal(0)),
                "appliesOnEachItem": False,
            }
        }
    common["customerGets"] = {"items": items, "value": value}
    return (
        documents.DISCOUNT_CODE_BASIC_CREATE,
        "discountCodeBasicCreate",
        {"basicCodeDiscount": common},
    )


def discount_node_by_code(*, shop: Shop, code: str) -> str:
    """The node id of a code Shopify says is TAKEN (ours: codes derive from our ids), or ""
    when the lookup is refused — the code exists either way, which is what issuing means."""
    try:
        data = admin_api.execute(
            shop=shop, document=documents.CODE_DISCOUNT_NODE_BY_CODE, variables={"code": code}
        )
    except ShopifyRetriableError:
        raise
    except ShopifyError as exc:
        logger.warning("could not look up TAKEN code %s on %s: %s", code, shop.domain, exc)
        return ""
    node = data.get("codeDiscountNodeByCode")
    return node["id"] if node else ""


def discount_code_create(
    *, shop: Shop, document: str, field: str, variables: dict, code: str
) -> str:
    """Create ``code`` (an input from ``offer_discount_input``) and return its node id. Our codes
    derive from our ids, so Shopify's ``TAKEN`` means a retry after a lost answer: the code
    already made is looked up instead. Raises ``ShopifyRetriableError`` for the caller to retry
    and ``ShopifyError`` when Shopify will not make it."""
    try:
        payload = admin_api.mutate(shop=shop, document=document, variables=variables, field=field)
    except ShopifyUserErrors as exc:
        if not any(e.get("code") == "TAKEN" for e in exc.user_errors):
            raise
        return discount_node_by_code(shop=shop, code=code)
    return (payload.get("codeDiscountNode") or {}).get("id", "")
