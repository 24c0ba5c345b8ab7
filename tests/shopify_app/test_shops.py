"""shopify_app.services.shops: install, reinstall, scopes, uninstall, redact."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.apps import apps
from django.db import models

from shopify_app import crypto
from shopify_app.models import Customer, Order, Shop, ShopCredential, WebhookDelivery
from shopify_app.services import shops
from shopify_app.services.credentials import shop_credential_store
from tests.factories import CustomerFactory, OrderFactory

TOKEN = {
    "access_token": "shpat_one",
    "scope": "read_customers,write_customers",
    "expires_in": 3600,
    "refresh_token": "shprt_one",
    "refresh_token_expires_in": 7776000,
}
DOMAIN = "new-shop.myshopify.com"


@pytest.fixture
def hook_calls(monkeypatch) -> list[int]:
    """Replace the registered post-install hooks with one that records the shop id."""
    calls: list[int] = []
    monkeypatch.setattr(shops, "post_install_hooks", [lambda *, shop_id: calls.append(shop_id)])
    return calls


def test_install_creates_the_shop_and_its_credential(db, hook_calls):
    shop = shops.shop_install(shop_domain=DOMAIN, token_response=TOKEN)
    assert shop.is_installed
    assert shop.scopes == "read_customers,write_customers"
    credential = ShopCredential.objects.get(shop=shop)
    assert crypto.decrypt(credential.access_token) == "shpat_one"


def test_install_runs_post_install_hooks_on_commit(
    db, hook_calls, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        shop = shops.shop_install(shop_domain=DOMAIN, token_response=TOKEN)
    assert hook_calls == []  # nothing before commit
    for callback in callbacks:
        callback()
    assert hook_calls == [shop.pk]


def test_installing_an_installed_shop_replaces_the_token_without_hooks(
    shop, hook_calls, django_capture_on_commit_callbacks
):
    installed_at = shop.installed_at
    with django_capture_on_commit_callbacks(execute=True):
        shops.shop_install(shop_domain=shop.domain, token_response=TOKEN)
        shops.shop_install(
            shop_domain=shop.domain, token_response={**TOKEN, "access_token": "shpat_two"}
        )
    shop.refresh_from_db()
    assert shop.installed_at == installed_at
    assert crypto.decrypt(ShopCredential.objects.get(shop=shop).access_token) == "shpat_two"
    assert hook_calls == []


def test_reinstall_keeps_data_replaces_token_and_scopes_and_reruns_hooks(
    shop, hook_calls, django_capture_on_commit_callbacks
):
    customer = CustomerFactory(shop=shop)
    OrderFactory(shop=shop, customer=customer)
    shop_credential_store(shop=shop, token_response=TOKEN)
    shops.shop_uninstall(shop=shop)
    with django_capture_on_commit_callbacks(execute=True):
        again = shops.shop_install(
            shop_domain=shop.domain,
            token_response={**TOKEN, "access_token": "shpat_back", "scope": "read_orders"},
        )
    assert again.pk == shop.pk
    assert again.is_installed and again.uninstalled_at is None
    assert again.scopes == "read_orders"
    assert crypto.decrypt(ShopCredential.objects.get(shop=shop).access_token) == "shpat_back"
    assert Customer.objects.filter(shop=shop).count() == 1
    assert Order.objects.filter(shop=shop).count() == 1
    assert hook_calls == [shop.pk]


def test_register_adds_a_hook_once(monkeypatch):
    monkeypatch.setattr(shops, "post_install_hooks", [])

    def hook(*, shop_id: int) -> None:
        return None

    shops.post_install_hook_register(hook)
    shops.post_install_hook_register(hook)
    assert shops.post_install_hooks == [hook]


def test_uninstall_drops_the_token_and_marks_the_shop(shop, other_shop):
    shop_credential_store(shop=shop, token_response=TOKEN)
    shop_credential_store(shop=other_shop, token_response=TOKEN)
    shops.shop_uninstall(shop=shop)
    shop.refresh_from_db()
    assert not shop.is_installed and shop.uninstalled_at is not None
    assert not ShopCredential.objects.filter(shop=shop).exists()
    assert ShopCredential.objects.filter(shop=other_shop).exists()


def test_uninstall_is_idempotent(shop):
    shops.shop_uninstall(shop=shop)
    first = Shop.objects.get(pk=shop.pk).uninstalled_at
    shops.shop_uninstall(shop=shop)
    assert Shop.objects.get(pk=shop.pk).uninstalled_at == first


def test_a_late_uninstall_from_before_a_reinstall_is_ignored(shop):
    shop_credential_store(shop=shop, token_response=TOKEN)
    shops.shop_uninstall(shop=shop, uninstalled_at=shop.installed_at - timedelta(minutes=5))
    shop.refresh_from_db()
    assert shop.is_installed
    assert ShopCredential.objects.filter(shop=shop).exists()


def test_scopes_update_records_the_granted_scopes(shop):
    shop_credential_store(shop=shop, token_response=TOKEN)
    shops.shop_scopes_update(shop=shop, scopes=["read_customers", " read_orders ", ""])
    assert Shop.objects.get(pk=shop.pk).scopes == "read_customers,read_orders"
    assert ShopCredential.objects.get(shop=shop).scopes == "read_customers,read_orders"


def test_redact_deletes_every_row_of_the_shop_and_nothing_else(shop, other_shop):
    for tenant in (shop, other_shop):
        shop_credential_store(shop=tenant, token_response=TOKEN)
        order = OrderFactory(shop=tenant)
        WebhookDelivery.objects.create(
            shop=tenant, webhook_id=f"w-{tenant.pk}", topic="orders/paid", payload={"id": order.pk}
        )
    shops.shop_uninstall(shop=shop)
    assert shops.shop_redact(shop=shop)
    assert not shops.shop_redact(shop=shop)  # idempotent
    assert not Shop.objects.filter(pk=shop.pk).exists()
    for model in _models_with_shop_field():
        assert not model.objects.filter(shop_id=shop.pk).exists(), model.__name__
    assert Order.objects.filter(shop=other_shop).count() == 1
    assert ShopCredential.objects.filter(shop=other_shop).exists()
    assert WebhookDelivery.objects.filter(shop=other_shop).count() == 1


def test_redact_keeps_an_installed_shop(shop):
    OrderFactory(shop=shop)
    assert not shops.shop_redact(shop=shop, triggered_at=shop.installed_at + timedelta(days=2))
    assert Order.objects.filter(shop=shop).count() == 1


def test_redact_ignores_a_request_from_before_the_current_installation(shop):
    # Reinstalled (installed_at), then uninstalled again: a redact triggered before that
    # installation answers an earlier uninstall.
    OrderFactory(shop=shop)
    shops.shop_uninstall(shop=shop)
    stale = shop.installed_at - timedelta(minutes=5)
    assert not shops.shop_redact(shop=shop, triggered_at=stale)
    assert Order.objects.filter(shop=shop).count() == 1
    assert shops.shop_redact(shop=shop, triggered_at=shop.installed_at + timedelta(days=2))
    assert not Shop.objects.filter(pk=shop.pk).exists()


def _models_with_shop_field() -> list[type[models.Model]]:
    return [
        m
        for m in apps.get_models()
        if any(
            isinstance(f, models.ForeignKey | models.OneToOneField) and f.related_model is Shop
            for f in m._meta.get_fields()
        )
    ]


def test_every_row_reachable_from_a_shop_is_deleted_with_it():
    """shop/redact relies on CASCADE: no model of any app may protect a shop's rows.

    Walks every relation reachable from Shop by CASCADE and fails on PROTECT/RESTRICT/DO_NOTHING
    (which would make shop_redact fail or leave rows behind).
    """
    seen: set[type[models.Model]] = set()
    todo: list[type[models.Model]] = [Shop]
    problems = []
    while todo:
        model = todo.pop()
        if model in seen:
            continue
        seen.add(model)
        for relation in model._meta.related_objects:
            on_delete = relation.on_delete
            name = f"{relation.related_model.__name__}.{relation.field.name}"
            if on_delete is models.CASCADE:
                todo.append(relation.related_model)
            elif on_delete in (models.PROTECT, models.RESTRICT, models.DO_NOTHING):
                problems.append(f"{name}: {on_delete.__name__}")
    assert problems == []
    assert ShopCredential in seen and WebhookDelivery in seen
