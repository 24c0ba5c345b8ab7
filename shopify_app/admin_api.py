"""The one client for Shopify's Admin GraphQL API.

    data = admin_api.execute(shop=shop, document=graphql.webhooks.WEBHOOK_SUBSCRIPTIONS)
    result = admin_api.mutate(shop=shop, document=..., variables={...}, field="tagsAdd")

Why not ShopifyAPI's ``shopify.GraphQL``: it sends with ``urllib.request.urlopen`` without a
timeout (a hung connection holds a worker forever), reads the shop and token from class-level
state set by ``ShopifyResource.activate_session`` (not safe across threads or shops in one
process), prints error bodies to stdout, returns the body as a string and has no notion of
throttling, retries or ``userErrors``. What we need from it is one POST, so this module does
that POST itself through ``shopify_app.http.session`` (connect/read timeouts; devshop's
in-process adapter in tests) and adds:

- **cost-based throttling** (platform §10): each response's
  ``extensions.cost.throttleStatus`` is stored per shop in Redis; before sending, the query's
  expected cost (its last requested cost, learned per document) is reserved atomically from
  the leaky bucket, and the caller waits ``(cost - available) / restoreRate`` when the bucket
  is short. Workers of every process share the bucket, so they slow down together instead of
  each discovering THROTTLED.
- **retries with backoff** (bounded by ``MAX_ATTEMPTS``): GraphQL ``THROTTLED`` waits
  ``(requested - available) / restoreRate`` (≥ 1 s); HTTP 429 waits ``Retry-After``; 5xx,
  timeouts and dropped connections back off exponentially. Mutations are retried too, so every
  caller's mutation must be idempotent (discount codes are unique; ``metafieldsSet`` upserts).
  When retries run out the error is raised (``ShopifyThrottled``/``ShopifyRetriableError``) and
  the calling task retries later.
- **401**: the merchant revoked the token (or it expired). The token that was sent is dropped
  (``shop_access_token_revoked``) so the next admin load exchanges a new one, and
  ``ReauthorizationRequired`` is raised. If another worker stored a new pair while the request
  was in flight (a refresh, a re-exchange), that pair is kept and the call is retried with it.
- **typed errors**: top-level ``errors`` → ``GraphqlQueryError`` (except field-level
  ``ACCESS_DENIED`` on protected customer data, which Shopify answers with nulls plus an error
  until the app is approved: those are logged and the partial data returned); non-empty
  ``userErrors`` of a mutation → ``ShopifyUserErrors``.

The API version comes from ``settings.SHOPIFY_API_VERSION`` only. Never call this inside a
database transaction: it can sleep and it talks to the network.
"""

from __future__ import annotations

import hashlib
import logging
import random
import time
from typing import Any

import redis
import requests
from django.conf import settings

from shopify_app import http
from shopify_app.exceptions import (
    ReauthorizationRequired,
    ShopifyError,
    ShopifyHttpError,
    ShopifyRetriableError,
    ShopifyThrottled,
    ShopifyUserErrors,
)
from shopify_app.models import Shop
from shopify_app.services import credentials

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
# Exponential backoff for 5xx and transport errors: 0.5, 1, 2, 4 s (+ jitter), capped.
BACKOFF_BASE = 0.5
BACKOFF_MAX = 8.0
# Never sleep longer than this in one wait, whatever a header or the bucket says: a longer
# wait belongs to the task's own retry (countdown), not a blocked worker.
MAX_WAIT = 30.0
# Expected cost of a document never sent before: Shopify's cost of a small query.
DEFAULT_COST = 10.0
# The bucket's state is worth keeping only while it could still be short.
BUCKET_TTL_SECONDS = 120


class GraphqlQueryError(ShopifyError):
    """Shopify answered the query with top-level ``errors`` (a bad document, ACCESS_DENIED…)."""

    def __init__(self, message: str, *, errors: list[dict[str, Any]]) -> None:
        super().__init__(message)
        self.errors = errors


# --- the per-shop leaky bucket ---------------------------------------------------------------

# Atomically: refill the stored bucket for the time elapsed, then either take ``cost`` from it
# (returns 0) or return how many seconds until ``cost`` is available. No stored state (first
# call, or idle past the TTL) means the bucket is full as far as we know.
_RESERVE = """
local key = KEYS[1]
local cost = tonumber(ARGV[1])
local now = tonumber(ARGV[2])
local ttl = tonumber(ARGV[3])
local state = redis.call('HMGET', key, 'available', 'maximum', 'rate', 'at')
if not state[1] then return '0' end
local available = tonumber(state[1])
local maximum = tonumber(state[2])
local rate = tonumber(state[3])
available = math.min(maximum, available + math.max(0, now - tonumber(state[4])) * rate)
cost = math.min(cost, maximum)
if available >= cost then
  redis.call('HSET', key, 'available', available - cost, 'at', now)
  redis.call('EXPIRE', key, ttl)
  return '0'
end
return tostring((cost - available) / rate)
"""

_redis_client: redis.Redis | None = None
# Last requested cost per document (by hash), learned from responses: a good estimate of the
# next call's cost, since a document's cost depends mostly on its `first:` arguments.
_document_costs: dict[str, float] = {}


def _redis() -> redis.Redis:
    global _redis_client
    if _redis_client is None:
        _redis_client = redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2
        )
    return _redis_client


def _bucket_key(shop: Shop) -> str:
    return f"shopify:graphql-bucket:{shop.domain}"


def _document_key(document: str) -> str:
    return hashlib.sha1(document.encode(), usedforsecurity=False).hexdigest()


def _bucket_reserve(shop: Shop, cost: float) -> float:
    """Take ``cost`` points from the shop's bucket; 0, or the seconds to wait before retrying."""
    if not settings.REDIS_URL:  # development without Redis: rely on THROTTLED alone
        return 0.0
    wait = _redis().eval(_RESERVE, 1, _bucket_key(shop), cost, _now(), BUCKET_TTL_SECONDS)
    return float(wait)


def _bucket_record(shop: Shop, throttle_status: dict[str, Any]) -> None:
    """Store Shopify's own view of the bucket after a response (it is the authority)."""
    if not settings.REDIS_URL:
        return
    key = _bucket_key(shop)
    pipe = _redis().pipeline()
    pipe.hset(
        key,
        mapping={
            "available": float(throttle_status["currentlyAvailable"]),
            "maximum": float(throttle_status["maximumAvailable"]),
            "rate": float(throttle_status["restoreRate"]),
            "at": _now(),
        },
    )
    pipe.expire(key, BUCKET_TTL_SECONDS)
    pipe.execute()


def _wait_for_bucket(shop: Shop, cost: float) -> None:
    waited = 0.0
    while (wait := _bucket_reserve(shop, cost)) > 0:
        if waited + wait > MAX_WAIT:
            raise ShopifyThrottled(f"Admin API bucket of {shop.domain} is short", retry_after=wait)
        _sleep(wait)
        waited += wait


# The bucket's clock and the waits, as functions so a test can run them on devshop's clock.
def _now() -> float:
    return time.time()


def _sleep(seconds: float) -> None:
    time.sleep(seconds)


# --- the request -----------------------------------------------------------------------------


def _endpoint(shop: Shop) -> str:
    return http.shop_url(shop.domain, f"/admin/api/{settings.SHOPIFY_API_VERSION}/graphql.json")


def _post(
    shop: Shop, token: str, document: str, variables: dict[str, Any] | None
) -> requests.Response:
    return http.session.post(
        _endpoint(shop),
        json={"query": document, "variables": variables or {}},
        headers={"X-Shopify-Access-Token": token, "Accept": "application/json"},
        timeout=http.TIMEOUT,
    )


def _backoff(attempt: int) -> float:
    return min(BACKOFF_MAX, BACKOFF_BASE * 2 ** (attempt - 1)) * (1 + random.random() / 4)


def _retry_after(response: requests.Response) -> float:
    try:
        return max(1.0, float(response.headers.get("Retry-After", "")))
    except ValueError:
        return 1.0


def _throttled_wait(cost: dict[str, Any]) -> float:
    status = cost.get("throttleStatus") or {}
    try:
        missing = float(cost["requestedQueryCost"]) - float(status["currentlyAvailable"])
        return max(1.0, missing / float(status["restoreRate"]))
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return 1.0


def _send_once(shop: Shop, document: str, variables: dict[str, Any] | None) -> dict[str, Any]:
    """One attempt: reserve, POST, classify. Returns the body's ``data``; raises typed errors."""
    doc_key = _document_key(document)
    _wait_for_bucket(shop, _document_costs.get(doc_key, DEFAULT_COST))
    # The token is fetched here, not inside _post, so a 401 can name the token it refused.
    token = credentials.shop_access_token_get(shop=shop)
    try:
        response = _post(shop, token, document, variables)
    except (requests.ConnectionError, requests.Timeout) as exc:
        raise ShopifyRetriableError(f"Admin API unreachable: {type(exc).__name__}") from exc

    if response.status_code == 401:
        # Drop only the token Shopify refused: a pair another worker stored meanwhile must
        # survive, or a 401 racing a refresh would lock the shop out until the merchant returns.
        if credentials.shop_access_token_revoked(shop=shop, access_token=token):
            raise ReauthorizationRequired(f"Admin API refused the access token of {shop.domain}")
        raise ShopifyRetriableError("Admin API refused a token replaced meanwhile", status=401)
    if response.status_code == 429:
        raise ShopifyThrottled(
            "Admin API answered 429",
            retry_after=_retry_after(response),
            status=429,
            body=response.text[:2000],
        )
    if response.status_code >= 500:
        raise ShopifyRetriableError(
            f"Admin API answered {response.status_code}",
            status=response.status_code,
            body=response.text[:2000],
        )
    if response.status_code != 200:
        raise ShopifyHttpError(
            f"Admin API answered {response.status_code}",
            status=response.status_code,
            body=response.text[:2000],
        )
    try:
        body = response.json()
    except ValueError as exc:
        raise ShopifyRetriableError("Admin API answered 200 without JSON", status=200) from exc

    cost = (body.get("extensions") or {}).get("cost") or {}
    if cost.get("throttleStatus"):
        _bucket_record(shop, cost["throttleStatus"])
    if cost.get("requestedQueryCost") is not None:
        _document_costs[doc_key] = float(cost["requestedQueryCost"])

    errors = body.get("errors") or []
    if any((e.get("extensions") or {}).get("code") == "THROTTLED" for e in errors):
        raise ShopifyThrottled("Admin API THROTTLED", retry_after=_throttled_wait(cost), status=200)
    data = body.get("data")
    if errors:
        tolerated = data is not None and all(_is_protected_data_error(e) for e in errors)
        if not tolerated:
            messages = "; ".join(str(e.get("message", "")) for e in errors)
            raise GraphqlQueryError(f"Admin API query failed: {messages}", errors=errors)
        logger.warning(
            "Admin API withheld protected customer data for %s (%d fields)",
            shop.domain,
            len(errors),
        )
    if data is None:
        raise GraphqlQueryError("Admin API answered without data", errors=errors)
    return data


def _is_protected_data_error(error: dict[str, Any]) -> bool:
    """A field-level ACCESS_DENIED: Shopify nulls protected customer data until approval."""
    return (
        bool(error.get("path")) and (error.get("extensions") or {}).get("code") == "ACCESS_DENIED"
    )


def execute(
    *, shop: Shop, document: str, variables: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Run a GraphQL document for ``shop`` and return its ``data``.

    Waits for the shop's rate-limit bucket, retries THROTTLED, 429, 5xx and transport errors up
    to ``MAX_ATTEMPTS`` times with backoff. Raises ``GraphqlQueryError`` (top-level errors),
    ``ReauthorizationRequired`` (401; the token is dropped), ``ShopifyThrottled`` or
    ``ShopifyRetriableError`` (retries exhausted) or ``ShopifyHttpError`` (other statuses).
    """
    attempt = 1
    while True:
        try:
            return _send_once(shop, document, variables)
        except ShopifyThrottled as exc:
            if attempt >= MAX_ATTEMPTS or exc.retry_after > MAX_WAIT:
                raise
            logger.info("Admin API throttled for %s; waiting %.1fs", shop.domain, exc.retry_after)
            _sleep(exc.retry_after)
        except ShopifyRetriableError as exc:
            if attempt >= MAX_ATTEMPTS:
                raise
            wait = _backoff(attempt)
            logger.warning("%s for %s; retrying in %.1fs", exc, shop.domain, wait)
            _sleep(wait)
        attempt += 1


def mutate(
    *, shop: Shop, document: str, variables: dict[str, Any] | None, field: str
) -> dict[str, Any]:
    """Run a mutation and return ``data[field]``; raise ``ShopifyUserErrors`` on ``userErrors``.

    Shopify answers a refused mutation with 200 and a non-empty ``userErrors`` list in the
    mutation's payload (``field``, e.g. ``"webhookSubscriptionCreate"``). Other errors as
    ``execute``.
    """
    data = execute(shop=shop, document=document, variables=variables)
    payload = data.get(field)
    if payload is None:
        raise GraphqlQueryError(f"Admin API answered no {field!r}", errors=[])
    user_errors = payload.get("userErrors") or []
    if user_errors:
        messages = "; ".join(str(e.get("message", "")) for e in user_errors)
        raise ShopifyUserErrors(f"{field} refused: {messages}", user_errors=user_errors)
    return payload
