"""The nightly pass id range by range: the same decisions whatever the ranges, the preview's
counts over the same ranges, and members who do not change are neither locked nor rewritten."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction

from loyalty.services.ledger import member_lock
from loyalty.vip import services
from loyalty.vip.config import TierConfig, tier_config_apply, tier_config_preview
from loyalty.vip.models import MemberTier, TierChange
from loyalty.vip.services import member_tiers_evaluate
from shopify_app import storefront_cache
from tests.factories import MemberFactory, ShopFactory
from tests.loyalty.conftest import credit
from tests.loyalty.vip.conftest import configure, member_of, tier, tier_of

START = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


def spend(store, amounts: list[str]):
    customers = []
    for amount in amounts:
        customer = store.customer()
        store.paid(store.order(customer=customer, lines=[(Decimal(amount), 1)]))
        customers.append(customer)
    return customers


@pytest.mark.parametrize("few", [0, 1000], ids=["read-by-range", "looked-up-by-id"])
def test_ranges_of_two_members_decide_as_one_range_and_the_preview_counts_it(
    store, monkeypatch, few
):
    store.clock = START
    amounts = ["20.00", "150.00", "300.00", "600.00", "900.00", "1200.00", "50.00"]
    customers = spend(store, amounts)
    monkeypatch.setattr(services, "BATCH_MEMBERS", 2)
    monkeypatch.setattr(services, "FEW_CANDIDATES", few)
    assert len(services.member_ranges(shop_id=store.shop.pk)) == 4  # 2 + 2 + 2 + 1
    proposal = TierConfig(
        tiers=[tier("Silver", 1, "100"), tier("Gold", 2, "500", multiplier=Decimal("1.5"))]
    )
    at = START + timedelta(hours=1)

    preview = tier_config_preview(shop=store.shop, config=proposal, now=at)
    _, applied = tier_config_apply(shop=store.shop, config=proposal, by="staff-1", now=at)

    assert applied == preview
    assert (preview.per_tier, preview.none, preview.up, preview.down) == ([2, 3], 2, 5, 0)
    members = [member_of(store, c) for c in customers]
    assert [tier_of(m) for m in members] == [
        None, "Silver", "Silver", "Gold", "Gold", "Gold", None
    ]  # fmt: skip
    assert [m.tier_multiplier for m in members] == [Decimal(1)] * 3 + [Decimal("1.5")] * 3 + [
        Decimal(1)
    ]
    assert TierChange.objects.filter(shop=store.shop).count() == 5
    assert member_tiers_evaluate(shop=store.shop, now=at) == []  # nothing left undecided


def test_a_steady_rerun_rewrites_no_state_row(store):
    store.clock = START
    spend(store, ["150.00", "600.00"])
    configure(store.shop, tier("Silver", 1, "100"), now=START + timedelta(hours=1))
    before = list(MemberTier.objects.order_by("pk").values_list("pk", "updated_at", "tier_id"))

    assert member_tiers_evaluate(shop=store.shop, now=START + timedelta(days=1)) == []

    after = list(MemberTier.objects.order_by("pk").values_list("pk", "updated_at", "tier_id"))
    assert after == before


@pytest.mark.django_db(transaction=True)
def test_the_nightly_pass_does_not_lock_a_member_whose_state_does_not_change():
    shop = ShopFactory(domain="vip-nolock.myshopify.com")
    steady, rising = MemberFactory(shop=shop), MemberFactory(shop=shop)
    credit(steady, 200, "steady")
    configure(shop, tier("Gold", 1, "100", basis="points"), now=START)
    credit(rising, 200, "rising")  # no order: only the nightly run places this one
    held, release = threading.Event(), threading.Event()
    outcome: list[object] = []

    def hold() -> None:
        # An earn in flight for the member who stays Gold: its lock is held throughout.
        try:
            with transaction.atomic():
                member_lock(member_id=steady.pk)
                held.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    def nightly() -> None:
        try:
            held.wait(timeout=30)
            with connection.cursor() as cursor:
                cursor.execute("SET lock_timeout = '2s'")  # waiting for it would fail the run
            outcome.append(member_tiers_evaluate(shop=shop, now=START + timedelta(days=1)))
        except Exception as exc:  # the failure (a lock timeout) is the outcome
            outcome.append(exc)
        finally:
            release.set()
            connection.close()

    threads = [threading.Thread(target=hold), threading.Thread(target=nightly)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert outcome == [[(rising.pk, None, MemberTier.objects.get(member=rising).tier_id)]]
    assert tier_of(steady) == tier_of(rising) == "Gold"


@pytest.mark.parametrize("few", [0, 1000], ids=["read-by-range", "looked-up-by-id"])
def test_the_launcher_of_a_member_the_nightly_pass_moves_is_re_rendered(
    shop, monkeypatch, few, django_capture_on_commit_callbacks
):
    steady, rising = MemberFactory(shop=shop), MemberFactory(shop=shop)
    credit(steady, 200, "steady")
    gold = configure(shop, tier("Gold", 1, "100", basis="points"), now=START)["Gold"]
    credit(rising, 200, "rising")  # no order: only the nightly run places this one
    monkeypatch.setattr(services, "BATCH_MEMBERS", 1)
    monkeypatch.setattr(services, "FEW_CANDIDATES", few)

    def version(member) -> object:
        # The customer's state version in Redis: a new one makes the next GET state re-render.
        key = storefront_cache._version_keys(shop.domain, member.customer.shopify_id)[1]
        return storefront_cache._redis().get(key)

    before = {m.pk: version(m) for m in (steady, rising)}
    with django_capture_on_commit_callbacks(execute=True):
        changes = member_tiers_evaluate(shop=shop, now=START + timedelta(days=1))

    assert changes == [(rising.pk, None, gold.pk)]
    assert version(rising) not in (None, before[rising.pk])
    assert version(steady) == before[steady.pk]  # not changed, not invalidated
