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

Batches: a handler may also have a set-based form,
``batch_handler(*, shop: Shop, deliveries: list[WebhookDelivery]) -> None``, doing for all the
deliveries at once what the handler does for one (a few statements per batch instead of a few
per delivery). The worker groups the deliveries it claimed by shop and topic and, for a topic
with any set-based form, runs each handler in registration order over the whole group: the
set-based form where there is one, else the handler once per delivery. If anything in a group
fails, the group is rolled back and its deliveries are run one by one, so the bad one is
isolated. A set-based form must therefore give the same result as the handler run for each
delivery in turn, including when the group holds several deliveries for one resource.
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


class BatchHandler(Protocol):
    def __call__(self, *, shop: Shop, deliveries: list[WebhookDelivery]) -> None: ...


_handlers: dict[str, list[Callable[..., None]]] = {}
_batch_handlers: dict[tuple[str, Callable[..., None]], Callable[..., None]] = {}


def register_handler(topic: str, handler: Handler | Callable[..., None]) -> None:
    """Add ``handler`` for ``topic`` (e.g. ``"orders/paid"``), after those already registered.

    Registering the same function twice for a topic is a no-op, so an ``AppConfig.ready()``
    that runs again (test runners, autoreload) does not make a handler run twice.
    """
    handlers = _handlers.setdefault(topic, [])
    if handler not in handlers:
        handlers.append(handler)


def register_batch_handler(
    topic: str,
    handler: Handler | Callable[..., None],
    batch_handler: BatchHandler | Callable[..., None],
) -> None:
    """Give ``handler`` (registered for ``topic``) its set-based form ``batch_handler``.

    Registering again replaces the form, so a repeated ``AppConfig.ready()`` is harmless.
    """
    if handler not in _handlers.get(topic, ()):
        raise ValueError(f"{handler!r} is not a handler of {topic}")
    _batch_handlers[(topic, handler)] = batch_handler


def batch_handler_for(topic: str, handler: Callable[..., None]) -> Callable[..., None] | None:
    """The set-based form of ``handler`` for ``topic``, or None."""
    return _batch_handlers.get((topic, handler))


def has_batch_handlers(topic: str) -> bool:
    """Whether any handler of ``topic`` has a set-based form (the worker groups its rows)."""
    return any((topic, h) in _batch_handlers for h in _handlers.get(topic, ()))


def handlers_for(topic: str) -> list[Callable[..., None]]:
    """The handlers of ``topic`` in registration order (a copy; empty when none)."""
    return list(_handlers.get(topic, ()))


def registered_topics() -> list[str]:
    return sorted(t for t, hs in _handlers.items() if hs)
