"""GET /proxy/api/state: the launcher's state from the registered sections."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from loyalty.models import ProgramSettings
from loyalty.services.program import program_settings_update
from shopify_app import storefront
from tests.factories import EarningRuleFactory, MemberFactory, RewardFactory
from tests.loyalty.conftest import credit


def test_a_guest_gets_the_program_and_the_account_links(proxy, shop):
    RewardFactory(shop=shop, name="$5 off", points_cost=500)
    EarningRuleFactory(shop=shop, kind="signup", handle="", name="Create an account", points=200)

    response = proxy.get("state", customer=None)

    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    body = response.json()
    assert body["customer"] is None
    assert body["links"] == {"login": "/account/login", "register": "/account/register",
                             "cart": "/cart"}  # fmt: skip
    assert body["shop"] == {"domain": shop.domain, "name": shop.name, "currency": "USD"}
    assert body["launcher"]["program_name"] == shop.name  # no program name set yet
    [points] = body["sections"]
    assert (points["key"], points["title"]) == ("points", "Points")
    assert points["data"]["member"] is None
    assert points["data"]["program"]["can_join"] is False
    assert [r["title"] for r in points["data"]["rewards"]] == ["$5 off"]
    assert [w["kind"] for w in points["data"]["ways_to_earn"]] == ["order", "signup"]


def test_a_member_gets_balance_value_pending_expiring_codes_and_history(proxy, shop, shopper):
    program_settings_update(shop_id=shop.pk, expiry_mode="lot", point_value_points=100,
                            point_value_amount="1.00")  # fmt: skip
    soon = timezone.now() + timedelta(days=40)
    credit(shopper, 500, "order:1:earn", note="Order #1001", expires_at=soon)
    RewardFactory(shop=shop, name="$5 off", points_cost=500)

    body = proxy.get("state", customer=shopper.customer.shopify_id).json()

    assert body["customer"] == {"id": str(shopper.customer.shopify_id), "first_name": "Ann"}
    member = body["sections"][0]["data"]["member"]
    assert (member["balance"], member["balance_value"], member["pending"]) == (500, "5.00", 0)
    assert [e["points"] for e in member["expiring"]] == [500]
    [entry] = member["history"]["entries"]
    assert entry["explanation"].startswith("500 points from order #1001, all of them expire on ")
    assert member["history"]["next_cursor"] is None
    assert body["sections"][0]["data"]["rewards"][0]["affordable"] is True


def test_the_launcher_branding_comes_from_the_program_settings(proxy, shop):
    program_settings_update(
        shop_id=shop.pk, program_name="Collector's Club", launcher_label="Club",
        launcher_position="bottom-left", launcher_button_color="#112233",
        launcher_texts={"guest_title": "Join us", "bad": {"nested": 1}},
    )  # fmt: skip

    launcher = proxy.get("state").json()["launcher"]

    assert launcher == {
        "label": "Club", "position": "bottom-left", "button_color": "#112233",
        "text_color": "#ffffff", "icon": "gift", "program_name": "Collector's Club",
        "texts": {"guest_title": "Join us"},
    }  # fmt: skip


def test_a_colour_that_is_not_hex_is_refused(shop):
    from django.core.exceptions import ValidationError

    from loyalty.services.program import program_settings_get

    program_settings_get(shop_id=shop.pk)
    with pytest.raises(ValidationError):
        program_settings_update(shop_id=shop.pk, launcher_button_color="red;background:url(x)")
    assert ProgramSettings.objects.get(shop=shop).launcher_button_color == "#5c6ac4"


def _state_queries(proxy, member) -> int:
    customer_id = member.customer.shopify_id
    with CaptureQueriesContext(connection) as queries:
        response = proxy.get("state", customer=customer_id)
    assert response.status_code == 200
    return len(queries)


def test_the_query_count_does_not_grow_with_the_history(proxy, shop):
    small, large = MemberFactory(shop=shop), MemberFactory(shop=shop)
    RewardFactory(shop=shop)
    EarningRuleFactory(shop=shop, kind="social_follow", network="instagram", handle="")
    for n in range(5):
        credit(small, 10, f"small:{n}", note=f"Order #{n}")
    for n in range(500):
        credit(large, 10, f"large:{n}", note=f"Order #{n}")
    # Debits with allocations spanning several lots each.
    for member in (small, large):
        from django.db import transaction

        from loyalty.services.ledger import entry_write, member_lock

        with transaction.atomic():
            entry_write(member=member_lock(member_id=member.pk), amount=-35, kind="adjustment",
                        idempotency_key=f"debit:{member.pk}")  # fmt: skip

    # shop, customer, settings, member, rules (with the member's awards), rewards, the member's
    # pending entries + expiring lots + codes (one query), the history page with its allocations
    assert _state_queries(proxy, small) == _state_queries(proxy, large) == 8


def test_a_section_registered_by_another_app_is_served_without_touching_the_view(proxy, shop):
    def vip(*, context):
        return {"tier": "Gold", "customer": context.customer_id}

    storefront.register_section("vip", vip, title="VIP", order=20)
    try:
        sections = proxy.get("state", customer=42).json()["sections"]
    finally:
        storefront.unregister_section("vip")

    assert [s["key"] for s in sections] == ["points", "vip"]
    assert sections[1]["data"] == {"tier": "Gold", "customer": 42}


def test_a_section_may_leave_itself_out(proxy, shop):
    storefront.register_section("off", lambda *, context: None, title="Off", order=1)
    try:
        sections = proxy.get("state").json()["sections"]
    finally:
        storefront.unregister_section("off")
    assert [s["key"] for s in sections] == ["points"]


def test_markup_in_titles_and_names_comes_back_as_plain_json_strings(proxy, shop):
    from tests.factories import CustomerFactory

    markup = '<img src=x onerror="alert(1)">'
    customer = CustomerFactory(shop=shop, first_name=markup)
    MemberFactory(shop=shop, customer=customer)
    RewardFactory(shop=shop, name=f"{markup} off")

    response = proxy.get("state", customer=customer.shopify_id)

    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["customer"]["first_name"] == markup  # the exact text: not escaped, not stripped
    assert body["sections"][0]["data"]["rewards"][0]["title"] == f"{markup} off"
