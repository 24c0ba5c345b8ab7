"""Lifecycle and compliance webhooks end to end: intake, processing, the rows they leave."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from loyalty.models import Member, PointsTransaction
from shopify_app import privacy
from shopify_app.models import (
    Customer,
    CustomerDataExport,
    Order,
    Shop,
    ShopCredential,
    WebhookDelivery,
)
from shopify_app.services import shops
from shopify_app.services import webhooks as inbox
from tests.factories import CustomerFactory, MemberFactory, OrderFactory
from tests.loyalty.conftest import assert_consistent, credit
from tests.shopify_app.webhooks.conftest import example_payload


def _deliver_and_process(
    deliver, shop, topic, payload=None, headers=None
) -> WebhookDelivery | None:
    response = deliver(shop_domain=shop.domain, topic=topic, payload=payload, headers=headers)
    assert response.status_code == 200
    delivery = WebhookDelivery.objects.filter(shop=shop, topic=topic).latest("pk")
    inbox.webhook_deliveries_process(delivery_id=delivery.pk, batch=0)
    return WebhookDelivery.objects.filter(pk=delivery.pk).first()


def _privacy_payload(topic, customer, orders=()):
    payload = example_payload(topic)
    payload["customer"] = {"id": customer.shopify_id, "email": customer.email, "phone": None}
    key = "orders_requested" if topic == "customers/data_request" else "orders_to_redact"
    payload[key] = [o.shopify_id for o in orders]
    return payload


def test_app_uninstalled_drops_the_token_and_marks_the_shop(shop, deliver):
    ShopCredential.objects.create(shop=shop, access_token="ciphertext")

    delivery = _deliver_and_process(deliver, shop, "app/uninstalled")

    assert delivery.status == "done", delivery.last_error
    shop.refresh_from_db()
    assert shop.uninstalled_at is not None
    assert not ShopCredential.objects.filter(shop=shop).exists()


def test_app_uninstalled_records_when_shopify_triggered_it(shop, deliver):
    triggered = shop.installed_at + timedelta(minutes=5)

    _deliver_and_process(
        deliver, shop, "app/uninstalled", headers={"X-Shopify-Triggered-At": triggered.isoformat()}
    )

    shop.refresh_from_db()
    assert shop.uninstalled_at == triggered


def test_a_late_app_uninstalled_cannot_undo_a_reinstall(shop, deliver):
    # Uninstalled, then reinstalled (the shop's installed_at) before this delivery arrived:
    # its trigger time predates the current installation, so it must change nothing.
    ShopCredential.objects.create(shop=shop, access_token="ciphertext")
    triggered = shop.installed_at - timedelta(minutes=5)

    delivery = _deliver_and_process(
        deliver, shop, "app/uninstalled", headers={"X-Shopify-Triggered-At": triggered.isoformat()}
    )

    assert delivery.status == "done", delivery.last_error
    shop.refresh_from_db()
    assert shop.is_installed and shop.uninstalled_at is None
    assert ShopCredential.objects.filter(shop=shop).exists()


def test_app_scopes_update_records_the_granted_scopes(shop, deliver):
    payload = {**example_payload("app/scopes_update"), "current": ["read_orders", "read_customers"]}

    delivery = _deliver_and_process(deliver, shop, "app/scopes_update", payload)

    assert delivery.status == "done", delivery.last_error
    shop.refresh_from_db()
    assert shop.scopes == "read_orders,read_customers"


# shop/redact, in the orders Shopify can deliver it. Times are explicit: the shop was installed
# ten days ago, and each delivery says (X-Shopify-Triggered-At) when Shopify triggered it.
TOKEN = {"access_token": "shpat_again", "scope": "read_customers,read_orders"}


def _at(when):
    return {"X-Shopify-Triggered-At": when.isoformat()}


def _shop_with_a_program(shop):
    """A member with points (a ledger entry and its lot) and a mirrored order."""
    member = MemberFactory(shop=shop)
    credit(member, 250, "redact-story:earn")
    OrderFactory(shop=shop, customer=member.customer)
    return member


@pytest.fixture
def installed_long_ago(shop):
    Shop.objects.filter(pk=shop.pk).update(installed_at=timezone.now() - timedelta(days=10))
    shop.refresh_from_db()
    return shop


def test_uninstall_then_redact_deletes_every_row_of_the_shop_and_no_other(
    installed_long_ago, other_shop, deliver
):
    shop = installed_long_ago
    member = _shop_with_a_program(shop)
    kept = _shop_with_a_program(other_shop)
    uninstalled = timezone.now() - timedelta(days=2)
    _deliver_and_process(deliver, shop, "app/uninstalled", headers=_at(uninstalled))

    delivery = _deliver_and_process(
        deliver, shop, "shop/redact", headers=_at(uninstalled + timedelta(hours=48))
    )

    assert delivery is None  # the delivery row belonged to the shop too
    assert not Shop.objects.filter(pk=shop.pk).exists()
    assert not Order.objects.filter(shop_id=shop.pk).exists()
    assert not Member.objects.filter(pk=member.pk).exists()
    assert not PointsTransaction.objects.filter(shop_id=shop.pk).exists()
    assert Order.objects.filter(shop=other_shop).count() == 1
    assert Member.objects.get(pk=kept.pk).balance == 250
    assert_consistent(kept)


def test_a_late_redact_after_a_reinstall_keeps_the_shop_and_its_program(
    installed_long_ago, deliver, caplog
):
    shop = installed_long_ago
    member = _shop_with_a_program(shop)
    uninstalled = timezone.now() - timedelta(days=5)
    _deliver_and_process(deliver, shop, "app/uninstalled", headers=_at(uninstalled))
    shops.shop_install(shop_domain=shop.domain, token_response=TOKEN)  # reinstalled today

    # Triggered 48 h after the uninstall, before the reinstall, and delivered only now.
    delivery = _deliver_and_process(
        deliver, shop, "shop/redact", headers=_at(uninstalled + timedelta(hours=48))
    )

    assert delivery.status == "done", delivery.last_error
    shop.refresh_from_db()
    assert shop.is_installed
    assert ShopCredential.objects.filter(shop=shop).exists()
    assert Member.objects.get(pk=member.pk).balance == 250
    assert PointsTransaction.objects.filter(member=member).count() == 1
    assert Order.objects.filter(shop=shop).count() == 1
    assert_consistent(member)
    assert "shop/redact ignored" in caplog.text


def test_a_redact_from_before_the_current_install_is_ignored_after_a_second_uninstall(
    installed_long_ago, deliver
):
    # uninstall → reinstall → uninstall again: the first uninstall's late redact is stale (its
    # own redact, 48 h after the second uninstall, is the one that may delete the shop).
    shop = installed_long_ago
    member = _shop_with_a_program(shop)
    first_uninstall = timezone.now() - timedelta(days=5)
    _deliver_and_process(deliver, shop, "app/uninstalled", headers=_at(first_uninstall))
    shops.shop_install(shop_domain=shop.domain, token_response=TOKEN)
    shop.refresh_from_db()
    _deliver_and_process(
        deliver, shop, "app/uninstalled", headers=_at(shop.installed_at + timedelta(seconds=1))
    )

    delivery = _deliver_and_process(
        deliver, shop, "shop/redact", headers=_at(first_uninstall + timedelta(hours=48))
    )

    assert delivery.status == "done", delivery.last_error
    shop.refresh_from_db()
    assert not shop.is_installed
    assert Member.objects.get(pk=member.pk).balance == 250


def test_a_redact_for_a_shop_that_is_installed_now_deletes_nothing(shop, deliver, caplog):
    # Triggered after the install, with no uninstall since: nothing to erase. Shopify never
    # sends this for an installed app; refusing protects the program from a misfire.
    member = _shop_with_a_program(shop)

    delivery = _deliver_and_process(deliver, shop, "shop/redact")

    assert delivery.status == "done", delivery.last_error
    assert Shop.objects.get(pk=shop.pk).is_installed
    assert Member.objects.get(pk=member.pk).balance == 250
    assert "shop/redact refused" in caplog.text


def test_a_redact_for_a_shop_we_never_had_is_200_and_changes_nothing(other_shop, deliver):
    kept = _shop_with_a_program(other_shop)

    response = deliver(shop_domain="never-installed.myshopify.com", topic="shop/redact")

    assert response.status_code == 200
    assert not Shop.objects.filter(domain="never-installed.myshopify.com").exists()
    assert WebhookDelivery.objects.count() == 0
    assert Member.objects.get(pk=kept.pk).balance == 250


def test_customers_data_request_exports_what_we_hold_for_the_owner(shop, other_shop, deliver):
    customer = CustomerFactory(shop=shop, email="ada@example.com")
    order = OrderFactory(shop=shop, customer=customer, total_price=Decimal("42.00"))
    OrderFactory(shop=other_shop, customer_shopify_id=customer.shopify_id)
    payload = _privacy_payload("customers/data_request", customer, [order])

    delivery = _deliver_and_process(deliver, shop, "customers/data_request", payload)

    assert delivery.status == "done", delivery.last_error
    export = CustomerDataExport.objects.get(shop=shop)
    assert export.data_request_id == 9999
    mirrored = export.data["shopify"]
    assert mirrored["customer"]["email"] == "ada@example.com"
    assert [o["shopify_id"] for o in mirrored["orders"]] == [order.shopify_id]
    assert mirrored["orders"][0]["total_price"] == "42.00"


def test_a_repeated_data_request_refreshes_its_export(shop, deliver):
    customer = CustomerFactory(shop=shop)
    payload = _privacy_payload("customers/data_request", customer)

    _deliver_and_process(deliver, shop, "customers/data_request", payload)
    _deliver_and_process(deliver, shop, "customers/data_request", payload)

    assert CustomerDataExport.objects.filter(shop=shop).count() == 1


def test_a_data_request_for_an_unknown_customer_exports_nothing_held(shop, deliver):
    delivery = _deliver_and_process(deliver, shop, "customers/data_request")

    assert delivery.status == "done", delivery.last_error
    assert CustomerDataExport.objects.get(shop=shop).data["shopify"] == {
        "customer": None,
        "orders": [],
    }


def test_customers_redact_erases_personal_data_and_keeps_amounts(shop, deliver):
    customer = CustomerFactory(shop=shop, email="ada@example.com", phone="+15550100")
    order = OrderFactory(
        shop=shop, customer=customer, email="ada@example.com", total_price=Decimal("42.00")
    )
    CustomerDataExport.objects.create(
        shop=shop,
        data_request_id=1,
        customer_shopify_id=customer.shopify_id,
        created_at=order.processed_at,
    )
    payload = _privacy_payload("customers/redact", customer, [order])

    delivery = _deliver_and_process(deliver, shop, "customers/redact", payload)

    assert delivery.status == "done", delivery.last_error
    customer.refresh_from_db()
    order.refresh_from_db()
    assert (customer.email, customer.first_name, customer.last_name, customer.phone) == (
        None,
        None,
        None,
        None,
    )
    assert customer.redacted_at is not None
    assert (order.email, order.total_price) == (None, Decimal("42.00"))
    assert not CustomerDataExport.objects.filter(shop=shop).exists()


def test_customers_redact_for_an_unknown_customer_succeeds(shop, deliver):
    delivery = _deliver_and_process(deliver, shop, "customers/redact")

    assert delivery.status == "done", delivery.last_error


@pytest.fixture
def extra_privacy_app():
    calls = []
    privacy.register_privacy(
        "extra",
        exporter=lambda **kw: {"points": 120, "customer": kw["customer_shopify_id"]},
        redactor=lambda **kw: calls.append(kw["customer_shopify_id"]),
    )
    yield calls
    privacy._exporters.pop("extra")
    privacy._redactors.pop("extra")


def test_registered_apps_take_part_in_export_and_redaction(shop, deliver, extra_privacy_app):
    customer = CustomerFactory(shop=shop)

    _deliver_and_process(
        deliver,
        shop,
        "customers/data_request",
        _privacy_payload("customers/data_request", customer),
    )
    _deliver_and_process(
        deliver, shop, "customers/redact", _privacy_payload("customers/redact", customer)
    )

    assert extra_privacy_app == [customer.shopify_id]
    assert Customer.objects.get(pk=customer.pk).redacted_at is not None


def test_export_runs_registered_exporters(shop, deliver, extra_privacy_app):
    customer = CustomerFactory(shop=shop)

    _deliver_and_process(
        deliver,
        shop,
        "customers/data_request",
        _privacy_payload("customers/data_request", customer),
    )

    data = CustomerDataExport.objects.get(shop=shop).data
    assert data["extra"] == {"points": 120, "customer": customer.shopify_id}
