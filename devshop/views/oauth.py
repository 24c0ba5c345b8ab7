"""``/admin/oauth/authorize`` (consent page) and ``/admin/oauth/access_token`` (all grants)."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from devshop import clock, conf, signing
from devshop.exceptions import OAuthError
from devshop.services import tokens
from devshop.views.common import request_params, shop_or_404, truthy


# Shopify's endpoints are called cross-site (the consent form, server-to-server token
# requests); they carry no cookie session, so Django's CSRF check does not apply.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def authorize(request: HttpRequest, shop_domain: str) -> HttpResponse:
    """The consent page; approving redirects to ``redirect_uri`` with a signed code."""
    shop = shop_or_404(shop_domain)
    params = request.GET
    if params.get("client_id") != conf.client_id():
        return _oauth_error_page(request, "The client_id is invalid or missing.")
    redirect_uri = params.get("redirect_uri", "")
    if redirect_uri not in conf.redirect_urls():
        return _oauth_error_page(request, "The redirect_uri is not whitelisted.")
    requested = params.get("scope")
    scopes = (
        [s.strip() for s in requested.split(",") if s.strip()] if requested else conf.app_scopes()
    )
    online = "per-user" in params.getlist("grant_options[]")
    if request.method == "GET":
        return render(
            request,
            "devshop/authorize.html",
            {"shop": shop, "scopes": scopes, "online": online, "app_url": conf.app_url()},
        )
    if request.POST.get("decision") != "approve":
        return render(request, "devshop/authorize_cancelled.html", {"shop": shop})
    code = tokens.auth_code_create(shop=shop, scopes=scopes, online=online)
    query = {
        "code": code.code,
        "host": signing.host_param(shop.domain),
        "shop": shop.domain,
        "timestamp": str(int(clock.now().timestamp())),
    }
    if "state" in params:
        query["state"] = params["state"]
    query["hmac"] = signing.oauth_query_hmac(query, conf.client_secret())
    separator = "&" if "?" in redirect_uri else "?"
    encoded = urlencode(sorted(query.items()), quote_via=quote)
    return HttpResponseRedirect(f"{redirect_uri}{separator}{encoded}")


@csrf_exempt
@require_POST
def access_token(request: HttpRequest, shop_domain: str) -> JsonResponse:
    """Every grant Shopify's token endpoint takes, form-encoded or JSON."""
    shop = shop_or_404(shop_domain)
    params = request_params(request)
    try:
        tokens.check_client(
            client_id=params.get("client_id"), client_secret=params.get("client_secret")
        )
        token = _grant(shop, params)
    except OAuthError as exc:
        return JsonResponse(
            {"error": exc.error, "error_description": exc.message}, status=exc.status
        )
    return JsonResponse(tokens.token_response(token))


def _grant(shop, params):
    grant_type = params.get("grant_type") or "authorization_code"
    expiring = truthy(params.get("expiring", "0"))
    if grant_type == "authorization_code":
        if not params.get("code"):
            raise OAuthError("invalid_request", "Missing code.")
        return tokens.token_for_code(shop=shop, code=str(params["code"]), expiring=expiring)
    if grant_type == tokens.GRANT_TOKEN_EXCHANGE:
        subject_token = str(params.get("subject_token") or "")
        subject_type = params.get("subject_token_type")
        requested = params.get("requested_token_type") or tokens.TOKEN_TYPE_OFFLINE
        if subject_type == tokens.TOKEN_TYPE_ID_TOKEN:
            return tokens.token_exchange(
                shop=shop,
                subject_token=subject_token,
                requested_token_type=requested,
                expiring=expiring,
            )
        if subject_type == tokens.TOKEN_TYPE_OFFLINE and requested == tokens.TOKEN_TYPE_OFFLINE:
            return tokens.token_migrate(shop=shop, subject_token=subject_token, expiring=expiring)
        raise OAuthError("invalid_request", "Unsupported subject_token_type.")
    if grant_type == "refresh_token":
        if not params.get("refresh_token"):
            raise OAuthError("invalid_request", "Missing refresh_token.")
        return tokens.token_refresh(shop=shop, refresh_token=str(params["refresh_token"]))
    raise OAuthError("unsupported_grant_type", f"grant_type {grant_type!r} is not supported.")


def _oauth_error_page(request: HttpRequest, message: str) -> HttpResponse:
    return render(
        request,
        "devshop/oauth_error.html",
        {"message": f"Oauth error invalid_request: {message}"},
        status=400,
    )
