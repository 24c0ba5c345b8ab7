"""Set-based mirror upserts: one row or thousands, duplicates and out-of-order arrivals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from shopify_app.models import Customer, Order, Refund
from shopify_app.services import mirror, mirror_erasure
from shopify_app.services.mirror import CustomerRow, OrderRow, RefundRow

T0 = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)


def _customer(shopify_id=1, updated_at=T0, **fields) -> CustomerRow:
    return CustomerRow(shopify_id=shopify_id, updated_at=updated_at, **fields)


def _order(shopify_id=10, updated_at=T0, **fields) -> OrderRow:
    return OrderRow(shopify_id=shopify_id, currency="USD", updated_at=updated_at, **fields)


def test_bulk_upsert_inserts_every_row_across_chunks(shop):
    rows = [_customer(shopify_id=i, email=f"c{i}@example.com") for i in range(1, 1202)]

    written = mirror.customers_upsert(shop=shop, rows=rows)

    assert written == 1201
    assert Customer.objects.filter(shop=shop).count() == 1201


def test_the_same_rows_again_change_nothing(shop):
    rows = [_order(shopify_id=i, total_price=Decimal("12.50")) for i in range(5)]
    mirror.orders_upsert(shop=shop, rows=rows)

    mirror.orders_upsert(shop=shop, rows=rows)

    assert Order.objects.filter(shop=shop).count() == 5
    assert {o.total_price for o in Order.objects.filter(shop=shop)} == {Decimal("12.50")}


def test_a_newer_update_wins_and_an_older_one_is_ignored(shop):
    mirror.orders_upsert(shop=shop, rows=[_order(financial_status="pending")])
    mirror.orders_upsert(
        shop=shop, rows=[_order(updated_at=T0 + timedelta(hours=1), financial_status="paid")]
    )
    mirror.orders_upsert(
        shop=shop, rows=[_order(updated_at=T0 - timedelta(hours=1), financial_status="voided")]
    )

    order = Order.objects.get(shop=shop)
    assert order.financial_status == "paid"
    assert order.shopify_updated_at == T0 + timedelta(hours=1)


def test_a_row_without_updated_at_never_overwrites_a_dated_one(shop):
    mirror.customers_upsert(shop=shop, rows=[_customer(first_name="Ada")])

    mirror.customers_upsert(shop=shop, rows=[_customer(updated_at=None, first_name="Old")])

    assert Customer.objects.get(shop=shop).first_name == "Ada"


def test_fields_a_webhook_does_not_carry_keep_what_bulk_sync_stored(shop):
    mirror.customers_upsert(
        shop=shop,
        rows=[_customer(tags=["vip"], amount_spent=Decimal("250.00"), number_of_orders=3)],
    )

    mirror.customers_upsert(
        shop=shop, rows=[_customer(updated_at=T0 + timedelta(minutes=1), email="new@example.com")]
    )

    customer = Customer.objects.get(shop=shop)
    assert customer.email == "new@example.com"
    assert (customer.tags, customer.amount_spent, customer.number_of_orders) == (
        ["vip"],
        Decimal("250.00"),
        3,
    )


def test_null_personal_data_is_stored_as_null(shop):
    mirror.customers_upsert(shop=shop, rows=[_customer(email=None, first_name=None)])

    customer = Customer.objects.get(shop=shop)
    assert (customer.email, customer.first_name, customer.last_name) == (None, None, None)


def test_an_order_links_to_its_customer_whichever_arrives_first(shop):
    mirror.orders_upsert(shop=shop, rows=[_order(shopify_id=10, customer_shopify_id=1)])
    assert Order.objects.get(shopify_id=10).customer is None

    mirror.customers_upsert(shop=shop, rows=[_customer(shopify_id=1)])
    mirror.orders_upsert(shop=shop, rows=[_order(shopify_id=11, customer_shopify_id=1)])

    customer = Customer.objects.get(shop=shop, shopify_id=1)
    assert set(customer.orders.values_list("shopify_id", flat=True)) == {10, 11}


def test_links_never_cross_shops(shop, other_shop):
    mirror.customers_upsert(shop=other_shop, rows=[_customer(shopify_id=1)])

    mirror.orders_upsert(shop=shop, rows=[_order(customer_shopify_id=1)])

    assert Order.objects.get(shop=shop).customer is None


def test_refunds_are_inserted_once_and_never_changed(shop):
    mirror.orders_upsert(shop=shop, rows=[_order(shopify_id=10)])
    first = RefundRow(shopify_id=5, order_shopify_id=10, amount=Decimal("20.00"))

    assert mirror.refunds_upsert(shop=shop, rows=[first]) == 1
    again = RefundRow(shopify_id=5, order_shopify_id=10, amount=Decimal("99.00"))
    assert mirror.refunds_upsert(shop=shop, rows=[again]) == 0

    refund = Refund.objects.get(shop=shop)
    assert refund.amount == Decimal("20.00")
    assert refund.order.shopify_id == 10


def test_customer_delete_before_create_leaves_a_deleted_customer(shop):
    mirror_erasure.customer_delete(shop=shop, shopify_id=1, deleted_at=T0)

    mirror.customers_upsert(shop=shop, rows=[_customer(email="late@example.com")])

    customer = Customer.objects.get(shop=shop)
    assert customer.deleted_at == T0
    assert customer.email == "late@example.com"


def test_redaction_erases_personal_data_and_keeps_it_erased(shop):
    mirror.customers_upsert(
        shop=shop, rows=[_customer(email="a@example.com", first_name="Ada", phone="+1555")]
    )
    mirror.orders_upsert(
        shop=shop,
        rows=[
            _order(
                customer_shopify_id=1,
                email="a@example.com",
                total_price=Decimal("40.00"),
                note_attributes={"gift message": "for Ada"},
            )
        ],
    )

    mirror_erasure.customer_redact(shop=shop, shopify_id=1)
    mirror.customers_upsert(
        shop=shop,
        rows=[_customer(updated_at=T0 + timedelta(days=1), email="a@example.com")],
    )

    customer = Customer.objects.get(shop=shop)
    assert (customer.email, customer.first_name, customer.phone) == (None, None, None)
    assert customer.redacted_at is not None
    order = Order.objects.get(shop=shop)
    assert (order.email, order.note_attributes, order.total_price) == (None, {}, Decimal("40.00"))


def test_redacting_an_unknown_customer_leaves_a_redacted_tombstone(shop):
    mirror_erasure.customer_redact(shop=shop, shopify_id=42)

    mirror.customers_upsert(shop=shop, rows=[_customer(shopify_id=42, email="x@example.com")])

    assert Customer.objects.get(shop=shop, shopify_id=42).email is None


def test_redaction_touches_only_its_shop(shop, other_shop):
    for s in (shop, other_shop):
        mirror.customers_upsert(shop=s, rows=[_customer(email="a@example.com")])

    mirror_erasure.customer_redact(shop=shop, shopify_id=1)

    assert Customer.objects.get(shop=other_shop).email == "a@example.com"
