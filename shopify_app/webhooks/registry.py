"""The per-topic webhook handler registry that every app plugs into.

A handler is ``handler(*, shop: Shop, payload: dict, delivery: WebhookDelivery) -> None``.
The worker runs every handler of a delivery's topic in registration order, all inside one
transaction: either every handler's writes commit and the row is marked done, or none do and
the delivery is retried. Handlers must therefore be idempotent (a delivery can be retried after
a later handler failed, or replayed by an operator) and must not call Shopify (no network
inside the transaction; enqueue follow-up work with ``transaction.on_commit``).

Order: ``shopify_app`` registers its mirror handlers in ``ShopifyAppConfig.ready()``, which
runs before ``loyalty`` and ``referrals`` (INSTALLED_APPS order), so their handlers see the
mirrored Customer/Order rows already upserted.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from shopify_app.models import Shop, WebhookDelivery


class Handler(Protocol):
    def __call__(
        self, *, shop: Shop, payload: dict[str, Any], delivery: WebhookDelivery
    ) -> None: ...


_handlers: dict[str, list[Callable[..., None]]] = {}


def register_handler(topic: str, handler: Handler | Callable[..., None]) -> None:
    """Add ``handler`` for ``topic`` (e.g. ``"orders/paid"``), after those already registered.

    Registering the same function twice for a topic is a no-op, so an ``AppConfig.ready()``
    that runs again (test runners, autoreload) does not make a handler run twice.
    """
    handlers = _handlers.setdefault(topic, [])
    if handler not in handlers:
        handlers.append(handler)


def handlers_for(topic: str) -> list[Callable[..., None]]:
    """The handlers of ``topic`` in registration order (a copy; empty when none)."""
    return list(_handlers.get(topic, ()))


def registered_topics() -> list[str]:
    return sorted(t for t, hs in _handlers.items() if hs)
