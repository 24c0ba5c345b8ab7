"""The points section's storefront endpoints (``/proxy/api/points/...``), behind the app proxy.

Thin: the signature, shop, customer, throttles and ``Cache-Control`` come from
``AppProxyAPIView``; each write validates its body, calls one service and answers the points
section as it now stands, so the launcher redraws from the answer without a second request.
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers
from rest_framework.response import Response

from config.exceptions import AppError
from loyalty.storefront import services
from loyalty.storefront.history import history_page
from loyalty.storefront.selectors import storefront_member_get
from shopify_app.storefront import StorefrontContext, section_build, storefront_context
from shopify_app.views.api import AppProxyAPIView, SignedInCustomer

SECTION = "points"
IDEMPOTENCY_HEADER = "Idempotency-Key"
# The same key as a query parameter. Whether Shopify's app proxy passes a custom request header
# on is not documented (devshop forwards only Accept, Accept-Language, User-Agent and
# Content-Type), but the query always arrives, under the proxy signature: the widget sends it
# there, and may send the header too.
IDEMPOTENCY_PARAM = "idempotency_key"


class InvalidIdempotencyKey(AppError):
    """The idempotency key must be 1 to 255 printable characters, the same in the header and
    the query."""

    code = "invalid_idempotency_key"


def _context(request) -> StorefrontContext:
    return storefront_context(shop=request.shop, customer_id=request.logged_in_customer_id)


def _idempotency_key(request) -> str | None:
    header = request.headers.get(IDEMPOTENCY_HEADER)
    param = request.query_params.get(IDEMPOTENCY_PARAM)
    if header is not None and param is not None and header != param:
        raise InvalidIdempotencyKey()
    key = header if header is not None else param
    if key is None:
        return None
    if not 0 < len(key) <= 255 or not key.isprintable():
        raise InvalidIdempotencyKey()
    return key


def _answer(request, result: dict[str, Any]) -> Response:
    return Response(
        {"section": SECTION, "data": section_build(key=SECTION, context=_context(request)),
         "result": result}
    )  # fmt: skip


class _WriteApi(AppProxyAPIView):
    permission_classes = [SignedInCustomer]


class PointsHistoryApi(AppProxyAPIView):
    permission_classes = [SignedInCustomer]

    def get(self, request):
        member = storefront_member_get(context=_context(request))
        if member is None:
            return Response({"entries": [], "next_cursor": None})
        cursor = request.query_params.get("cursor") or None
        return Response(history_page(shop=request.shop, member=member, cursor=cursor))


class PointsJoinApi(_WriteApi):
    def post(self, request):
        member = services.storefront_join(
            shop=request.shop, customer_id=request.logged_in_customer_id
        )
        return _answer(request, {"state": member.state})


class PointsRedeemApi(_WriteApi):
    class InputSerializer(serializers.Serializer):
        reward_id = serializers.IntegerField(min_value=1)
        points = serializers.IntegerField(min_value=1, required=False, allow_null=True)

    def post(self, request):
        key = _idempotency_key(request)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        redemption = services.storefront_redeem(
            shop=request.shop,
            customer_id=request.logged_in_customer_id,
            reward_id=data.validated_data["reward_id"],
            points=data.validated_data.get("points"),
            request_key=key,
        )
        return _answer(
            request,
            {"code": redemption.code, "redemption_id": str(redemption.pk),
             "points": redemption.points, "status": redemption.status},
        )  # fmt: skip


class PointsBirthdayApi(_WriteApi):
    class InputSerializer(serializers.Serializer):
        birthday = serializers.CharField(max_length=10)  # YYYY-MM-DD, checked by the service

    def post(self, request):
        _idempotency_key(request)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        member = services.storefront_birthday_set(
            shop=request.shop,
            customer_id=request.logged_in_customer_id,
            birthday=data.validated_data["birthday"],
        )
        return _answer(request, {"birthday": member.birthday.isoformat()})


class PointsSocialFollowApi(_WriteApi):
    class InputSerializer(serializers.Serializer):
        rule_id = serializers.IntegerField(min_value=1)

    def post(self, request):
        _idempotency_key(request)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        entry = services.storefront_social_follow(
            shop=request.shop,
            customer_id=request.logged_in_customer_id,
            rule_id=data.validated_data["rule_id"],
        )
        return _answer(request, {"points": entry.amount, "entry_id": entry.pk})
