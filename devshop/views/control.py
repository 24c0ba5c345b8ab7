"""devshop's own controls under ``/devshop/``: a plain HTML page and the same actions as JSON.

Every action is a POST taking form fields or a JSON body. Form posts (the control page)
redirect back to the page; JSON posts answer JSON. Nothing here exists on Shopify: these are
the merchant's and customer's actions that make Shopify send webhooks.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from functools import wraps
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from devshop import clock, conf
from devshop.exceptions import DevshopError
from devshop.models import (
    DevAppSubscription,
    DevBulkOperation,
    DevCustomer,
    DevDiscountCode,
    DevOrder,
    DevShop,
)
from devshop.services import bulk, customers, gdpr, orders, shops
from devshop.views.common import request_params, shop_or_404, truthy


def _wants_json(request: HttpRequest) -> bool:
    return request.content_type == "application/json" or "application/json" in request.headers.get(
        "Accept", ""
    )


def action(view: Callable[..., dict[str, Any]]) -> Callable[..., HttpResponse]:
    """POST-only, CSRF-exempt (a local tool without sessions), DevshopError → 400."""

    @csrf_exempt
    @require_POST
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        params = request_params(request)
        try:
            result = view(request, params, *args, **kwargs)
        except DevshopError as exc:
            if _wants_json(request):
                return JsonResponse({"error": exc.code, "message": exc.message}, status=400)
            return HttpResponse(f"devshop: {exc.message}", status=400, content_type="text/plain")
        if _wants_json(request):
            return JsonResponse(
                result, status=201 if request.resolver_match.url_name.endswith("create") else 200
            )
        shop_domain = kwargs.get("shop_domain") or result.get("shop")
        target = (
            reverse("devshop-shop", args=[shop_domain]) if shop_domain else reverse("devshop-home")
        )
        return HttpResponseRedirect(target)

    return wrapper


def _decimal(value: Any, name: str) -> Decimal:
    try:
        return Decimal(str(value))
    except (InvalidOperation, TypeError):
        raise DevshopError(f"{name} must be a decimal amount, got {value!r}") from None


def _customer(shop: DevShop, customer_id: Any) -> DevCustomer:
    row = DevCustomer.objects.filter(shop=shop, id=_int(customer_id, "customer id")).first()
    if row is None:
        raise Http404("no such customer")
    return row


def _order(shop: DevShop, order_id: Any) -> DevOrder:
    row = DevOrder.objects.filter(shop=shop, id=_int(order_id, "order id")).first()
    if row is None:
        raise Http404("no such order")
    return row


def _int(value: Any, name: str) -> int:
    try:
        return int(str(value).rsplit("/", 1)[-1])
    except ValueError:
        raise DevshopError(f"{name} must be a number or GID, got {value!r}") from None


# --- pages ----------------------------------------------------------------------------------


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "devshop/control_home.html",
        {"shops": DevShop.objects.order_by("domain"), "now": clock.now(), "offset": clock.offset()},
    )


@require_GET
def shop_page(request: HttpRequest, shop_domain: str) -> HttpResponse:
    shop = shop_or_404(shop_domain)
    installation = getattr(shop, "installation", None)
    return render(
        request,
        "devshop/control_shop.html",
        {
            "shop": shop,
            "installation": installation,
            "customers": DevCustomer.objects.filter(shop=shop).order_by("-id")[:50],
            "customer_count": DevCustomer.objects.filter(shop=shop).count(),
            "orders": DevOrder.objects.filter(shop=shop)
            .select_related("customer")
            .order_by("-id")[:50],
            "order_count": DevOrder.objects.filter(shop=shop).count(),
            "discounts": DevDiscountCode.objects.filter(shop=shop).order_by("-id")[:50],
            "bulk_operations": DevBulkOperation.objects.filter(shop=shop).order_by("-id")[:10],
            "subscriptions": DevAppSubscription.objects.filter(shop=shop).order_by("-id")[:10],
            "now": clock.now(),
            "app_url": conf.app_url(),
        },
    )


# --- actions --------------------------------------------------------------------------------


@action
def shop_create(request, params):
    shop = shops.shop_create(
        domain=str(params.get("domain", "")).strip(),
        name=params.get("name", ""),
        email=params.get("email", ""),
        currency=params.get("currency") or "USD",
        timezone=params.get("timezone") or "America/New_York",
    )
    if truthy(params.get("install", "0")):
        shops.app_install(shop=shop)
    return {"shop": shop.domain, "id": shop.gid}


@action
def app_install(request, params, shop_domain):
    scopes = params.get("scopes")
    installation = shops.app_install(
        shop=shop_or_404(shop_domain), scopes=scopes.split(",") if scopes else None
    )
    return {"shop": shop_domain, "scopes": installation.scope_list}


@action
def app_uninstall(request, params, shop_domain):
    shops.app_uninstall(shop=shop_or_404(shop_domain))
    return {"shop": shop_domain, "installed": False}


@action
def throttle(request, params, shop_domain):
    shop = shop_or_404(shop_domain)
    shop.throttle_maximum = float(params.get("maximum", shop.throttle_maximum))
    shop.throttle_restore_rate = float(params.get("restore_rate", shop.throttle_restore_rate))
    shop.save(update_fields=["throttle_maximum", "throttle_restore_rate"])
    return {"maximumAvailable": shop.throttle_maximum, "restoreRate": shop.throttle_restore_rate}


@action
def customer_create(request, params, shop_domain):
    tags = params.get("tags") or []
    customer = customers.customer_create(
        shop=shop_or_404(shop_domain),
        first_name=params.get("first_name", ""),
        last_name=params.get("last_name", ""),
        email=params.get("email") or None,
        phone=params.get("phone") or None,
        tags=tags.split(",") if isinstance(tags, str) else tags,
        note=params.get("note") or None,
    )
    return {"id": customer.gid, "legacy_id": customer.id}


@action
def customer_update(request, params, shop_domain, customer_id):
    customer = _customer(shop_or_404(shop_domain), customer_id)
    changes = {
        k: v
        for k, v in params.items()
        if k in {"first_name", "last_name", "email", "phone", "note", "state", "tags"}
    }
    customers.customer_update(customer=customer, **changes)
    return {"id": customer.gid}


@action
def customer_delete(request, params, shop_domain, customer_id):
    customer = _customer(shop_or_404(shop_domain), customer_id)
    gid = customer.gid
    customers.customer_delete(customer=customer)
    return {"deleted": gid}


@action
def customer_data_request(request, params, shop_domain, customer_id):
    request_id = gdpr.customer_data_request(
        customer=_customer(shop_or_404(shop_domain), customer_id)
    )
    return {"data_request_id": request_id}


@action
def customer_redact(request, params, shop_domain, customer_id):
    gdpr.customer_redact(customer=_customer(shop_or_404(shop_domain), customer_id))
    return {"redact": "requested"}


@action
def shop_redact(request, params, shop_domain):
    gdpr.shop_redact(shop=shop_or_404(shop_domain))
    return {"redact": "requested"}


def _lines(params: dict[str, Any]) -> list[orders.LineInput]:
    """``lines`` as [{title, price, quantity}] (JSON), or one line from the form fields."""
    raw = params.get("lines")
    if isinstance(raw, list):
        return [
            orders.LineInput(
                title=str(item.get("title", "Item")),
                price=_decimal(item.get("price"), "price"),
                quantity=_int(item.get("quantity", 1), "quantity"),
                sku=str(item.get("sku", "")),
            )
            for item in raw
        ]
    return [
        orders.LineInput(
            title=str(params.get("title") or "Demo item"),
            price=_decimal(params.get("price", "25.00"), "price"),
            quantity=_int(params.get("quantity", 1), "quantity"),
        )
    ]


@action
def order_create(request, params, shop_domain):
    shop = shop_or_404(shop_domain)
    customer = _customer(shop, params["customer_id"]) if params.get("customer_id") else None
    order = orders.order_create(
        shop=shop,
        customer=customer,
        lines=_lines(params),
        discount_code=params.get("discount_code") or None,
        shipping=_decimal(params.get("shipping", "0"), "shipping"),
        tax=_decimal(params.get("tax", "0"), "tax"),
        paid=truthy(params.get("paid", "1")),
        test=truthy(params.get("test", "0")),
    )
    return {
        "id": order.gid,
        "legacy_id": order.id,
        "name": order.name,
        "total_price": str(order.total_price),
    }


@action
def order_pay(request, params, shop_domain, order_id):
    order = orders.order_pay(order=_order(shop_or_404(shop_domain), order_id))
    return {"id": order.gid, "financial_status": order.financial_status}


@action
def order_cancel(request, params, shop_domain, order_id):
    order = orders.order_cancel(
        order=_order(shop_or_404(shop_domain), order_id), reason=params.get("reason") or "customer"
    )
    return {"id": order.gid, "cancelled_at": order.cancelled_at.isoformat()}


@action
def order_refund(request, params, shop_domain, order_id):
    """``lines``: [{line_item_id, quantity}] (JSON) or ``"id:qty,id:qty"`` (form)."""
    order = _order(shop_or_404(shop_domain), order_id)
    raw = params.get("lines") or ""
    if isinstance(raw, str):
        pairs = [part.split(":") for part in raw.split(",") if part.strip()]
        lines = [(_int(a, "line item id"), _int(b, "quantity")) for a, b in pairs]
    else:
        lines = [
            (_int(i["line_item_id"], "line item id"), _int(i["quantity"], "quantity")) for i in raw
        ]
    if not lines and not params.get("shipping") and truthy(params.get("all", "0")):
        left = orders.refunded_quantities(order)
        lines = [
            (li.id, li.quantity - left.get(li.id, 0))
            for li in order.line_items.all()
            if li.quantity > left.get(li.id, 0)
        ]
    refund = orders.order_refund(
        order=order,
        lines=lines,
        shipping=_decimal(params.get("shipping") or "0", "shipping"),
        note=params.get("note") or None,
    )
    return {"id": f"gid://shopify/Refund/{refund.id}", "amount": str(refund.amount)}


@action
def bulk_run(request, params, operation_id):
    operation = DevBulkOperation.objects.filter(pk=operation_id).first()
    if operation is None:
        raise Http404("no such bulk operation")
    operation = bulk.bulk_operation_run(operation=operation)
    return {"shop": operation.shop.domain, "id": operation.gid, "status": operation.status}


@csrf_exempt
def clock_view(request: HttpRequest) -> HttpResponse:
    """GET: devshop's now. POST ``advance`` (seconds) or ``offset`` (seconds) moves it."""
    if request.method == "POST":
        params = request_params(request)
        try:
            if "offset" in params:
                clock.set_offset(float(params["offset"]))
            else:
                clock.advance(float(params.get("advance", 0)))
        except ValueError:
            return JsonResponse({"error": "advance/offset must be a number of seconds"}, status=400)
        if not _wants_json(request):
            return HttpResponseRedirect(reverse("devshop-home"))
    return JsonResponse(
        {"now": clock.now().isoformat(), "offset_seconds": clock.offset().total_seconds()}
    )
