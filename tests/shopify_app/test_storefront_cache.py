"""GET state's cache (``shopify_app.storefront_cache``): after each kind of write, the next
GET state shows it — real commits, real Redis, every section registered.

Each test first reads the state twice and checks the second read was served from the cache
(no database query), so a write that forgot to invalidate would leave the old state: the
control test shows exactly that for a write made behind the services' back.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from loyalty.models import Member, PointsTransaction, Redemption
from loyalty.services import catalog
from loyalty.services.birthdays import birthday_set
from loyalty.services.changelog import version_of
from loyalty.services.earning import order_points_sync, orders_points_sync
from loyalty.services.expiry import points_expire_due
from loyalty.services.imports import points_import
from loyalty.services.ledger import entry_write, member_lock, points_adjust, points_post_due
from loyalty.services.members import member_enrol, member_exclude, members_enrol_existing
from loyalty.services.program import (
    program_settings_edit,
    program_settings_get,
    program_settings_update,
)
from loyalty.services.redemption import redemption_refund, redemptions_mark_used, reward_redeem
from loyalty.vip.services import vip_program_enable
from referrals.services.program import (
    referral_code_for_member,
    referral_link_visit,
    referral_program_update,
)
from shopify_app.models import Order
from shopify_app.services.mirror import CustomerRow, customers_upsert
from shopify_app.services.shops import shop_uninstall
from shopify_app.storefront_cache import storefront_state_changed
from tests.factories import CustomerFactory, MemberFactory, OrderFactory, RewardFactory
from tests.loyalty.storefront.conftest import signed_query

pytestmark = pytest.mark.django_db(transaction=True)
CUSTOMER = 8_300_000_001


@pytest.fixture
def ann(shop):
    customer = CustomerFactory(shop=shop, first_name="Ann", shopify_id=CUSTOMER, state="enabled")
    return MemberFactory(shop=shop, customer=customer)


def _get(client, shop, customer):
    response = client.get(f"/proxy/api/state?{signed_query(shop.domain, customer)}")
    return response


def cached(client, shop, customer=CUSTOMER) -> dict:
    """The state, read until cached, then once more: that read must come from the cache (no
    query). A first rendering may write (the member's referral code, made on first use), which
    invalidates it: hence two reads before the checked one."""
    _get(client, shop, customer)
    first = _get(client, shop, customer)
    assert first.status_code == 200, first.content
    with CaptureQueriesContext(connection) as queries:
        again = _get(client, shop, customer)
    assert again.content == first.content
    assert len(queries) == 0, [q["sql"] for q in queries]
    return first.json()


def fresh(client, shop, customer=CUSTOMER) -> dict:
    response = _get(client, shop, customer)
    assert response.status_code == 200, response.content
    return response.json()


def section(body: dict, key: str = "points") -> dict:
    return next(s["data"] for s in body["sections"] if s["key"] == key)


def member_of(body: dict) -> dict:
    return section(body)["member"]


def credit(member: Member, points: int, key: str, **kwargs) -> None:
    with transaction.atomic():
        locked = member_lock(member_id=member.pk)
        entry_write(member=locked, amount=points, kind="order", idempotency_key=key, **kwargs)


# --- the cache is real -----------------------------------------------------------------------


def test_a_write_behind_the_services_back_is_not_seen_until_something_invalidates(
    client, shop, ann
):
    assert member_of(cached(client, shop))["balance"] == 0
    Member.objects.filter(pk=ann.pk).update(lifetime_earned=999)  # no service, no bump

    assert member_of(cached(client, shop))["lifetime_earned"] == 0  # stale: served as cached
    storefront_state_changed(shop_id=shop.pk, customer_ids=[ann.customer_id])
    assert member_of(fresh(client, shop))["lifetime_earned"] == 999


def test_the_cached_state_is_the_rendered_one_and_other_shoppers_get_their_own(client, shop, ann):
    CustomerFactory(shop=shop, first_name="Bob", shopify_id=CUSTOMER + 1)
    credit(ann, 300, "a")

    assert member_of(cached(client, shop))["balance"] == 300
    bob = cached(client, shop, CUSTOMER + 1)
    assert bob["customer"]["first_name"] == "Bob"
    assert member_of(bob) is None
    assert cached(client, shop, None)["customer"] is None


# --- the ledger and the member --------------------------------------------------------------


def test_a_staff_adjustment_shows(client, shop, ann):
    cached(client, shop)
    points_adjust(
        member=ann, points=250, reason="goodwill", created_by="staff", idempotency_key="k"
    )
    assert member_of(fresh(client, shop))["balance"] == 250


def test_an_order_earn_shows_one_by_one_and_in_a_batch(client, shop, ann):
    program_settings_update(shop_id=shop.pk, points_per_unit=Decimal(1))
    cached(client, shop)
    first = OrderFactory(shop=shop, customer=ann.customer)
    order_points_sync(shop=shop, order_shopify_id=first.shopify_id)
    after_one = member_of(fresh(client, shop))["balance"]
    assert after_one > 0

    cached(client, shop)
    second = OrderFactory(shop=shop, customer=ann.customer)
    ids = list(Order.objects.filter(pk=second.pk).values_list("shopify_id", flat=True))
    orders_points_sync(shop=shop, order_shopify_ids=ids)
    assert member_of(fresh(client, shop))["balance"] == 2 * after_one


def test_a_held_credit_posting_and_lots_expiring_show(client, shop, ann):
    program_settings_update(shop_id=shop.pk, expiry_mode="lot")
    now = timezone.now()
    with transaction.atomic():
        locked = member_lock(member_id=ann.pk)
        entry_write(member=locked, amount=100, kind="order", idempotency_key="held",
                    pending_until=now + timedelta(days=3))  # fmt: skip
    credit(ann, 40, "old", expires_at=now + timedelta(days=1))
    state = member_of(cached(client, shop))
    assert (state["balance"], state["pending"]) == (40, 100)

    points_post_due(now=now + timedelta(days=4))
    points_expire_due(now=now + timedelta(days=4))

    state = member_of(fresh(client, shop))
    assert (state["balance"], state["pending"]) == (100, 0)


def test_a_redemption_its_use_and_its_refund_show(client, shop, ann):
    reward = RewardFactory(shop=shop, points_cost=100)
    credit(ann, 500, "a")
    cached(client, shop)
    redemption = reward_redeem(member=ann, reward=reward, points=None, request_key="r1")
    codes = member_of(cached(client, shop))["codes"]
    assert [(c["code"], c["status"]) for c in codes] == [(redemption.code, "pending")]

    redemptions_mark_used(shop=shop, codes=[redemption.code], order_shopify_id=1)
    assert member_of(cached(client, shop))["codes"][0]["status"] == "used"

    other = reward_redeem(member=ann, reward=reward, points=None, request_key="r2")
    assert member_of(cached(client, shop))["balance"] == 300
    redemption_refund(redemption_id=other.pk, reason="test")
    state = member_of(fresh(client, shop))
    assert state["balance"] == 400
    assert [c["code"] for c in state["codes"]] == [redemption.code]
    assert Redemption.objects.get(pk=other.pk).status == "refunded"


def test_a_birthday_and_an_exclusion_show(client, shop, ann):
    birthday = {"kind": "birthday", "name": "Birthday", "points": 10}
    catalog.earning_rule_create(shop_id=shop.pk, staff_user_id="s", fields=birthday)
    cached(client, shop)
    birthday_set(member=ann, birthday="1990-03-14")
    [way] = [w for w in section(cached(client, shop))["ways_to_earn"] if w["kind"] == "birthday"]
    assert way["birthday"] == "1990-03-14"

    member_exclude(member=ann, reason="staff")
    assert member_of(fresh(client, shop))["state"] == "excluded"


def test_joining_shows_for_one_customer_and_for_the_whole_shop(client, shop):
    program_settings_update(shop_id=shop.pk, enrolment="opt_in")
    cid = CustomerFactory(shop=shop, shopify_id=CUSTOMER, state="enabled")
    CustomerFactory(shop=shop, shopify_id=CUSTOMER + 1, state="enabled")
    assert section(cached(client, shop))["program"]["can_join"] is True
    member_enrol(customer=cid)
    assert member_of(fresh(client, shop))["state"] == "active"

    assert member_of(cached(client, shop, CUSTOMER + 1)) is None
    program_settings_update(shop_id=shop.pk, enrolment="automatic")
    cached(client, shop, CUSTOMER + 1)
    assert members_enrol_existing(shop=shop) == 1
    assert member_of(fresh(client, shop, CUSTOMER + 1)) is not None


def test_a_points_import_shows(client, shop, ann):
    cached(client, shop)
    points_import(shop=shop, content=f"email,points\n{ann.customer.email},700\n", dry_run=False)
    assert member_of(fresh(client, shop))["balance"] == 700


def test_a_customer_update_shows_their_name(client, shop, ann):
    assert cached(client, shop)["customer"]["first_name"] == "Ann"
    customers_upsert(
        shop=shop,
        rows=[CustomerRow(shopify_id=CUSTOMER, email=ann.customer.email, first_name="Annie",
                          last_name="", phone=None, state="enabled",
                          created_at=timezone.now(), updated_at=timezone.now())],
    )  # fmt: skip
    assert fresh(client, shop)["customer"]["first_name"] == "Annie"


# --- the program, the catalog, the shop -------------------------------------------------------


def test_branding_and_program_edits_show_to_members_and_guests(client, shop, ann):
    cached(client, shop)
    cached(client, shop, None)
    settings = program_settings_get(shop_id=shop.pk)
    fields = {"launcher_button_color": "#123456", "program_name": "Club"}
    program_settings_edit(
        shop_id=shop.pk, staff_user_id="s", version=version_of(settings), fields=fields
    )
    for who in (CUSTOMER, None):
        launcher = fresh(client, shop, who)["launcher"]
        assert (launcher["button_color"], launcher["program_name"]) == ("#123456", "Club")


def test_catalog_edits_show(client, shop, ann):
    cached(client, shop, None)
    fields = {"kind": "fixed_amount", "name": "$5 off", "points_cost": 500, "amount": Decimal(5)}
    reward = catalog.reward_create(shop_id=shop.pk, staff_user_id="s", fields=fields)
    assert [r["title"] for r in section(cached(client, shop, None))["rewards"]] == ["$5 off"]

    catalog.reward_update(reward=reward, staff_user_id="s", version=version_of(reward),
                          fields={"name": "Five"})  # fmt: skip
    assert [r["title"] for r in section(cached(client, shop, None))["rewards"]] == ["Five"]

    catalog.reward_deactivate(reward=reward, staff_user_id="s")
    assert section(cached(client, shop, None))["rewards"] == []

    rule = catalog.earning_rule_create(shop_id=shop.pk, staff_user_id="s",
                                       fields={"kind": "custom", "handle": "x", "name": "Quiz",
                                               "points": 5})  # fmt: skip
    assert "Quiz" in [w["title"] for w in section(cached(client, shop, None))["ways_to_earn"]]
    catalog.earning_rule_deactivate(rule=rule, staff_user_id="s")
    assert "Quiz" not in [w["title"] for w in section(fresh(client, shop, None))["ways_to_earn"]]


def test_a_vip_switch_re_renders_every_shopper(client, shop, ann):
    cached(client, shop)
    vip_program_enable(shop=shop, enabled=False)
    with CaptureQueriesContext(connection) as queries:
        fresh(client, shop)
    assert len(queries) > 0  # rendered again, not served


def test_referral_program_edits_codes_and_link_visits_show(client, shop, ann):
    referral_program_update(shop_id=shop.pk, changes={"active": True, "referrer_points": 700})
    code = referral_code_for_member(member=ann).code
    data = section(cached(client, shop), "referrals")
    assert (data["program"]["reward"]["points"], data["member"]["stats"]["invited"]) == (700, 0)

    referral_link_visit(shop_id=shop.pk, code=code)
    assert section(cached(client, shop), "referrals")["member"]["stats"]["invited"] == 1

    referral_program_update(shop_id=shop.pk, changes={"referrer_points": 900})
    assert section(fresh(client, shop), "referrals")["program"]["reward"]["points"] == 900


def test_an_uninstalled_shop_is_refused_even_with_a_cached_state(client, shop, ann):
    cached(client, shop)
    shop_uninstall(shop=shop)
    response = _get(client, shop, CUSTOMER)
    assert response.status_code == 403
    assert response.json()["code"] == "shop_not_installed"


def test_a_state_lives_no_longer_than_its_next_change_by_the_clock(client, shop, ann, settings):
    from shopify_app import storefront_cache

    soon = timezone.now() + timedelta(seconds=20)
    credit(ann, 40, "soon", expires_at=soon)
    cached(client, shop)
    key = storefront_cache._state_key(shop.domain, CUSTOMER)
    assert 0 < storefront_cache._redis().ttl(key) <= 20
    assert PointsTransaction.objects.filter(member=ann).count() == 1
