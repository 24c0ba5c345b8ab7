"""The merchant's confirmation page for an app subscription (``confirmationUrl``)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from devshop.models import DevAppSubscription
from devshop.services import billing
from devshop.views.common import shop_or_404


@csrf_exempt  # a local merchant page with no session to protect
@require_http_methods(["GET", "POST"])
def confirm_subscription(
    request: HttpRequest, shop_domain: str, client_id: str, subscription_id: int
) -> HttpResponse:
    shop = shop_or_404(shop_domain)
    subscription = DevAppSubscription.objects.filter(shop=shop, id=subscription_id).first()
    if subscription is None:
        raise Http404("no such subscription")
    if request.method == "GET":
        return render(
            request,
            "devshop/confirm_subscription.html",
            {"subscription": subscription, "shop": shop},
        )
    approve = request.POST.get("decision") == "approve"
    billing.app_subscription_decide(subscription=subscription, approve=approve)
    separator = "&" if "?" in subscription.return_url else "?"
    return HttpResponseRedirect(
        f"{subscription.return_url}{separator}{urlencode({'charge_id': subscription.id})}"
    )
