"""shopify_app.services.credentials without Shopify: storing, reading, dropping, key rotation.

Refreshes against devshop are in test_credentials_refresh.py.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from shopify_app import crypto
from shopify_app.exceptions import ReauthorizationRequired
from shopify_app.models import ShopCredential
from shopify_app.services.credentials import (
    shop_access_token_get,
    shop_access_token_revoked,
    shop_credential_store,
    shop_credential_usable,
)

EXPIRING = {
    "access_token": "shpat_first",
    "scope": "read_customers,write_customers",
    "expires_in": 3600,
    "refresh_token": "shprt_first",
    "refresh_token_expires_in": 7776000,
}
NON_EXPIRING = {"access_token": "shpat_forever", "scope": "read_customers"}


def test_store_encrypts_both_tokens_at_rest(shop):
    shop_credential_store(shop=shop, token_response=EXPIRING)
    row = ShopCredential.objects.get(shop=shop)
    assert "shpat_first" not in row.access_token
    assert "shprt_first" not in row.refresh_token
    assert crypto.decrypt(row.access_token) == "shpat_first"
    assert crypto.decrypt(row.refresh_token) == "shprt_first"
    assert row.scopes == "read_customers,write_customers"


def test_store_sets_expiry_from_the_response(shop):
    before = timezone.now()
    shop_credential_store(shop=shop, token_response=EXPIRING)
    row = ShopCredential.objects.get(shop=shop)
    assert before + timedelta(seconds=3600) <= row.expires_at
    assert row.expires_at <= timezone.now() + timedelta(seconds=3600)
    assert row.refresh_token_expires_at - row.expires_at == timedelta(seconds=7776000 - 3600)


def test_store_replaces_the_whole_pair_and_bumps_the_version(shop):
    shop_credential_store(shop=shop, token_response=EXPIRING)
    shop_credential_store(shop=shop, token_response=NON_EXPIRING)
    row = ShopCredential.objects.get(shop=shop)
    assert crypto.decrypt(row.access_token) == "shpat_forever"
    assert (row.refresh_token, row.expires_at, row.refresh_token_expires_at) == ("", None, None)
    assert row.version == 2
    assert ShopCredential.objects.count() == 1


def test_store_refuses_an_online_token(shop):
    online = {**EXPIRING, "associated_user": {"id": 1, "email": None}}
    with pytest.raises(ValueError):
        shop_credential_store(shop=shop, token_response=online)
    assert not ShopCredential.objects.exists()


def test_get_returns_a_non_expiring_token(shop):
    shop_credential_store(shop=shop, token_response=NON_EXPIRING)
    assert shop_access_token_get(shop=shop) == "shpat_forever"


def test_get_returns_a_fresh_expiring_token_without_refreshing(shop, inprocess_http):
    shop_credential_store(shop=shop, token_response=EXPIRING)
    assert shop_access_token_get(shop=shop) == "shpat_first"
    assert inprocess_http.requests == []


def test_get_without_credential_requires_reauthorization(shop):
    with pytest.raises(ReauthorizationRequired):
        shop_access_token_get(shop=shop)


def test_expired_refresh_token_drops_the_credential_without_calling_shopify(shop, inprocess_http):
    shop_credential_store(shop=shop, token_response=EXPIRING)
    ShopCredential.objects.filter(shop=shop).update(
        expires_at=timezone.now() - timedelta(minutes=1),
        refresh_token_expires_at=timezone.now() - timedelta(seconds=1),
    )
    with pytest.raises(ReauthorizationRequired):
        shop_access_token_get(shop=shop)
    assert not ShopCredential.objects.filter(shop=shop).exists()
    assert inprocess_http.requests == []


def test_usable_reflects_missing_credential_and_dead_refresh_token(shop):
    assert not shop_credential_usable(shop=shop)
    shop_credential_store(shop=shop, token_response=EXPIRING)
    assert shop_credential_usable(shop=shop)
    ShopCredential.objects.filter(shop=shop).update(refresh_token_expires_at=timezone.now())
    assert not shop_credential_usable(shop=shop)


def test_revoked_drops_the_credential(shop, other_shop):
    shop_credential_store(shop=shop, token_response=EXPIRING)
    shop_credential_store(shop=other_shop, token_response=EXPIRING)
    shop_access_token_revoked(shop=shop)
    shop_access_token_revoked(shop=shop)  # idempotent
    assert list(ShopCredential.objects.values_list("shop__domain", flat=True)) == [
        other_shop.domain
    ]


def test_revoked_keeps_a_pair_stored_after_the_refused_token(shop):
    shop_credential_store(shop=shop, token_response=EXPIRING)
    shop_credential_store(shop=shop, token_response={**EXPIRING, "access_token": "shpat_second"})
    assert shop_access_token_revoked(shop=shop, access_token="shpat_first") is False
    assert shop_access_token_get(shop=shop) == "shpat_second"
    assert shop_access_token_revoked(shop=shop, access_token="shpat_second") is True
    assert not ShopCredential.objects.filter(shop=shop).exists()


# --- key rotation -----------------------------------------------------------------------------

OLD_KEY = Fernet.generate_key().decode()
NEW_KEY = Fernet.generate_key().decode()


def test_rotation_reencrypts_on_read(shop):
    with override_settings(TOKEN_ENCRYPTION_KEYS=[OLD_KEY]):
        shop_credential_store(shop=shop, token_response=EXPIRING)
    with override_settings(TOKEN_ENCRYPTION_KEYS=[NEW_KEY, OLD_KEY]):
        assert shop_access_token_get(shop=shop) == "shpat_first"
        row = ShopCredential.objects.get(shop=shop)
        assert not crypto.needs_rotation(row.access_token)
        assert not crypto.needs_rotation(row.refresh_token)
    with override_settings(TOKEN_ENCRYPTION_KEYS=[NEW_KEY]):
        assert shop_access_token_get(shop=shop) == "shpat_first"


def test_rotation_command_reencrypts_every_credential(shop, other_shop):
    with override_settings(TOKEN_ENCRYPTION_KEYS=[OLD_KEY]):
        shop_credential_store(shop=shop, token_response=EXPIRING)
        shop_credential_store(shop=other_shop, token_response=NON_EXPIRING)
    with override_settings(TOKEN_ENCRYPTION_KEYS=[NEW_KEY, OLD_KEY]):
        call_command("rotate_token_encryption")
    with override_settings(TOKEN_ENCRYPTION_KEYS=[NEW_KEY]):
        assert shop_access_token_get(shop=shop) == "shpat_first"
        assert shop_access_token_get(shop=other_shop) == "shpat_forever"
        refresh = ShopCredential.objects.get(shop=shop).refresh_token
        assert crypto.decrypt(refresh) == "shprt_first"


def test_a_token_under_an_unknown_key_fails_loudly(shop):
    with override_settings(TOKEN_ENCRYPTION_KEYS=[OLD_KEY]):
        shop_credential_store(shop=shop, token_response=NON_EXPIRING)
    with (
        override_settings(TOKEN_ENCRYPTION_KEYS=[NEW_KEY]),
        pytest.raises(crypto.TokenDecryptionError),
    ):
        shop_access_token_get(shop=shop)


def test_tokens_never_reach_the_logs(shop, caplog):
    caplog.set_level(logging.DEBUG)
    shop_credential_store(shop=shop, token_response=EXPIRING)
    shop_access_token_get(shop=shop)
    shop_access_token_revoked(shop=shop)
    logged = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert "shpat_first" not in logged and "shprt_first" not in logged


def test_no_encryption_key_is_a_configuration_error(db):
    with override_settings(TOKEN_ENCRYPTION_KEYS=[]), pytest.raises(ImproperlyConfigured):
        crypto.encrypt("shpat_x")
