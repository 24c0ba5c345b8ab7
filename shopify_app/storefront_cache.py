"""GET state's cache: the rendered JSON in Redis per (shop, customer), valid while two
versions are unchanged, and the call every write makes after commit to change them.

Keys, by the shop's myshopify domain and Shopify's customer id — both from the verified proxy
signature, so a hit reads no database row (prefix ``STOREFRONT_STATE_CACHE_PREFIX``):

- ``<p>:v:<domain>``: the shop's version (program, catalog, branding, a set-based job);
- ``<p>:v:<domain>:<customer>``: the customer's version (their ledger, member, codes, referrals);
- ``<p>:s:<domain>:<customer or ->``: ``b"<shop version> <customer version> <json>"``.

Why it is correct: a request reads the versions *before* the database, and a write bumps them
*after* it commits, to a random token never used before. A rendering stored under token t was
made by a request that read t; if a write W changed its data, W's bump replaced t (readers
after it miss), and whoever stores under W's token read it after W committed, so it saw W.
A token, not a counter: a version key lost to eviction or a Redis restart, then set again,
cannot come back to a value an old rendering was stored under (a missing version is set, NX,
before rendering, and never matches). Between a write's commit and its bump (the same process,
microseconds; the writer bumps before it answers) a reader may still get the old state.

What is *not* covered by versions is time: text that changes with the clock alone (a lot past
its expiry date, a pending entry past its posting date before the beat job posts it). A section
may say when its data next changes by itself (``StorefrontContext.changes_at``); a rendering
lives until then, at most ``STOREFRONT_STATE_CACHE_SECONDS``. The state does not depend on the
storefront's locale (the widget translates), so the locale is not part of the key.

If Redis fails, GET state renders from the database, and a lost bump leaves a rendering stale
for at most its life: both are logged.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Iterable
from typing import cast

import redis
from django.conf import settings
from django.db import DatabaseError, connection, transaction

logger = logging.getLogger(__name__)

# A version outlives any rendering stored under it; an expired one is simply set again.
VERSION_SECONDS = 7 * 24 * 3600
# Immutable mappings (a shop's domain, a customer's Shopify id), remembered per process.
_MEMO_MAX = 50_000
_domains: dict[int, str] = {}
_shopify_ids: dict[int, int] = {}
_client: redis.Redis | None = None


def _redis() -> redis.Redis:
    global _client
    if _client is None:
        # Short timeouts: a slow Redis must cost a storefront request little (it then renders).
        _client = redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=0.5, socket_timeout=0.5
        )
    return _client


def _enabled() -> bool:
    return settings.STOREFRONT_STATE_CACHE_SECONDS > 0


def _version_keys(domain: str, customer_id: int | None) -> list[str]:
    prefix = settings.STOREFRONT_STATE_CACHE_PREFIX
    keys = [f"{prefix}:v:{domain}"]
    if customer_id is not None:
        keys.append(f"{prefix}:v:{domain}:{customer_id}")
    return keys


def _state_key(domain: str, customer_id: int | None) -> str:
    who = "-" if customer_id is None else str(customer_id)
    return f"{settings.STOREFRONT_STATE_CACHE_PREFIX}:s:{domain}:{who}"


def _token() -> str:
    return secrets.token_hex(8)


def _header(versions: list[bytes | None]) -> bytes:
    """The versions a stored state was rendered under, in front of its body (all are set)."""
    return b" ".join(v for v in versions if v) + b" "


def state_cached(
    *, domain: str, customer_id: int | None, render: Callable[[], tuple[bytes, float | None]]
) -> bytes:
    """The state's JSON for this shopper: from Redis when both versions match, else
    ``render()`` (``(json, seconds it stays true or None)``), stored for the next request."""
    if not _enabled():
        return render()[0]
    keys = _version_keys(domain, customer_id)
    state_key = _state_key(domain, customer_id)
    client = _redis()
    try:
        found = cast(list[bytes | None], client.mget([*keys, state_key]))
        versions, stored = found[:-1], found[-1]
        if stored is not None and all(versions):
            header = _header(versions)
            if stored.startswith(header):
                return stored[len(header) :]
        if not all(versions):
            pipe = client.pipeline(transaction=False)
            for key, version in zip(keys, versions, strict=True):
                if version is None:
                    pipe.set(key, _token(), nx=True, ex=VERSION_SECONDS)
            pipe.mget(keys)
            versions = cast(list[bytes | None], pipe.execute()[-1])
    except redis.RedisError as error:
        logger.warning("storefront state cache unavailable: %s", error)
        return render()[0]
    body, seconds = render()
    life = settings.STOREFRONT_STATE_CACHE_SECONDS
    if seconds is not None:
        life = min(life, int(seconds))
    if life >= 1 and all(versions):
        try:
            header = _header(versions)
            client.set(state_key, header + body, ex=life)
        except redis.RedisError as error:
            logger.warning("storefront state not cached: %s", error)
    return body


def storefront_state_changed(
    *,
    shop_id: int,
    customer_ids: Iterable[int] | None = None,
    shopify_customer_ids: Iterable[int] | None = None,
) -> None:
    """After the current transaction commits (at once outside one), make the next GET state
    of these customers re-render: ``customer_ids`` are our ``Customer`` pks,
    ``shopify_customer_ids`` Shopify's ids. With neither, the whole shop's (a program or
    catalog edit, a set-based job). Every write to what a storefront section shows calls it
    (directly, or through ``loyalty``'s ``member_lock``)."""
    if not _enabled():
        return
    whole_shop = customer_ids is None and shopify_customer_ids is None
    ours = sorted(set(customer_ids or ()))
    theirs = sorted(set(shopify_customer_ids or ()))
    if not whole_shop and not ours and not theirs:
        return
    transaction.on_commit(
        lambda: _bump(shop_id=shop_id, whole_shop=whole_shop, ours=ours, theirs=theirs),
        robust=True,
    )


def _bump(*, shop_id: int, whole_shop: bool, ours: list[int], theirs: list[int]) -> None:
    try:
        domain, shopify_ids = _resolve(shop_id=shop_id, customer_ids=ours)
    except DatabaseError as error:
        logger.warning("storefront state not invalidated (shop %s): %s", shop_id, error)
        return
    if domain is None:  # the shop is gone (shop/redact): nothing of it can be served
        return
    keys = (
        _version_keys(domain, None)
        if whole_shop
        else [_version_keys(domain, cid)[1] for cid in sorted({*shopify_ids, *theirs})]
    )
    try:
        pipe = _redis().pipeline(transaction=False)
        for key in keys:
            pipe.set(key, _token(), ex=VERSION_SECONDS)
        pipe.execute()
    except redis.RedisError as error:
        logger.warning("storefront state not invalidated (shop %s): %s", shop_id, error)


def _resolve(*, shop_id: int, customer_ids: list[int]) -> tuple[str | None, list[int]]:
    """The shop's domain and these customers' Shopify ids (one query, then memoised: neither
    ever changes for a row)."""
    missing = [c for c in customer_ids if c not in _shopify_ids]
    if shop_id not in _domains or missing:
        # A plain IN list (SQLite in development has no ANY); ids are bound parameters.
        join = f" AND c.id IN ({', '.join(['%s'] * len(missing))})" if missing else " AND false"
        with connection.cursor() as cursor:
            sql = (
                "SELECT s.domain, c.id, c.shopify_id FROM shopify_app_shop s"  # noqa: S608
                f" LEFT JOIN shopify_app_customer c ON c.shop_id = s.id{join} WHERE s.id = %s"
            )
            cursor.execute(sql, [*missing, shop_id])
            rows = cursor.fetchall()
        if not rows:
            return None, []
        if len(_domains) + len(_shopify_ids) > _MEMO_MAX:
            _domains.clear()
            _shopify_ids.clear()
        for domain, pk, shopify_id in rows:
            _domains[shop_id] = domain
            if pk is not None:
                _shopify_ids[pk] = shopify_id
    return _domains[shop_id], [_shopify_ids[c] for c in customer_ids if c in _shopify_ids]
