"""Generated over every ``/api/admin/*`` route with an id (walking the URL resolver, so a new
route is covered without editing this file): another shop's id answers 404 and changes nothing,
whatever the method, while the same request with the caller's own id succeeds (the control
that shows the 404 comes from the shop, not from a broken request)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from loyalty.services.changelog import version_of
from loyalty.services.imports import points_import
from loyalty.vip.models import Tier
from referrals.models import Referral
from referrals.services.program import referral_code_for_member
from tests.factories import EarningRuleFactory, MemberFactory, OrderFactory, RewardFactory
from tests.loyalty.api.conftest import AdminClient
from tests.loyalty.conftest import credit

pytestmark = pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")

# What each id in a route names, and how to make one in a shop.
OBJECTS = {
    "rule_id": lambda shop: EarningRuleFactory(shop=shop),
    "reward_id": lambda shop: RewardFactory(shop=shop),
    "member_id": lambda shop: _member_with_points(shop),
    "batch_id": lambda shop: _checked_import(shop),
    "referral_id": lambda shop: _held_referral(shop),
    "tier_id": lambda shop: Tier.objects.create(
        shop=shop, name="Club", rank=1, invitation_only=True
    ),
}
# A body each method would accept for any of these objects (so only the shop makes it fail).
BODIES = {"patch": {"name": "Renamed", "points": 7, "points_cost": 7}, "post": {}}
ADJUSTMENT = {"points": -5, "reason": "cross-shop probe", "note": "n"}


def _checked_import(shop):
    """A finished dry run, ready to confirm."""
    return points_import(shop=shop, content="email,points\nnobody@example.com,5\n", dry_run=True)


def _held_referral(shop):
    """A referral a fraud rule held for review, with its friend's paid order mirrored."""
    referrer = MemberFactory(shop=shop)
    order = OrderFactory(shop=shop)
    email = f"friend-{order.shopify_id}@example.com"
    return Referral.objects.create(
        shop=shop,
        referrer=referrer,
        referral_code=referral_code_for_member(member=referrer),
        friend_email=email,
        friend_email_canonical=email,
        status=Referral.Status.HELD,
        discount_code=f"FRIEND{order.shopify_id}",
        claimed_at=timezone.now(),
        order_shopify_id=order.shopify_id,
        order_total=order.total_price,
        fraud_rule="velocity_referrer",
    )


def _member_with_points(shop):
    member = MemberFactory(shop=shop)
    credit(member, 100, f"seed:{member.pk}")
    return member


@dataclass(frozen=True)
class Route:
    path: str  # e.g. "api/admin/members/<int:member_id>/adjustments"
    view_class: type

    def __str__(self) -> str:
        return self.path


def _walk(patterns, prefix=""):
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern) and hasattr(pattern.callback, "view_class"):
            yield Route(route, pattern.callback.view_class)


ADMIN_ROUTES = [
    r
    for r in _walk(get_resolver().url_patterns)
    if r.path.startswith("api/admin/") and "<" in r.path
]


def _methods(view_class) -> list[str]:
    return [
        m
        for m in view_class.http_method_names
        if m not in {"options", "head"} and hasattr(view_class, m)
    ]


def _fill(path: str, ids: dict[str, int]) -> str:
    for name, value in ids.items():
        path = re.sub(rf"<\w+:{name}>", str(value), path)
    assert "<" not in path, f"{path}: add its id to OBJECTS in {__file__}"
    return "/" + path


def _tenant_rows(shop) -> dict[str, list[dict]]:
    """Every row of every loyalty and referrals table that belongs to ``shop``."""
    rows = {}
    models = [*apps.get_app_config("loyalty").get_models()]
    for model in [*models, *apps.get_app_config("referrals").get_models()]:
        if any(f.name == "shop" for f in model._meta.fields):
            rows[model.__name__] = list(model.objects.filter(shop=shop).order_by("pk").values())
    return rows


def test_the_matrix_covers_every_admin_route_with_an_id():
    names = {str(r) for r in ADMIN_ROUTES}
    assert "api/admin/members/<int:member_id>/adjustments" in names
    assert "api/admin/rewards/<int:reward_id>/deactivate" in names
    assert "api/admin/members/<int:member_id>/vip-tiers/<int:tier_id>" in names
    assert len(ADMIN_ROUTES) >= 8


@pytest.mark.parametrize(
    ("route", "method"),
    [(r, m) for r in ADMIN_ROUTES for m in _methods(r.view_class)],
    ids=lambda v: str(v),
)
def test_another_shops_id_answers_404_and_changes_nothing(route, method, installed, other_shop):
    theirs = {name: make(other_shop) for name, make in OBJECTS.items()}
    ours = {name: make(installed) for name, make in OBJECTS.items()}
    admin = AdminClient(installed)
    before = _tenant_rows(other_shop)

    def call(objects):
        ids = {name: obj.pk for name, obj in objects.items()}
        path = _fill(route.path, ids)
        body = ADJUSTMENT if path.endswith("/adjustments") else BODIES.get(method)
        target = next(obj for name, obj in objects.items() if f":{name}>" in route.path)
        headers = {"Idempotency-Key": f"probe-{method}-{target.pk}"}
        if hasattr(target, "updated_at"):
            headers["If-Match"] = version_of(target)  # knowing their version does not help
        return admin.request(method, path, body=body, headers=headers)

    response = call(theirs)

    assert response.status_code == 404, (route, method, response.content)
    assert response.json()["code"] == "not_found"
    assert _tenant_rows(other_shop) == before
    control = call(ours)
    assert control.status_code < 300, (route, method, control.content)
