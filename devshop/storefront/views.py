"""The demo storefront: home page, demo-customer sign-in, the extension's assets.

Products, the cart, ``/discount/CODE`` and the checkout are in ``commerce``.
"""

from __future__ import annotations

import json
import mimetypes
import re
from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.middleware.csrf import get_token
from django.views.decorators.http import require_GET, require_POST

from devshop.storefront import session, theme

_ASSET_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
DEMO_CUSTOMERS_SHOWN = 25  # per page of the sign-in list
# The demo shop's published languages besides its primary one (English), each served under
# its own prefix as Shopify does (/fr/…), so the theme sees routes.root_url "/fr".
SECONDARY_LOCALES = ("fr", "de")
PRIMARY_LOCALE = "en"


def shop_or_404(shop_domain: str):
    from devshop.models import DevShop

    shop = DevShop.objects.filter(domain=shop_domain).first()
    if shop is None:
        raise Http404(f"devshop has no shop {shop_domain}")
    return shop


def _customer_drop(customer) -> dict[str, Any] | None:
    if customer is None:
        return None
    name = " ".join(p for p in (customer.first_name, customer.last_name) if p) or customer.email
    return {
        "id": customer.id,
        "email": customer.email,
        "first_name": customer.first_name,
        "last_name": customer.last_name,
        "name": name,
    }


def money(amount, currency: str) -> str:
    """How the demo theme shows money: ``18.50 USD`` (Shopify's ``money_with_currency``
    without the symbol, so no currency needs a symbol table)."""
    return f"{amount:.2f} {currency}"


def storefront_context(
    request: HttpRequest, shop, customer, locale: str | None = None
) -> dict[str, Any]:
    """The Liquid objects a theme (and an app proxy Liquid answer) can use.

    ``routes.root_url`` is the storefront's root with a trailing slash on the primary locale
    and the locale's prefix without one on a secondary locale (Shopify: "/" and "/fr"); the
    other routes sit under the locale's prefix ("/fr/cart"). The account pages stay at the
    primary root here (devshop serves them once).
    """
    from devshop.services import carts

    base = session.storefront_path(shop.domain)
    root = f"{base}{locale}" if locale else base
    prefix = f"{root}/" if locale else base
    cart = carts.cart_get(shop=shop, token=session.cart_token(request))
    return {
        "shop": {
            "name": shop.name,
            "permanent_domain": shop.domain,
            "domain": shop.domain,
            "currency": shop.currency,
            "email": shop.email,
        },
        "customer": _customer_drop(customer),
        "routes": {
            "root_url": root,
            "account_login_url": f"{base}account/login",
            "account_logout_url": f"{base}account/logout",
            "cart_url": f"{prefix}cart",
            "cart_add_url": f"{prefix}cart/add",
            "cart_change_url": f"{prefix}cart/change",
            "checkout_url": f"{prefix}checkout",
        },
        "request": {"locale": {"iso_code": locale or PRIMARY_LOCALE}},
        "app": _app_drop(shop),
        "cart": {"item_count": sum(line.quantity for line in carts.cart_lines(cart=cart))},
        "csrf_token": get_token(request),
    }


def _app_drop(shop) -> dict[str, Any]:
    """Liquid's ``app`` object (theme app extensions, app proxy Liquid): the app's app-data
    metafields — those ``metafieldsSet`` wrote on its ``AppInstallation`` — as
    ``app.metafields.<namespace>.<key>``, each with ``value`` (a ``json`` one parsed, as Shopify
    gives it) and ``type``."""
    from devshop.models import DevAppInstallation, DevMetafield

    installation = DevAppInstallation.objects.filter(shop=shop).first()
    metafields: dict[str, dict[str, Any]] = {}
    if installation is not None and installation.is_installed:
        owner = f"gid://shopify/AppInstallation/{installation.pk}"
        for row in DevMetafield.objects.filter(shop=shop, owner_gid=owner):
            value: Any = row.value
            if row.type == "json":
                value = json.loads(row.value)
            metafields.setdefault(row.namespace, {})[row.key] = {"value": value, "type": row.type}
    return {"metafields": metafields}


def demo_customers(request: HttpRequest, shop) -> dict[str, Any]:
    """One page of the shop's customers to sign in as, newest first (a customer just created
    in devshop's controls is at the top), narrowed by ``customer_q``: every word must be in the
    first name, last name or email."""
    query = request.GET.get("customer_q", "").strip()
    customers = shop.customers.order_by("-id")
    for word in query.split():
        customers = customers.filter(
            Q(first_name__icontains=word) | Q(last_name__icontains=word) | Q(email__icontains=word)
        )
    page = Paginator(customers, DEMO_CUSTOMERS_SHOWN).get_page(request.GET.get("customer_page"))
    root = session.storefront_path(shop.domain)

    def page_url(number: int) -> str:
        return f"{root}?{urlencode({'customer_q': query, 'customer_page': number})}"

    return {
        "demo_customers": [_customer_drop(c) for c in page],
        "demo_customer_search": {
            "query": query,
            "count": page.paginator.count,
            "page": page.number,
            "pages": page.paginator.num_pages,
            "previous_url": page_url(page.number - 1) if page.has_previous() else "",
            "next_url": page_url(page.number + 1) if page.has_next() else "",
        },
    }


@require_GET
def home(request: HttpRequest, shop_domain: str, locale: str | None = None) -> HttpResponse:
    shop = shop_or_404(shop_domain)
    customer = session.signed_in_customer(request, shop)
    context = storefront_context(request, shop, customer, locale)
    context["template"] = {"name": "index"}
    context.update(demo_customers(request, shop))
    root = context["routes"]["root_url"]
    prefix = root if root.endswith("/") else f"{root}/"  # "/fr" on a secondary locale
    context["products"] = [
        {
            "title": p.title,
            "url": f"{prefix}products/{p.handle}",
            "price": money(min(v.price for v in variants), shop.currency) if variants else "",
            "variants_count": len(variants),
        }
        for p in shop.products.order_by("id").prefetch_related("variants")[:24]
        for variants in [list(p.variants.all())]
    ]
    content = theme.render_template("index", context)
    return HttpResponse(
        theme.render_page(context=context, content_for_layout=content, page_title="Home")
    )


@require_POST
def login(request: HttpRequest, shop_domain: str) -> HttpResponse:
    shop = shop_or_404(shop_domain)
    raw = request.POST.get("customer_id", "")
    if not raw.isdigit() or not shop.customers.filter(id=int(raw)).exists():
        return HttpResponse(
            "Unknown customer for this shop.", status=400, content_type="text/plain"
        )
    response = HttpResponseRedirect(session.storefront_path(shop.domain))
    session.sign_in(response, shop, int(raw))
    return response


@require_POST
def logout(request: HttpRequest, shop_domain: str) -> HttpResponse:
    shop = shop_or_404(shop_domain)
    response = HttpResponseRedirect(session.storefront_path(shop.domain))
    session.sign_out(response, shop)
    return response


@require_GET
def extension_asset(
    request: HttpRequest, shop_domain: str, extension: str, name: str
) -> FileResponse:
    shop_or_404(shop_domain)
    # Names are plain file names inside one extension's assets/: no traversal possible.
    if not (_ASSET_NAME.fullmatch(extension) and _ASSET_NAME.fullmatch(name)):
        raise Http404("no such asset")
    path = theme.extensions_dir() / extension / "assets" / name
    if not path.is_file():
        raise Http404("no such asset (run extensions/copy-launcher.sh after building the frontend)")
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return FileResponse(path.open("rb"), content_type=content_type)
