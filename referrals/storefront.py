"""The launcher's "referrals" section and its storefront endpoints (behind the app proxy).

Section data (``GET /proxy/api/state``, key ``referrals``):

- ``program``: the friend's offer and the referrer's reward, with plain-English texts;
- ``member`` (a signed-in member only): their code, the two links (``?ref=CODE`` on the store,
  and ``/apps/rewards/r/CODE`` through the proxy), share URLs (no third-party scripts), their
  funnel and referrals (friend emails masked) with each reward's status.

Endpoints:

- ``POST /proxy/api/referrals/claim`` ``{"code", "email"}`` (guests too): the friend's
  single-use code; a repeat answers the same code. 409 ``friend_not_new`` / ``self_referral``.
- ``POST /proxy/api/referrals/visit`` ``{"code"}``: the launcher opened on a ``?ref=CODE``
  link; counts the visit (the funnel's "invited") as the proxy link does. 404 for an unknown
  code.
- ``GET /proxy/r/<code>``: counts the visit and redirects to the store with ``?ref=CODE``,
  where the launcher opens the offer.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from urllib.parse import quote, urlencode

from django.http import HttpResponseRedirect
from rest_framework import serializers
from rest_framework.response import Response

from loyalty.selectors import reward_get
from loyalty.storefront.selectors import storefront_member_get
from referrals.exceptions import SelfReferral, UnknownReferralCode
from referrals.models import Referral, ReferralProgram
from referrals.selectors import referrer_stats
from referrals.services.offers import referral_claim
from referrals.services.program import (
    referral_code_for_member,
    referral_link_visit,
    referral_program_get,
)
from shopify_app.storefront import StorefrontContext, section_build, storefront_context
from shopify_app.throttling import shopper_ip
from shopify_app.views.api import AppProxyAPIView

SECTION = "referrals"
PROXY_PREFIX = "/apps/rewards"
OfferKind = ReferralProgram.OfferKind


def _money(value: Decimal | None) -> str | None:
    return None if value is None else str(Decimal(value).quantize(Decimal("0.01")))


def offer_text(*, program: ReferralProgram, currency: str) -> str:
    if program.offer_kind == OfferKind.PERCENT:
        what = f"{Decimal(program.offer_value).normalize():f}% off"
    elif program.offer_kind == OfferKind.FIXED:
        what = f"{_money(program.offer_value)} {currency} off"
    else:
        what = "Free shipping on"
    text = f"{what} your first order"
    if program.minimum_order:
        text += f" of {_money(program.minimum_order)} {currency} or more"
    return text


def share_urls(*, link: str, message: str) -> dict[str, str]:
    """Plain share links: the networks' own URLs, no scripts."""
    text = f"{message} {link}"
    return {
        "email": f"mailto:?{urlencode({'subject': message, 'body': text}, quote_via=quote)}",
        "whatsapp": f"https://wa.me/?{urlencode({'text': text}, quote_via=quote)}",
        "x": f"https://twitter.com/intent/tweet?{urlencode({'text': message, 'url': link})}",
        "facebook": f"https://www.facebook.com/sharer/sharer.php?{urlencode({'u': link})}",
    }


def _reward(*, program: ReferralProgram, shop, offer: str, hold: str) -> dict[str, Any]:
    """The referrer's side: points, or the catalog reward the program names (one read then)."""
    reward = (
        reward_get(shop=shop, reward_id=program.referrer_reward_id)
        if program.referrer_reward_id is not None
        else None
    )
    what = reward.name if reward is not None else f"{program.referrer_points} points"
    return {
        "kind": "reward" if reward is not None else "points",
        "points": None if reward is not None else program.referrer_points,
        "name": reward.name if reward is not None else None,
        "hold_days": program.hold_days,
        "text": f"Give your friends {offer[0].lower()}{offer[1:]}. You get "
        f"{what} when a friend's first order is paid{hold}.",
    }


def referrals_section(*, context: StorefrontContext) -> dict[str, Any] | None:
    """The section's data, or None when the merchant switched referrals off."""
    shop = context.shop
    program = referral_program_get(shop_id=shop.pk)
    if not program.active:
        return None
    offer = offer_text(program=program, currency=shop.currency)
    days = program.hold_days
    hold = f" once the {days}-day return period has passed" if days else ""
    data: dict[str, Any] = {
        "program": {
            "offer": {
                "kind": program.offer_kind,
                "value": _money(program.offer_value),
                "minimum_order": _money(program.minimum_order),
                "text": offer,
            },
            "reward": _reward(program=program, shop=shop, offer=offer, hold=hold),
        },
        "member": None,
    }
    member = storefront_member_get(context=context)
    if member is None:
        return data
    code = referral_code_for_member(member=member).code
    link = f"https://{shop.domain}/?{urlencode({'ref': code})}"
    stats = referrer_stats(member=member)
    data["member"] = {
        "code": code,
        "link": link,
        "proxy_link": f"https://{shop.domain}{PROXY_PREFIX}/r/{code}",
        "share": share_urls(link=link, message=f"{offer} at {shop.name}"),
        "stats": {
            k: stats[k] for k in ("invited", "claimed", "completed", "rejected", "held", "reversed")
        },
        "points_pending": stats["points_pending"],
        "points_earned": stats["points_earned"],
        # Datetimes as DRF renders them (ISO 8601, "Z"), like the points section.
        "referrals": stats["referrals"],
    }
    return data


def _context(request) -> StorefrontContext:
    return storefront_context(shop=request.shop, customer_id=request.logged_in_customer_id)


class ReferralClaimApi(AppProxyAPIView):
    """POST ``{"code", "email"}``: the friend's offer code (guests may claim)."""

    class InputSerializer(serializers.Serializer):
        code = serializers.CharField(max_length=32)
        email = serializers.CharField(max_length=254)

    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        referral = referral_claim(
            shop=request.shop,
            code=data.validated_data["code"],
            email=data.validated_data["email"],
            ip=shopper_ip(request),
            customer_shopify_id=request.logged_in_customer_id,
        )
        if referral.status == Referral.Status.REJECTED and referral.fraud_rule.startswith("self_"):
            raise SelfReferral()
        return Response(
            {
                "section": SECTION,
                "data": section_build(key=SECTION, context=_context(request)),
                "result": {
                    "code": referral.discount_code,
                    "status": referral.code_status,
                    "expires_at": referral.code_expires_at,
                },
            }
        )


class ReferralVisitApi(AppProxyAPIView):
    """POST ``{"code"}``: a shopper opened the store on a referral link (``?ref=CODE``)."""

    class InputSerializer(serializers.Serializer):
        code = serializers.CharField(max_length=32)

    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        referral_link_visit(shop_id=request.shop.pk, code=data.validated_data["code"])
        return Response(status=204)


class ReferralLinkApi(AppProxyAPIView):
    """GET ``/proxy/r/<code>``: count the visit, then to the store with the offer open."""

    def get(self, request, code: str):
        try:
            found = referral_link_visit(shop_id=request.shop.pk, code=code)
        except UnknownReferralCode:
            return HttpResponseRedirect("/")
        return HttpResponseRedirect(f"/?{urlencode({'ref': found.code})}")
