"""Errors of the Shopify edge, mirroring the tree of Shopify's own JS library (``lib/error.ts``).

``ShopifyError`` is the root. The ones a client can cause (a forged signature, a bad shop
domain, an invalid session token, a shop that must reopen the app) also subclass
``config.exceptions.AppError`` so the DRF handler renders them as ``{"message","code","extra"}``
with the right status. HTTP failures talking to Shopify are ours to handle, not the client's:
they stay plain ``ShopifyError``s and callers (tasks) decide whether to retry.
"""

from __future__ import annotations

from typing import Any

from config.exceptions import AppError


class ShopifyError(Exception):
    """Something went wrong at the edge with Shopify."""


class InvalidSignature(ShopifyError, AppError):
    """The request's Shopify signature did not verify."""

    status = 401
    code = "invalid_signature"


class InvalidShopDomain(ShopifyError, AppError):
    """The shop is not a valid myshopify.com domain."""

    status = 400
    code = "invalid_shop"


class InvalidSessionToken(ShopifyError, AppError):
    """The session token is missing, malformed, forged or expired."""

    status = 401
    code = "invalid_session_token"


class ShopNotInstalled(ShopifyError, AppError):
    """The app is not installed on this shop."""

    status = 403
    code = "shop_not_installed"


class CustomerNotSignedIn(ShopifyError, AppError):
    """Sign in to your store account to do this."""

    status = 401
    code = "not_signed_in"


class ReauthorizationRequired(ShopifyError, AppError):
    """The shop's refresh token expired or its access was revoked: reopen the app in Shopify."""

    status = 401
    code = "reauthorization_required"


class ShopifyHttpError(ShopifyError):
    """Shopify answered with a non-2xx status (or not at all)."""

    def __init__(self, message: str, *, status: int | None = None, body: Any = None) -> None:
        super().__init__(message)
        self.status = status
        # Response body for diagnostics; never contains our credentials (Shopify doesn't echo them).
        self.body = body


class ShopifyRetriableError(ShopifyHttpError):
    """A failure worth retrying: 5xx, a timeout, a dropped connection."""


class ShopifyThrottled(ShopifyRetriableError):
    """Rate limited (HTTP 429 or GraphQL THROTTLED); wait ``retry_after`` seconds."""

    def __init__(
        self, message: str, *, retry_after: float, status: int | None = None, body: Any = None
    ) -> None:
        super().__init__(message, status=status, body=body)
        self.retry_after = retry_after


class ShopifyUserErrors(ShopifyError):
    """A mutation answered 200 with ``userErrors``: Shopify refused the input."""

    def __init__(self, message: str, *, user_errors: list[dict[str, Any]]) -> None:
        super().__init__(message)
        self.user_errors = user_errors


class ShopifyUnavailable(ShopifyError, AppError):
    """An admin page needed Shopify's answer and Shopify did not give one (after the client's
    retries): the page says so and offers to try again."""

    status = 503
    code = "shopify_unavailable"


class ShopifyRefused(ShopifyError, AppError):
    """Shopify refused what an admin page asked (a mutation's ``userErrors``): the page shows
    Shopify's messages (``extra.user_errors``)."""

    status = 400
    code = "shopify_refused"
