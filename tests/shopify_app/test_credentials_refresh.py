"""Expiring offline tokens refreshed against devshop: once, atomically, surviving lost answers.

Only the network is interfered with (an adapter that loses answers); devshop keeps Shopify's
rules: a refresh retires the previous pair, except that a refresh token whose answer was lost
keeps working until its replacement is first used.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import requests
from django.db import connection
from django.utils import timezone

from devshop import clock as devshop_clock
from devshop.frame.views import mint_id_token
from devshop.models import DevAccessToken
from devshop.services import shops as devshop_shops
from devshop.services.tokens import access_token_authenticate
from devshop.testing import InProcessAdapter
from shopify_app import crypto, http
from shopify_app.exceptions import ReauthorizationRequired, ShopifyRetriableError
from shopify_app.models import Shop, ShopCredential
from shopify_app.services import credentials, shops
from shopify_app.services.credentials import REFRESH_ATTEMPTS, shop_access_token_get

pytestmark = pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")

DOMAIN = "bob-shop.myshopify.com"


@pytest.fixture(autouse=True)
def no_hooks(monkeypatch):
    monkeypatch.setattr(shops, "post_install_hooks", [])
    monkeypatch.setattr(credentials, "REFRESH_BACKOFF_SECONDS", (0.0,))


@pytest.fixture
def dev_shop(db):
    shop = devshop_shops.shop_create(domain=DOMAIN)
    yield shop
    devshop_clock.reset()


def install(dev_shop) -> Shop:
    """Managed installation through the real token endpoint (expiring offline token)."""
    owner = devshop_shops.shop_owner(shop=dev_shop)
    from shopify_app.session_tokens import decode

    session = decode(mint_id_token(dev_shop.domain, owner.id))
    return shops.shop_token_exchange_install(session=session)


def about_to_expire(shop: Shop) -> None:
    ShopCredential.objects.filter(shop=shop).update(
        expires_at=timezone.now() + timedelta(minutes=1)
    )


def stored_pair(shop: Shop) -> tuple[str, str]:
    row = ShopCredential.objects.get(shop=shop)
    return crypto.decrypt(row.access_token), crypto.decrypt(row.refresh_token)


def refresh_calls(adapter) -> list[requests.PreparedRequest]:
    return [r for r in adapter.requests if b"refresh_token" in (r.body or b"")]


def test_a_token_about_to_expire_is_refreshed_and_the_pair_replaced(dev_shop, inprocess_http):
    shop = install(dev_shop)
    old_access, old_refresh = stored_pair(shop)
    version = ShopCredential.objects.get(shop=shop).version
    about_to_expire(shop)

    token = shop_access_token_get(shop=shop)

    new_access, new_refresh = stored_pair(shop)
    assert token == new_access != old_access
    assert new_refresh != old_refresh
    assert ShopCredential.objects.get(shop=shop).version == version + 1
    assert access_token_authenticate(shop=dev_shop, token=token) is not None
    assert len(refresh_calls(inprocess_http)) == 1
    # A fresh token is handed out without another refresh.
    assert shop_access_token_get(shop=shop) == token
    assert len(refresh_calls(inprocess_http)) == 1


class LosingAdapter(InProcessAdapter):
    """Delivers requests to devshop but loses the first ``lose`` refresh answers on the way back."""

    def __init__(self, lose: int) -> None:
        super().__init__()
        self.lose = lose

    def send(self, request, *args, **kwargs):
        response = super().send(request, *args, **kwargs)
        if b"refresh_token" in (request.body or b"") and self.lose > 0:
            self.lose -= 1
            raise requests.ConnectionError("connection reset")
        return response


@pytest.fixture
def losing_http(db):
    adapters: list[LosingAdapter] = []

    def mount(lose: int) -> LosingAdapter:
        adapter = LosingAdapter(lose)
        http.session.mount("http://testserver/", adapter)
        adapters.append(adapter)
        return adapter

    yield mount
    http.session.adapters.pop("http://testserver/", None)


def test_a_lost_refresh_answer_is_retried_with_the_same_refresh_token(dev_shop, losing_http):
    losing_http(lose=0)
    shop = install(dev_shop)
    _, old_refresh = stored_pair(shop)
    about_to_expire(shop)
    adapter = losing_http(lose=1)

    token = shop_access_token_get(shop=shop)

    calls = refresh_calls(adapter)
    assert len(calls) == 2
    assert all(old_refresh.encode() in bytes(call.body or b"") for call in calls)
    # Devshop issued two pairs; the one we kept works, and refreshes again later.
    assert access_token_authenticate(shop=dev_shop, token=token) is not None
    about_to_expire(shop)
    assert shop_access_token_get(shop=shop) != token


def test_refresh_that_never_answers_keeps_the_pair_and_uses_the_current_token(
    dev_shop, losing_http
):
    losing_http(lose=0)
    shop = install(dev_shop)
    before = stored_pair(shop)
    about_to_expire(shop)
    adapter = losing_http(lose=REFRESH_ATTEMPTS)

    # The current token still has a minute: it is used while the refresh can't get through.
    assert shop_access_token_get(shop=shop) == before[0]
    assert len(refresh_calls(adapter)) == REFRESH_ATTEMPTS
    assert stored_pair(shop) == before


def test_refresh_that_never_answers_for_an_expired_token_raises_retriable(dev_shop, losing_http):
    losing_http(lose=0)
    shop = install(dev_shop)
    before = stored_pair(shop)
    ShopCredential.objects.filter(shop=shop).update(expires_at=timezone.now())
    losing_http(lose=REFRESH_ATTEMPTS)
    with pytest.raises(ShopifyRetriableError):
        shop_access_token_get(shop=shop)
    assert stored_pair(shop) == before


def test_refresh_token_refused_by_shopify_means_reopen_the_app(dev_shop, inprocess_http):
    shop = install(dev_shop)
    about_to_expire(shop)
    # Shopify's clock says the refresh token's 90 days are over (ours disagrees).
    devshop_clock.advance(91 * 24 * 3600)
    with pytest.raises(ReauthorizationRequired) as caught:
        shop_access_token_get(shop=shop)
    assert caught.value.status == 401
    assert not ShopCredential.objects.filter(shop=shop).exists()
    assert Shop.objects.get(pk=shop.pk).is_installed  # the next admin open re-exchanges


def test_refresh_after_uninstall_on_shopify_means_reopen_the_app(dev_shop, inprocess_http):
    shop = install(dev_shop)
    about_to_expire(shop)
    devshop_shops.app_uninstall(shop=dev_shop)
    with pytest.raises(ReauthorizationRequired):
        shop_access_token_get(shop=shop)
    assert not ShopCredential.objects.filter(shop=shop).exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_workers_refresh_exactly_once(live_server, settings):
    """N workers (threads with their own DB connections) need the shop's token at once.

    Everything goes over real HTTP to devshop on the live server, each worker in its own
    transaction, so only the row lock can serialise them.
    """
    settings.SHOPIFY_SHOP_ORIGIN_TEMPLATE = f"{live_server.url}/store/{{shop}}"
    dev_shop = devshop_shops.shop_create(domain=DOMAIN)
    try:
        shop = install(dev_shop)
        about_to_expire(shop)
        tokens_before = DevAccessToken.objects.filter(installation__shop=dev_shop).count()

        workers = 8
        barrier = threading.Barrier(workers)
        results: list[str] = []
        errors: list[BaseException] = []

        def worker() -> None:
            try:
                barrier.wait()
                results.append(shop_access_token_get(shop=Shop.objects.get(pk=shop.pk)))
            except BaseException as exc:  # reported below
                errors.append(exc)
            finally:
                connection.close()

        threads = [threading.Thread(target=worker) for _ in range(workers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

        assert errors == []
        assert len(results) == workers and len(set(results)) == 1
        # Exactly one refresh reached devshop: one new token, and it is the one stored.
        assert DevAccessToken.objects.filter(installation__shop=dev_shop).count() == (
            tokens_before + 1
        )
        assert stored_pair(shop)[0] == results[0]
        assert access_token_authenticate(shop=dev_shop, token=results[0]) is not None
    finally:
        devshop_clock.reset()
