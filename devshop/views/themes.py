"""The theme editor's app-embed deep link (``/admin/themes/current/editor?context=apps&
activateAppId=<api key>/<handle>``): Shopify opens the editor with the embed switched on, and
it is stored when the merchant saves. devshop shows the embed's state and a Save button that
writes it into the main theme's ``config/settings_data.json`` (tests post the form)."""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from devshop import conf
from devshop.services import themes
from devshop.views.common import shop_or_404


@csrf_exempt  # a local merchant page with no session to protect
@require_http_methods(["GET", "POST"])
def theme_editor(request: HttpRequest, shop_domain: str) -> HttpResponse:
    shop = shop_or_404(shop_domain)
    app_id = request.POST.get("activateAppId") or request.GET.get("activateAppId", "")
    client_id, _, handle = app_id.partition("/")
    if app_id and (client_id != conf.client_id() or not handle):
        return HttpResponseBadRequest("activateAppId must be <the app's api key>/<embed handle>")
    if request.method == "POST" and handle:
        themes.theme_app_embed_set(
            shop=shop, handle=handle, enabled=request.POST.get("enabled", "1") == "1"
        )
    theme = themes.theme_main(shop=shop)
    blocks = json.loads(theme.settings_data).get("current", {}).get("blocks", {})
    return render(
        request,
        "devshop/theme_editor.html",
        {
            "shop": shop,
            "theme": theme,
            "app_id": app_id,
            "handle": handle,
            "blocks": blocks,
            "saved": request.method == "POST",
        },
    )
