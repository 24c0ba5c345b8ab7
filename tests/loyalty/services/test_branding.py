"""The launcher button's branding reaches the storefront: a Branding edit enqueues the
publish, which writes the app-data metafield through devshop's Admin API (metafieldsSet on the
app installation), and devshop's storefront renders the embed with it."""

from __future__ import annotations

import json

from django.test import Client

from devshop.models import DevAppInstallation, DevMetafield
from loyalty.services.branding import launcher_branding_publish
from loyalty.services.changelog import version_of
from loyalty.services.program import program_settings_edit, program_settings_get
from tests.devshop.test_storefront import launcher_root
from tests.loyalty.conftest import devshop_connect

BRANDING = {
    "launcher_label": "Perks",
    "launcher_button_color": "#0b6e4f",
    "launcher_text_color": "#fafafa",
    "launcher_position": "bottom-left",
    "launcher_icon": "star",
}


def _edit(shop, fields):
    settings = program_settings_get(shop_id=shop.pk)
    return program_settings_edit(
        shop_id=shop.pk, staff_user_id="s", version=version_of(settings), fields=fields
    )


def test_a_branding_edit_enqueues_the_publish_after_commit(
    shop, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        _edit(shop, {"launcher_button_color": "#0b6e4f"})
    assert any("launcher_branding_publish" in repr(c) or c.__qualname__.startswith(
        "_branding_changed") for c in callbacks)  # fmt: skip


def test_an_edit_that_is_not_branding_enqueues_no_publish(shop, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        _edit(shop, {"hold_days": 3})
    assert not any(c.__qualname__.startswith("_branding_changed") for c in callbacks)


def test_the_published_branding_is_an_app_data_metafield_the_embed_renders(shop, inprocess_http):
    dev = devshop_connect(shop)
    client = Client()
    before = launcher_root(client.get(f"/store/{shop.domain}/").content.decode())
    assert before["data-button-color"] == "#1f2937"  # the theme editor's default: the fallback

    _edit(shop, BRANDING)
    value = launcher_branding_publish(shop_id=shop.pk)

    installation = DevAppInstallation.objects.get(shop=dev)
    [row] = DevMetafield.objects.filter(shop=dev, namespace="loyalty", key="launcher")
    assert row.owner_gid == f"gid://shopify/AppInstallation/{installation.pk}"
    assert (row.type, json.loads(row.value)) == ("json", value)
    root = launcher_root(client.get(f"/store/{shop.domain}/").content.decode())
    assert (root["data-button-label"], root["data-button-color"], root["data-text-color"],
            root["data-position"], root["data-icon"]) == (
        "Perks", "#0b6e4f", "#fafafa", "bottom-left", "star")  # fmt: skip

    # Published again, it overwrites the same metafield (idempotent, latest wins).
    _edit(shop, {"launcher_button_color": "#123456"})
    launcher_branding_publish(shop_id=shop.pk)
    assert DevMetafield.objects.filter(shop=dev, namespace="loyalty").count() == 1
    root = launcher_root(client.get(f"/store/{shop.domain}/").content.decode())
    assert root["data-button-color"] == "#123456"


def test_an_uninstalled_shop_is_not_published(shop):
    from shopify_app.services.shops import shop_uninstall

    shop_uninstall(shop=shop)
    assert launcher_branding_publish(shop_id=shop.pk) is None
