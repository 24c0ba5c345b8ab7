"""Changing the tiers: the preview counts on real data what applying then produces, nobody
loses a kept tier, and a bad configuration is refused whole."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from loyalty.exceptions import TierConfigInvalid
from loyalty.vip.config import TierConfig, tier_config_apply, tier_config_preview
from loyalty.vip.models import Tier, TierConfigVersion
from tests.loyalty.vip.conftest import configure, member_of, tier, tier_of

START = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


def spend(store, amounts: list[str]):
    customers = []
    for amount in amounts:
        customer = store.customer()
        store.paid(store.order(customer=customer, lines=[(Decimal(amount), 1)]))
        customers.append(customer)
    return customers


def test_the_preview_counts_equal_the_applied_result(store):
    store.clock = START
    customers = spend(store, ["20.00", "150.00", "300.00", "600.00", "900.00", "1200.00"])
    live = configure(
        store.shop,
        tier("Silver", 1, "100"),
        tier("Gold", 2, "500"),
        now=START + timedelta(hours=1),
    )
    assert [tier_of(member_of(store, c)) for c in customers] == [
        None, "Silver", "Silver", "Gold", "Gold", "Gold"
    ]  # fmt: skip
    proposal = TierConfig(
        tiers=[
            # Silver dropped; Gold now from 250 (ranked first), a new Platinum from 1000.
            tier("Gold", 1, "250", id=live["Gold"].pk),
            tier("Platinum", 2, "1000", multiplier=Decimal("1.5")),
        ],
        downgrade="end_of_period",
    )
    at = START + timedelta(hours=2)

    preview = tier_config_preview(shop=store.shop, config=proposal, now=at)
    assert Tier.objects.filter(shop=store.shop, active=True).count() == 2  # nothing written
    version, applied = tier_config_apply(shop=store.shop, config=proposal, by="staff-1", now=at)

    assert applied == preview
    assert (preview.per_tier, preview.none) == ([3, 1], 2)
    # Up: 300 (removed Silver → Gold), 1200 (Gold → Platinum); down: 150 (Silver → none).
    assert (preview.up, preview.down) == (2, 1)
    assert [tier_of(member_of(store, c)) for c in customers] == [
        None, None, "Gold", "Gold", "Gold", "Platinum"
    ]  # fmt: skip
    assert version.version == 2 and version.result["per_tier"] == [3, 1]
    assert TierConfigVersion.objects.filter(shop=store.shop).count() == 2
    assert not Tier.objects.get(pk=live["Silver"].pk).active  # kept for the history


def test_a_stricter_configuration_keeps_tiers_inside_their_term(store):
    store.clock = START
    (customer,) = spend(store, ["300.00"])
    live = configure(
        store.shop,
        tier("Gold", 1, "200", period="calendar_year"),
        now=START + timedelta(hours=1),
    )
    stricter = TierConfig(
        tiers=[tier("Gold", 1, "1000", period="calendar_year", id=live["Gold"].pk)]
    )

    preview = tier_config_preview(shop=store.shop, config=stricter, now=START + timedelta(hours=2))
    _, applied = tier_config_apply(
        shop=store.shop, config=stricter, by="staff-1", now=START + timedelta(hours=2)
    )

    assert applied == preview
    assert (applied.per_tier, applied.down) == ([1], 0)
    assert tier_of(member_of(store, customer)) == "Gold"  # kept to the end of 2026


@pytest.mark.parametrize(
    "tiers",
    [
        [tier("A", 1, "10"), tier("B", 1, "20")],  # the same rank twice
        [tier("A", 1, "-1")],
        [tier("A", 1, "10", basis="visits")],
        [tier(" ", 1, "10")],
    ],
    ids=["rank", "threshold", "basis", "name"],
)
def test_a_bad_configuration_is_refused_and_nothing_changes(store, tiers):
    configure(store.shop, tier("Gold", 1, "100"))

    with pytest.raises(TierConfigInvalid):
        tier_config_apply(shop=store.shop, config=TierConfig(tiers=tiers), by="staff-1")
    with pytest.raises(TierConfigInvalid):
        tier_config_preview(shop=store.shop, config=TierConfig(tiers=tiers))

    assert list(Tier.objects.filter(shop=store.shop).values_list("name", "active")) == [
        ("Gold", True)
    ]


def test_another_shops_tier_cannot_be_edited(store, other_shop):
    foreign = configure(other_shop, tier("Gold", 1, "100"))["Gold"]

    with pytest.raises(TierConfigInvalid):
        tier_config_apply(
            shop=store.shop, config=TierConfig(tiers=[tier("Mine", 1, "5", id=foreign.pk)]), by="x"
        )
    assert Tier.objects.get(pk=foreign.pk).name == "Gold"


def test_the_new_tier_fields_are_saved_and_kept_in_the_versioned_snapshot(store):
    from tests.factories import RewardFactory

    coupon = RewardFactory(shop=store.shop, name="Welcome")
    shipping = RewardFactory(shop=store.shop, kind="free_shipping", amount=None, name="Ship")
    tiers = configure(
        store.shop,
        tier("Gold", 1, "100", entry_reward_id=coupon.pk, perk_reward_id=shipping.pk,
             perk_every="quarter"),
        tier("Club", 2, "0", invitation_only=True,
             membership_variant_id="gid://shopify/ProductVariant/123", membership_term=30,
             membership_term_unit="days"),
    )  # fmt: skip

    gold, club = tiers["Gold"], tiers["Club"]
    assert (gold.entry_reward_id, gold.perk_reward_id, gold.perk_every) == (
        coupon.pk, shipping.pk, "quarter",
    )  # fmt: skip
    assert (club.membership_variant_id, club.membership_term, club.membership_term_unit) == (
        123, 30, "days",
    )  # fmt: skip
    snapshot = TierConfigVersion.objects.get(shop=store.shop).config["tiers"]
    assert snapshot[0]["entry_reward_id"] == coupon.pk
    assert (snapshot[0]["perk_reward_id"], snapshot[0]["perk_every"]) == (shipping.pk, "quarter")
    assert snapshot[1]["membership_variant_id"] == 123  # the GID stored as its numeric id
    assert (snapshot[1]["membership_term"], snapshot[1]["membership_term_unit"]) == (30, "days")


@pytest.mark.parametrize(
    ("reward", "fields", "problem"),
    [
        ("variable", {"entry_reward_id": True}, "entry_reward_id"),
        ("foreign", {"entry_reward_id": True}, "entry_reward_id"),
        ("inactive", {"entry_reward_id": True}, "entry_reward_id"),
        ("fixed", {"perk_reward_id": True, "perk_every": "month"}, "perk_reward_id"),
        ("shipping", {"perk_reward_id": True}, "perk_every"),
        ("shipping", {"perk_reward_id": True, "perk_every": "week"}, "perk_every"),
        (None, {"perk_every": "month"}, "perk_every"),
    ],
)
def test_tier_rewards_are_checked(store, other_shop, reward, fields, problem):
    from tests.factories import RewardFactory

    made = {
        "variable": lambda: RewardFactory(shop=store.shop, kind="variable_amount", points_cost=100),
        "foreign": lambda: RewardFactory(shop=other_shop),
        "inactive": lambda: RewardFactory(shop=store.shop, active=False),
        "fixed": lambda: RewardFactory(shop=store.shop),
        "shipping": lambda: RewardFactory(shop=store.shop, kind="free_shipping", amount=None),
        None: lambda: None,
    }[reward]()
    values = {k: (made.pk if v is True else v) for k, v in fields.items()}

    with pytest.raises(TierConfigInvalid) as raised:
        configure(store.shop, tier("Gold", 1, "0", **values))
    assert problem in raised.value.extra
    assert not Tier.objects.filter(shop=store.shop).exists()
