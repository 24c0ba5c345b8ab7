"""DRF authentication for the two client surfaces: the embedded admin and the app proxy.

- ``SessionTokenAuthentication`` (``/api/admin/*``): ``Authorization: Bearer <session token>``
  from App Bridge → ``request.shop`` (an installed shop, from the token's signed ``dest``) and
  ``request.staff_user_id``. A missing, invalid or expired token raises ``InvalidSessionToken``
  (401); ``shopify_app.views.api.ShopAPIView`` adds ``X-Shopify-Retry-Invalid-Session-Request: 1``
  so App Bridge fetches a fresh token and retries.
- ``AppProxyAuthentication`` (storefront requests through the app proxy): the ``signature``
  query parameter → ``request.shop`` and ``request.logged_in_customer_id`` (None when the
  shopper is anonymous). The signature proves integrity, not authorization: serve a shopper
  only their own data, by ``logged_in_customer_id``.

Both refuse a shop that is not installed (``ShopNotInstalled``, 403): after ``app/uninstalled``
its admin and storefront requests get a clear answer rather than stale data.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import parse_qsl

from rest_framework.authentication import BaseAuthentication
from rest_framework.request import Request

from shopify_app import session_tokens, signatures
from shopify_app.exceptions import InvalidSignature, ShopNotInstalled
from shopify_app.models import Shop
from shopify_app.services.credentials import shop_credential_usable
from shopify_app.services.shops import shop_token_exchange_install

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ShopStaff:
    """``request.user`` on the admin API: a staff member of ``shop``, per the session token."""

    shop: Shop
    user_id: str
    is_authenticated: bool = True


_SHOP_SQL = "SELECT * FROM shopify_app_shop WHERE domain = %s"


@dataclass(frozen=True)
class StorefrontVisitor:
    """``request.user`` behind the app proxy; ``customer_id`` is None for anonymous shoppers."""

    shop_domain: str  # verified by the signature
    customer_id: int | None
    is_authenticated: bool = True


def _installed_shop(domain: str) -> Shop:
    # Raw: every storefront and admin request makes this read, and building it with the ORM
    # cost twice what running it does (bench/storefront_state.py).
    shop = next(iter(Shop.objects.raw(_SHOP_SQL, [domain])), None)
    if shop is None or not shop.is_installed:
        raise ShopNotInstalled(
            "The app is not installed on this shop: open it from the Shopify admin to install it.",
            extra={"shop": domain},
        )
    return shop


def _annotate(request: Request, **attributes: object) -> None:
    # On the DRF request and the Django request beneath it, so middleware sees them too.
    for name, value in attributes.items():
        setattr(request, name, value)
        setattr(request._request, name, value)


class SessionTokenAuthentication(BaseAuthentication):
    def authenticate(self, request: Request):
        token = session_tokens.decode_from_header(request.headers.get("Authorization"))
        shop = _installed_shop(token.shop)
        if not shop_credential_usable(shop=shop):
            # The refresh token died (or Shopify revoked the token) while the merchant has the
            # app open: this request carries what token exchange needs, so heal it now.
            shop = shop_token_exchange_install(session=token)
        _annotate(request, shop=shop, staff_user_id=token.user_id, shopify_shop_domain=shop.domain)
        return ShopStaff(shop=shop, user_id=token.user_id), token

    def authenticate_header(self, request: Request) -> str:
        # A value here makes DRF answer unauthenticated requests with 401, not 403.
        return 'Bearer realm="shopify-session-token"'


def installed_shop_get(domain: str) -> Shop:
    """The installed shop of this (verified) domain; raises ``ShopNotInstalled``."""
    return _installed_shop(domain)


class AppProxyAuthentication(BaseAuthentication):
    # False: verify the signature only and leave ``request.shop`` to the view (GET state reads
    # the shop only when its cache misses: ``shopify_app.storefront_cache``).
    load_shop = True

    def authenticate(self, request: Request):
        pairs = parse_qsl(request.META.get("QUERY_STRING", ""), keep_blank_values=True)
        result = signatures.app_proxy_verify(pairs)
        if not result.valid:
            logger.info("app proxy request refused", extra={"reason": str(result.reason)})
            raise InvalidSignature(
                "The app proxy signature is invalid.", extra={"reason": str(result.reason)}
            )
        assert result.shop is not None  # a valid verification names the shop
        shop = _installed_shop(result.shop) if self.load_shop else None
        raw_customer = dict(pairs).get("logged_in_customer_id", "")
        customer_id = int(raw_customer) if raw_customer.isdigit() else None
        _annotate(
            request, shop=shop, proxy_shop_domain=result.shop, logged_in_customer_id=customer_id
        )
        return StorefrontVisitor(shop_domain=result.shop, customer_id=customer_id), None

    def authenticate_header(self, request: Request) -> str:
        return 'ShopifyAppProxy realm="shopify-app-proxy"'


class AppProxySignatureAuthentication(AppProxyAuthentication):
    """The proxy signature only: ``request.shop`` is None until the view loads it."""

    load_shop = False
