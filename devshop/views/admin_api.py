"""``/admin/api/<version>/graphql.json`` and the bulk operation result files."""

from __future__ import annotations

import json

from django.http import FileResponse, Http404, HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from devshop import conf
from devshop.graphql.executor import handle
from devshop.graphql.resolvers import Context
from devshop.models import DevBulkOperation
from devshop.services.tokens import access_token_authenticate
from devshop.views.common import shop_or_404

INVALID_TOKEN = "[API] Invalid API key or access token (unrecognized login or wrong password)"


@csrf_exempt  # server-to-server, authenticated by X-Shopify-Access-Token
@require_POST
def graphql(request: HttpRequest, shop_domain: str, version: str) -> JsonResponse:
    shop = shop_or_404(shop_domain)
    token = access_token_authenticate(
        shop=shop, token=request.headers.get("X-Shopify-Access-Token", "")
    )
    if token is None:
        return JsonResponse({"errors": INVALID_TOKEN}, status=401)
    try:
        body = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        return JsonResponse(
            {"errors": {"query": "Required parameter missing or invalid"}}, status=400
        )
    # Access follows what the shop has granted now, as on Shopify (a re-scope needs no new token).
    installation = token.installation
    ctx = Context(shop=shop, installation=installation, scopes=set(installation.scope_list))
    return JsonResponse(handle(ctx, body), json_dumps_params={"ensure_ascii": False})


@require_GET
def bulk_result(request: HttpRequest, file_name: str) -> FileResponse:
    """A finished operation's JSONL (Shopify serves it from signed storage URLs, no auth)."""
    operation = DevBulkOperation.objects.filter(
        file_name=file_name, status=DevBulkOperation.Status.COMPLETED
    ).first()
    path = conf.bulk_results_dir() / file_name
    if operation is None or not path.exists():
        raise Http404("no such bulk operation result")
    return FileResponse(path.open("rb"), content_type="application/jsonl")
