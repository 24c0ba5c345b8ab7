"""The launcher's "vip" section: every shopper sees the club's tiers (invitation-only ones
left out), a member sees their tier, its perks, the day it is kept until and what is left to
reach the next tier in that tier's own basis; a fixed number of queries whatever the history."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from loyalty.vip.storefront import vip_section
from shopify_app.storefront import StorefrontContext, storefront_customer_get
from tests.factories import RewardFactory
from tests.loyalty.storefront.conftest import Proxy
from tests.loyalty.vip.conftest import configure, member_of, tier


def spent(store, customer, *amounts: str) -> None:
    for amount in amounts:
        store.paid(store.order(customer=customer, lines=[(Decimal(amount), 1)]))


def club(shop, **kw):
    return configure(
        shop,
        tier("Silver", 1, "50", multiplier=Decimal("1.25"), perks="Free shipping\n\nEarly access"),
        tier("Gold", 2, "100", multiplier=Decimal("1.5"), perks="A birthday gift"),
        tier("Inner circle", 3, "0", invitation_only=True),
        **kw,
    )


def club_with_benefits(shop):
    """Silver gives 10% off every order and a free-shipping code each month; Gold a 15% off
    code each quarter, whose reward the merchant then switched off."""
    shipping = RewardFactory(shop=shop, kind="free_shipping", amount=None, name="Shipping")
    percent = RewardFactory(shop=shop, kind="percent_off", amount=None, percent=Decimal("15"))
    configure(
        shop,
        tier("Silver", 1, "50", customer_tag="vip-silver", discount_percent=Decimal("10.00"),
             perk_reward_id=shipping.pk, perk_every="month"),
        tier("Gold", 2, "100", perk_reward_id=percent.pk, perk_every="quarter"),
    )  # fmt: skip
    return shipping, percent


def vip_of(client, shop, customer_id):
    response = Proxy(client=client, shop_domain=shop.domain).get("state", customer=customer_id)
    assert response.status_code == 200
    return next((s for s in response.json()["sections"] if s["key"] == "vip"), None)


def test_a_guest_sees_every_tier_but_the_invitation_only_ones(client, store):
    club(store.shop)

    section = vip_of(client, store.shop, None)

    assert section["title"] == "VIP"
    assert section["data"]["member"] is None
    tiers = section["data"]["tiers"]
    assert [(t["name"], t["threshold"], t["multiplier"], t["perks"]) for t in tiers] == [
        ("Silver", "50.00", "1.25", ["Free shipping", "Early access"]),
        ("Gold", "100.00", "1.5", ["A birthday gift"]),
    ]  # fmt: skip


def test_a_member_sees_their_tier_and_what_is_left_to_spend_for_the_next(client, store):
    customer = store.customer()
    spent(store, customer, "25.00", "35.00")
    club(store.shop)

    data = vip_of(client, store.shop, customer.id)["data"]

    assert data["member"]["tier"]["name"] == "Silver"
    assert data["member"]["tier"]["perks"] == ["Free shipping", "Early access"]
    assert data["member"]["progress"] == {
        "tier": "Gold", "basis": "spent", "period": "lifetime", "remaining": "40.00",
        "threshold": "100.00",
    }  # fmt: skip
    assert [t["current"] for t in data["tiers"]] == [True, False]
    assert data["member"]["kept_until"] is None  # a lifetime tier has no term end


def test_progress_counts_orders_and_the_term_ends_on_the_shops_last_day_of_the_year(client, store):
    # Orders placed an hour ago (the store's clock runs ahead of now as it ticks; a calendar
    # year counts only what happened up to now).
    store.clock = timezone.now() - timedelta(hours=1)
    customer = store.customer()
    spent(store, customer, "10.00", "10.00")
    configure(
        store.shop,
        tier("Regular", 1, "2", basis="orders", period="calendar_year"),
        tier("Fan", 2, "5", basis="orders", period="calendar_year"),
    )

    member = vip_of(client, store.shop, customer.id)["data"]["member"]

    assert member["tier"]["name"] == "Regular"
    assert (member["progress"]["basis"], member["progress"]["remaining"]) == ("orders", "3")
    local_year = timezone.now().astimezone(ZoneInfo(store.shop.timezone)).year
    assert member["kept_until"] == f"{local_year}-12-31"  # the last day, in the shop's zone


def test_a_member_on_the_top_tier_has_no_progress_and_a_shop_without_a_club_no_section(
    client, store, other_shop
):
    customer = store.customer()
    spent(store, customer, "150.00")
    club(store.shop)

    assert vip_of(client, store.shop, customer.id)["data"]["member"]["progress"] is None
    assert vip_of(client, other_shop, None) is None


def _queries(shop, customer_id) -> int:
    context = StorefrontContext(
        shop=shop,
        customer_id=customer_id,
        customer=storefront_customer_get(shop=shop, customer_id=customer_id),
    )
    with CaptureQueriesContext(connection) as queries:
        vip_section(context=context)
    return len(queries)


def test_a_tiers_automatic_discount_and_recurring_perk_are_among_its_benefits(client, store):
    customer = store.customer()
    spent(store, customer, "60.00")
    _, percent = club_with_benefits(store.shop)

    data = vip_of(client, store.shop, customer.id)["data"]

    silver, gold = data["tiers"]
    assert (silver["discount_percent"], silver["perk"]) == (
        "10", {"kind": "free_shipping", "percent": None, "every": "month"})  # fmt: skip
    assert (gold["discount_percent"], gold["perk"]) == (
        None, {"kind": "percent_off", "percent": "15", "every": "quarter"})  # fmt: skip
    mine = data["member"]["tier"]
    assert (mine["name"], mine["discount_percent"], mine["perk"]["kind"]) == (
        "Silver", "10", "free_shipping")  # fmt: skip
    # A perk whose reward was switched off is issued no more, so it is not offered either.
    percent.active = False
    percent.save()
    assert vip_of(client, store.shop, None)["data"]["tiers"][1]["perk"] is None


def test_the_section_costs_the_same_for_one_order_or_many(store):
    few, many = store.customer(), store.customer()
    spent(store, few, "20.00")
    spent(store, many, *["5.00"] * 30)
    club_with_benefits(store.shop)  # the discount and the perk come with the tiers' statement
    assert member_of(store, many).lifetime_earned > member_of(store, few).lifetime_earned

    # Tiers; then the member, and their tier with every basis (one statement).
    assert _queries(store.shop, None) == 1
    assert _queries(store.shop, few.id) == _queries(store.shop, many.id) == 3
