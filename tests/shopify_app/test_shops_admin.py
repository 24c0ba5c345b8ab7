"""Django admin for shops and credentials: access state visible, tokens never shown."""

from __future__ import annotations

from shopify_app.models import ShopCredential
from shopify_app.services.credentials import shop_credential_store

TOKEN = {
    "access_token": "shpat_secret_value",
    "scope": "read_customers",
    "expires_in": 3600,
    "refresh_token": "shprt_secret_value",
    "refresh_token_expires_in": 7776000,
}


def test_shop_list_shows_who_must_reopen_the_app(admin_client, shop, other_shop):
    shop_credential_store(shop=shop, token_response=TOKEN)
    html = admin_client.get("/django-admin/shopify_app/shop/").content.decode()
    assert "expiring token; refresh token valid until" in html
    assert "none: the merchant must reopen the app" in html  # other_shop has no credential


def test_credential_page_never_shows_a_token(admin_client, shop):
    shop_credential_store(shop=shop, token_response=TOKEN)
    credential = ShopCredential.objects.get(shop=shop)
    page = admin_client.get(f"/django-admin/shopify_app/shopcredential/{credential.pk}/change/")
    html = page.content.decode()
    assert page.status_code == 200
    for secret in ("shpat_secret_value", "shprt_secret_value", credential.access_token):
        assert secret not in html
