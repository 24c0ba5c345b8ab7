"""The shop's details read from Shopify after install: what is stored, what a withheld field
keeps, and that it runs as a post-install task (never inside the install transaction)."""

from __future__ import annotations

from unittest import mock

import pytest

from shopify_app import admin_api, tasks
from shopify_app.models import Shop
from shopify_app.services import shops
from shopify_app.services.credentials import shop_credential_store

TOKEN = {"access_token": "shpat_one", "scope": "read_customers"}


@pytest.fixture
def app_shop(shop, devshop, inprocess_http):
    """Our Shop holding devshop's offline token; devshop's shop has its own distinct details."""
    devshop.shop.name = "Alice Ceramics"
    devshop.shop.email = "owner@alice-ceramics.example"
    devshop.shop.currency = "EUR"
    devshop.shop.timezone = "Europe/Berlin"
    devshop.shop.plan_display_name = "Grow"
    devshop.shop.save()
    shop_credential_store(shop=shop, token_response={"access_token": devshop.token, "scope": ""})
    return shop


def _answer(**shop_fields):
    """A Shopify answer to SHOP_DETAILS for alice-shop, with ``shop_fields`` overriding."""
    details = {
        "id": "gid://shopify/Shop/42",
        "name": "Alice Ceramics",
        "email": "owner@alice-ceramics.example",
        "myshopifyDomain": "alice-shop.myshopify.com",
        "currencyCode": "EUR",
        "ianaTimezone": "Europe/Berlin",
        "plan": {"publicDisplayName": "Grow"},
        **shop_fields,
    }
    return {"shop": details}


def test_details_are_copied_from_shopify(app_shop, devshop):
    shops.shop_details_refresh(shop=app_shop)

    stored = Shop.objects.get(pk=app_shop.pk)
    assert stored.name == "Alice Ceramics"
    assert stored.email == "owner@alice-ceramics.example"
    assert stored.currency == "EUR"
    assert stored.timezone == "Europe/Berlin"
    assert stored.shopify_plan == "Grow"
    assert stored.shopify_id == devshop.shop.id


def test_refreshing_twice_changes_nothing_more(app_shop):
    first = shops.shop_details_refresh(shop=app_shop)
    again = shops.shop_details_refresh(shop=app_shop)

    fields = ("name", "email", "currency", "timezone", "shopify_plan", "shopify_id")
    assert [getattr(again, f) for f in fields] == [getattr(first, f) for f in fields]


def test_withheld_fields_keep_their_values(shop):
    # Protected data not approved: Shopify answers null for what it withholds.
    answer = _answer(name=None, email=None, ianaTimezone=None, plan=None, id=None)
    with mock.patch.object(admin_api, "execute", autospec=True, return_value=answer):
        shops.shop_details_refresh(shop=shop)

    stored = Shop.objects.get(pk=shop.pk)
    assert (stored.name, stored.email) == ("Alice's Shop", "")
    assert stored.timezone == "America/New_York"
    assert stored.shopify_plan == ""
    assert stored.shopify_id == shop.shopify_id
    assert stored.currency == "EUR"  # what did come is stored


def test_a_withheld_shop_writes_nothing(shop):
    with mock.patch.object(admin_api, "execute", autospec=True, return_value={"shop": None}):
        shops.shop_details_refresh(shop=shop)

    stored = Shop.objects.get(pk=shop.pk)
    assert (stored.name, stored.currency, stored.timezone) == (
        "Alice's Shop",
        "USD",
        "America/New_York",
    )


@pytest.mark.parametrize(
    ("field", "value", "column", "kept"),
    [
        ("ianaTimezone", "Mars/Olympus_Mons", "timezone", "America/New_York"),
        ("ianaTimezone", "../../etc/passwd", "timezone", "America/New_York"),
        ("currencyCode", "euro", "currency", "USD"),
        ("id", "gid://shopify/Customer/42", "shopify_id", None),
    ],
)
def test_values_we_cannot_use_are_not_stored(shop, field, value, column, kept):
    with mock.patch.object(
        admin_api, "execute", autospec=True, return_value=_answer(**{field: value})
    ):
        shops.shop_details_refresh(shop=shop)

    stored = Shop.objects.get(pk=shop.pk)
    assert getattr(stored, column) == (getattr(shop, column) if kept is None else kept)
    assert stored.name == "Alice Ceramics"  # the rest of the answer is still stored


def test_an_answer_for_another_shop_is_not_copied(shop):
    answer = _answer(myshopifyDomain="charlie-shop.myshopify.com")
    with mock.patch.object(admin_api, "execute", autospec=True, return_value=answer):
        shops.shop_details_refresh(shop=shop)

    assert Shop.objects.get(pk=shop.pk).name == "Alice's Shop"


def test_install_schedules_the_refresh_after_commit(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        shop = shops.shop_install(shop_domain="new-shop.myshopify.com", token_response=TOKEN)

    # Deferred to commit (Shopify is never called inside the install transaction)...
    ours = [c for c in callbacks if getattr(c, "func", None) is tasks.shop_details_refresh_hook]
    assert len(ours) == 1
    # ...where it only enqueues the task.
    with mock.patch.object(tasks.shop_details_refresh, "delay", autospec=True) as delay:
        ours[0]()
    delay.assert_called_once_with(shop.pk)


def test_the_task_refreshes_an_installed_shop(app_shop):
    tasks.shop_details_refresh(app_shop.pk)

    assert Shop.objects.get(pk=app_shop.pk).name == "Alice Ceramics"


def test_the_task_skips_an_uninstalled_shop(app_shop, inprocess_http):
    shops.shop_uninstall(shop=app_shop)

    tasks.shop_details_refresh(app_shop.pk)

    assert Shop.objects.get(pk=app_shop.pk).name == "Alice's Shop"
    assert inprocess_http.requests == []
