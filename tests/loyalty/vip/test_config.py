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
