"""The launcher's ``GET state``, assembled from what the domain apps register.

``shopify_app`` owns the storefront door (the app proxy, its signature, the customer id) but
knows nothing of points, tiers or referrals. Apps register here from their ``AppConfig.ready()``,
as they register webhook handlers (``shopify_app.webhooks.registry``):

- ``register_section(key, builder, title=…, order=…)``: one entry of ``sections``.
  ``builder(context=StorefrontContext) -> dict | None`` returns the section's JSON data, or
  None to leave the section out (e.g. a module the merchant switched off). Sections come out
  by ``order``, then key; the launcher renders the keys it knows and skips the others, so a new
  module adds a section without touching the view or the widget's loader.
- ``register_launcher(provider)``: the launcher's branding and texts
  (``provider(context=…) -> dict``); the last registration wins. Without one the launcher gets
  neutral defaults.

Each builder makes a fixed number of queries whatever the member's history (the view's test
pins the total), and returns only plain JSON values: the widget renders every string as text.

GET state is cached (``shopify_app.storefront_cache``): whatever writes what a section shows
calls ``storefront_state_changed`` after commit (``loyalty``'s ``member_lock`` does it for
every write under a member lock), and a builder whose data changes with the clock alone says
when (``context.changes_at``). A new section must do both.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils import timezone
from rest_framework.renderers import JSONRenderer

from shopify_app.models import Customer, Shop


@dataclass(frozen=True)
class StorefrontContext:
    """Who is asking: the shop and customer from the verified proxy signature only."""

    shop: Shop
    customer_id: int | None  # Shopify's logged_in_customer_id; None for a guest
    customer: Customer | None  # our mirror of that customer, when we have it
    # Reads the builders of one request share (e.g. an app's settings row), keyed by the app.
    memo: dict[str, Any] = field(default_factory=dict, compare=False)

    def changes_at(self, when: datetime | None) -> None:
        """A builder's data changes by itself at ``when`` (a lot expires, an entry posts): a
        cached state (``shopify_app.storefront_cache``) is not served past the earliest."""
        if when is not None and (
            self.memo.get(_CHANGES_AT) is None or when < self.memo[_CHANGES_AT]
        ):
            self.memo[_CHANGES_AT] = when


_CHANGES_AT = "storefront.changes_at"
_CUSTOMER_SQL = (
    "SELECT * FROM shopify_app_customer WHERE shop_id = %s AND shopify_id = %s ORDER BY id LIMIT 1"
)

SectionBuilder = Callable[..., dict[str, Any] | None]
LauncherProvider = Callable[..., dict[str, Any]]


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    builder: SectionBuilder
    order: int


_sections: dict[str, Section] = {}
_launcher: list[LauncherProvider] = []

DEFAULT_LAUNCHER: dict[str, Any] = {
    "label": "Rewards",
    "position": "bottom-right",
    "button_color": "#5c6ac4",
    "text_color": "#ffffff",
    "icon": "gift",
    "program_name": "",
    "texts": {},
}
# Storefront paths Shopify serves on every store (relative, so they follow the shop's domain).
LINKS = {"login": "/account/login", "register": "/account/register", "cart": "/cart"}


def register_section(key: str, builder: SectionBuilder, *, title: str, order: int = 100) -> None:
    """Add (or replace, on a repeated ``ready()``) the section ``key``."""
    _sections[key] = Section(key=key, title=title, builder=builder, order=order)


def unregister_section(key: str) -> None:
    _sections.pop(key, None)


def register_launcher(provider: LauncherProvider) -> None:
    _launcher[:] = [provider]


def sections_registered() -> list[Section]:
    return sorted(_sections.values(), key=lambda s: (s.order, s.key))


def storefront_customer_get(*, shop: Shop, customer_id: int | None) -> Customer | None:
    if customer_id is None:
        return None
    # Raw, as the rest of GET state's reads: the ORM cost more CPU building it than running it.
    return next(iter(Customer.objects.raw(_CUSTOMER_SQL, [shop.pk, customer_id])), None)


def storefront_context(*, shop: Shop, customer_id: int | None) -> StorefrontContext:
    """The context of one proxy request (its verified shop and ``logged_in_customer_id``),
    for ``storefront_state`` and for the writes that answer their section."""
    return StorefrontContext(
        shop=shop,
        customer_id=customer_id,
        customer=storefront_customer_get(shop=shop, customer_id=customer_id),
    )


def storefront_state_render(*, shop: Shop, customer_id: int | None) -> tuple[bytes, float | None]:
    """The state as the JSON GET state answers (DRF's renderer: datetimes as ISO 8601 "Z"),
    and how many seconds it stays true by the clock (None: until something writes)."""
    context = storefront_context(shop=shop, customer_id=customer_id)
    body = JSONRenderer().render(storefront_state(context=context))
    changes_at = context.memo.get(_CHANGES_AT)
    seconds = None if changes_at is None else (changes_at - timezone.now()).total_seconds()
    return body, seconds


def storefront_state(*, context: StorefrontContext) -> dict[str, Any]:
    """The whole launcher state for this shopper (``loyalty/storefront/API.md``)."""
    shop, customer_id, customer = context.shop, context.customer_id, context.customer
    launcher = dict(DEFAULT_LAUNCHER)
    if _launcher:
        launcher.update(_launcher[0](context=context))
    if not launcher["program_name"]:
        launcher["program_name"] = shop.name
    return {
        "shop": {"domain": shop.domain, "name": shop.name, "currency": shop.currency},
        "customer": None
        if customer_id is None
        else {
            "id": str(customer_id),
            "first_name": (customer.first_name or "") if customer else "",
        },
        "links": LINKS,
        "launcher": launcher,
        "sections": sections_build(context=context),
    }


def sections_build(*, context: StorefrontContext) -> list[dict[str, Any]]:
    built = []
    for section in sections_registered():
        data = section.builder(context=context)
        if data is not None:
            built.append({"key": section.key, "title": section.title, "data": data})
    return built


def section_build(*, key: str, context: StorefrontContext) -> dict[str, Any] | None:
    """One section's data (what a POST answers after it changed that section)."""
    section = _sections.get(key)
    return section.builder(context=context) if section else None
