"""The admin frame page, its session-token endpoint and the App Bridge stand-in script.

Shopify's admin loads the app's URL (``/`` of ``application_url``) in an iframe with
``embedded=1``, ``hmac``, ``host``, ``id_token``, ``locale``, ``session``, ``shop`` and
``timestamp``, all covered by the ``hmac``. App Bridge, inside the iframe, asks the admin for
fresh session tokens by message passing; here the admin page answers by calling
``POST /devshop/admin/<shop>/id-token`` on devshop's own origin, for the staff user it shows.

devshop plays a logged-in admin: whoever can open this page acts as that shop's staff user.
That is the point of a local stand-in; the endpoint is still CSRF-protected so another site
cannot mint tokens through the developer's browser.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from urllib.parse import urlsplit

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.middleware.csrf import get_token
from django.template import Context, Engine
from django.views.decorators.http import require_GET, require_POST

from devshop import clock, conf, signing
from devshop.storefront import theme
from devshop.webhooks.delivery import app_config

FRAME_DIR = Path(__file__).resolve().parent
DEMO_THEME_GID = "gid://shopify/OnlineStoreTheme/1"
_engine = Engine(dirs=[str(FRAME_DIR / "templates")], autoescape=True)


def _shop(shop: str):
    from devshop.models import DevShop

    domain = shop if "." in shop else f"{shop}.myshopify.com"
    found = DevShop.objects.filter(domain=domain).first()
    if found is None:
        raise Http404(f"devshop has no shop {domain}")
    return found


def _staff(shop, user_id: str | int | None):
    """The staff member acting in the admin: the requested one, else the account owner."""
    staff = shop.staff.order_by("-account_owner", "id")
    if user_id not in (None, ""):
        if not str(user_id).isdigit():
            raise Http404("no such staff member")
        staff = staff.filter(id=int(user_id))
    member = staff.first()
    if member is None:
        raise Http404(f"{shop.domain} has no staff member (seed the shop first)")
    return member


def _session_id(shop_domain: str, user_id: int) -> str:
    # Shopify's `sid`/`session`: stable per user and app on a shop.
    return hashlib.sha256(f"{shop_domain}:{user_id}:{conf.client_id()}".encode()).hexdigest()


def mint_id_token(shop_domain: str, user_id: int) -> str:
    return signing.session_token(
        shop=shop_domain,
        client_id=conf.client_id(),
        secret=conf.client_secret(),
        user_id=user_id,
        now=int(clock.now().timestamp()),
        session_id=_session_id(shop_domain, user_id),
    )


def app_home_url() -> str:
    """The app's embedded entry: ``application_url``'s path on the app's local origin."""
    path = urlsplit(app_config().get("application_url", "/")).path or "/"
    return f"{conf.app_url()}{path}"


def embedded_app_src(
    shop_domain: str, user_id: int, *, locale: str = "en", passed: dict[str, str] | None = None
) -> str:
    """The iframe URL, with every parameter Shopify adds and their ``hmac``.

    ``passed``: the admin URL's own query (``/apps/<handle>?charge_id=…`` after a billing
    confirmation), which the admin hands on to the app, signed with the rest.
    """
    params = {
        **(passed or {}),
        "embedded": "1",
        "host": signing.host_param(shop_domain),
        "id_token": mint_id_token(shop_domain, user_id),
        "locale": locale,
        "session": _session_id(shop_domain, user_id),
        "shop": shop_domain,
        "timestamp": str(int(clock.now().timestamp())),
    }
    return f"{app_home_url()}?{signing.signed_query(params, conf.client_secret())}"


def theme_extensions() -> list[dict]:
    """``shopify.app.extensions()``: devshop's storefront renders every app embed, so each is
    active on its one theme (App Bridge's ``ExtensionInfo`` shape)."""
    by_extension: dict[str, list[dict]] = {}
    for embed in theme.app_embeds():
        by_extension.setdefault(embed.extension, []).append(
            {
                "target": embed.target,
                "handle": embed.handle,
                "name": embed.schema.get("name", embed.handle),
                "status": "active",
                "activations": [{"target": embed.target, "themeId": DEMO_THEME_GID}],
            }
        )
    return [
        {"handle": handle, "type": "theme_app_extension", "activations": activations}
        for handle, activations in by_extension.items()
    ]


def _check_app(app: str) -> None:
    if app not in {app_config().get("handle"), conf.client_id()}:
        raise Http404(f"no app {app} on devshop (its handle is {app_config().get('handle')})")


@require_GET
def admin_frame(request: HttpRequest, shop: str, app: str) -> HttpResponse:
    """``/devshop/admin/<shop>/apps/<handle>``: the admin chrome with the app in its iframe."""
    _check_app(app)
    dev_shop = _shop(shop)
    staff = _staff(dev_shop, request.GET.get("user"))
    passed = {k: v for k, v in request.GET.items() if k != "user"}  # `user`: devshop's own
    src = embedded_app_src(dev_shop.domain, staff.id, locale=staff.locale or "en", passed=passed)
    app_origin = "{0.scheme}://{0.netloc}".format(urlsplit(src))
    context = {
        "shop": dev_shop,
        "staff": staff,
        "app_name": app_config().get("name", "App"),
        "src": src,
        "frame_config": {
            "appOrigin": app_origin,
            "tokenUrl": f"/devshop/admin/{dev_shop.domain}/id-token",
            "userId": staff.id,
            "csrfToken": get_token(request),
            "extensions": theme_extensions(),
        },
        "storefront_url": f"/store/{dev_shop.domain}/",
    }
    html = _engine.get_template("admin_frame.html").render(Context(context))
    return HttpResponse(html)


@require_GET
def admin_host_redirect(request: HttpRequest, handle: str, app: str) -> HttpResponse:
    """``/devshop/admin.shopify.com/store/<handle>/apps/<app>``: where ``host`` points.

    The app sends a merchant who opened it outside the admin to ``https://{host}/apps/{id}``;
    with ``SHOPIFY_ADMIN_APP_URL_TEMPLATE`` pointing at devshop that lands here.
    """
    _check_app(app)
    dev_shop = _shop(handle)
    query = request.META.get("QUERY_STRING", "")
    return HttpResponseRedirect(
        f"/devshop/admin/{dev_shop.domain}/apps/{app_config().get('handle')}"
        + (f"?{query}" if query else "")
    )


@require_POST
def id_token(request: HttpRequest, shop: str) -> JsonResponse:
    """A fresh session token for the shop's staff user (``{"user_id": …}`` or the owner)."""
    dev_shop = _shop(shop)
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return JsonResponse({"error": "body must be JSON"}, status=400)
    if not isinstance(body, dict):
        return JsonResponse({"error": "body must be a JSON object"}, status=400)
    staff = _staff(dev_shop, body.get("user_id"))
    return JsonResponse({"id_token": mint_id_token(dev_shop.domain, staff.id)})


@require_GET
def app_bridge_script(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(
        (FRAME_DIR / "app-bridge.js").read_text(), content_type="text/javascript; charset=utf-8"
    )
    # Loaded cross-origin by the app's pages; always fresh so edits show up on reload.
    response["Cache-Control"] = "no-cache"
    response["Access-Control-Allow-Origin"] = "*"
    return response
