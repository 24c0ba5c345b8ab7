"""The COPY-staged loads follow the mirror's conflict rules: both paths, same cases, same rows."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from shopify_app.models import Customer, Order, Refund
from shopify_app.services import mirror, mirror_erasure
from shopify_app.sync import load, rows

T1 = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
T2 = datetime(2026, 7, 2, 12, 0, tzinfo=UTC)
T0 = datetime(2026, 6, 30, 12, 0, tzinfo=UTC)


def _customer_node(shopify_id: int, *, email: str, updated: datetime) -> dict:
    return {
        "id": f"gid://shopify/Customer/{shopify_id}",
        "defaultEmailAddress": {"emailAddress": email},
        "firstName": "Ada", "lastName": None, "defaultPhoneNumber": None, "state": "ENABLED",
        "tags": ["vip"], "amountSpent": {"amount": "10.5", "currencyCode": "USD"},
        "numberOfOrders": "2", "createdAt": T0.isoformat(), "updatedAt": updated.isoformat(),
    }  # fmt: skip


def _load_customer(shop, node):
    load.customers_load(shop=shop, rows=[rows.customer_tuple(node)], now=timezone.now())


def _mirror_customer(shop, node):
    row = rows.customer_tuple(node)
    mirror.customers_upsert(
        shop=shop,
        rows=[
            mirror.CustomerRow(
                shopify_id=row[0], email=row[1], first_name=row[2], last_name=row[3],
                phone=row[4], state=row[5], tags=["vip"], amount_spent=Decimal(row[7]),
                number_of_orders=row[8], created_at=T0,
                updated_at=datetime.fromisoformat(row[10]),
            )
        ],
    )  # fmt: skip


@pytest.mark.parametrize("write", [_load_customer, _mirror_customer], ids=["load", "mirror"])
@pytest.mark.parametrize(
    ("second_updated", "expected_email"),
    [(T2, "new@example.com"), (T1, "new@example.com"), (T0, "old@example.com")],
    ids=["newer-wins", "equal-applies", "older-ignored"],
)
def test_customer_conflict_rules(shop, write, second_updated, expected_email):
    write(shop, _customer_node(1, email="old@example.com", updated=T1))
    write(shop, _customer_node(1, email="new@example.com", updated=second_updated))

    customer = Customer.objects.get(shop=shop, shopify_id=1)
    assert customer.email == expected_email
    assert Customer.objects.filter(shop=shop).count() == 1


@pytest.mark.parametrize("write", [_load_customer, _mirror_customer], ids=["load", "mirror"])
def test_redacted_customer_is_never_rewritten(shop, write):
    mirror_erasure.customer_redact(shop=shop, shopify_id=1)

    write(shop, _customer_node(1, email="back@example.com", updated=T2))

    assert Customer.objects.get(shop=shop, shopify_id=1).email is None


def _order_node(shopify_id: int, *, updated: datetime, customer: int | None = None) -> dict:
    money = {"shopMoney": {"amount": "20.0", "currencyCode": "USD"}}
    return {
        "id": f"gid://shopify/Order/{shopify_id}", "name": "#1001", "email": None,
        "currencyCode": "USD", "displayFinancialStatus": "PAID", "test": False,
        "sourceName": "web",
        "customer": {"id": f"gid://shopify/Customer/{customer}"} if customer else None,
        "subtotalPriceSet": money, "totalPriceSet": money, "totalDiscountsSet": None,
        "totalShippingPriceSet": None, "totalTaxSet": None, "currentTotalPriceSet": money,
        "currentSubtotalPriceSet": money, "discountCodes": ["SAVE"], "customAttributes": [],
        "processedAt": T0.isoformat(), "cancelledAt": None, "createdAt": T0.isoformat(),
        "updatedAt": updated.isoformat(),
        "refunds": [{"id": "gid://shopify/Refund/9", "createdAt": T1.isoformat(),
                     "totalRefundedSet": {"shopMoney": {"amount": "5.0", "currencyCode": "USD"}}}],
    }  # fmt: skip


def _line(line_id: int, order_id: int) -> dict:
    return {
        "id": f"gid://shopify/LineItem/{line_id}", "quantity": 1, "variant": None,
        "product": None, "originalUnitPriceSet": {"shopMoney": {"amount": "10.0"}},
        "totalDiscountSet": None, "__parentId": f"gid://shopify/Order/{order_id}",
    }  # fmt: skip


def _load_order(shop, node, lines=()):
    load.orders_load(
        shop=shop,
        rows=[rows.order_row(rows.order_tuple(node), [rows.line_item_json(x) for x in lines])],
        refunds=rows.refund_tuples(node),
        now=timezone.now(),
    )


@pytest.mark.parametrize(
    ("second_updated", "expected_status"),
    [(T2, "refunded"), (T1, "refunded"), (T0, "paid")],
    ids=["newer-wins", "equal-applies", "older-ignored"],
)
def test_order_conflict_rules(shop, second_updated, expected_status):
    _load_order(shop, _order_node(5, updated=T1))
    newer = {**_order_node(5, updated=second_updated), "displayFinancialStatus": "REFUNDED"}
    _load_order(shop, newer)

    order = Order.objects.get(shop=shop, shopify_id=5)
    assert order.financial_status == expected_status
    assert order.total_discounts == Decimal("0")  # a null money bag (no discounts) is zero


def test_order_links_customer_either_way_round(shop):
    _load_order(shop, _order_node(5, updated=T1, customer=1))
    assert Order.objects.get(shop=shop, shopify_id=5).customer is None

    _load_customer(shop, _customer_node(1, email="a@example.com", updated=T1))

    assert Order.objects.get(shop=shop, shopify_id=5).customer.shopify_id == 1


def test_refunds_are_inserted_once_and_linked(shop):
    _load_order(shop, _order_node(5, updated=T1))
    _load_order(shop, _order_node(5, updated=T2))

    refund = Refund.objects.get(shop=shop, shopify_id=9)
    assert refund.amount == Decimal("5.0")
    assert refund.order.shopify_id == 5


def test_late_line_items_merge_by_id_and_replay_is_a_no_op(shop):
    _load_order(shop, _order_node(5, updated=T1), lines=[_line(1, 5)])
    late = [rows.late_line_item_tuple("gid://shopify/Order/5", _line(n, 5)) for n in (1, 2, 2)]

    for _ in range(2):
        load.orders_load(shop=shop, rows=[], late_line_items=late, now=timezone.now())

    line_ids = [item["id"] for item in Order.objects.get(shop=shop, shopify_id=5).line_items]
    assert line_ids == [1, 2]


def test_loads_stay_within_their_shop(shop, other_shop):
    _load_customer(shop, _customer_node(1, email="a@example.com", updated=T1))
    _load_order(other_shop, _order_node(5, updated=T1, customer=1))

    assert Order.objects.get(shop=other_shop, shopify_id=5).customer is None
    assert not Order.objects.filter(shop=shop).exists()


@pytest.mark.parametrize("prepare", [list, load.prepare], ids=["rows", "prepared"])
def test_text_with_copy_control_characters_loads_unchanged(shop, prepare):
    name = "Ada\tde \\N Love\nlace\r"
    node = {**_customer_node(1, email="a@example.com", updated=T1), "firstName": name}

    load.customers_load(shop=shop, rows=prepare([rows.customer_tuple(node)]), now=timezone.now())

    assert Customer.objects.get(shop=shop, shopify_id=1).first_name == name
