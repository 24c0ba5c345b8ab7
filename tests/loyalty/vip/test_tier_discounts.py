"""Automatic tier discounts without codes, through devshop: a segment on the tier's tag and an
automatic basic discount for it, made after commit, kept current, removed, and applied at
devshop's checkout only to the tier's members."""

from __future__ import annotations

from decimal import Decimal

import pytest
import redis
import requests
from celery.exceptions import Retry
from django.conf import settings

from devshop import clock as devshop_clock
from devshop.models import DevAutomaticDiscount, DevOrder, DevSegment
from devshop.services import products
from devshop.services.products import VariantInput
from loyalty.exceptions import TierConfigInvalid
from loyalty.vip import documents, tasks
from loyalty.vip.discounts import vip_tier_discounts_sync
from loyalty.vip.models import Tier
from loyalty.vip.services import member_tiers_evaluate, vip_program_enable
from loyalty.vip.tags import member_tags_sync
from shopify_app import admin_api
from tests.callbacks import work
from tests.loyalty.conftest import credit, devshop_connect, devshop_member
from tests.loyalty.vip.conftest import configure, tier


@pytest.fixture
def dev_shop(shop, inprocess_http):
    redis.Redis.from_url(settings.REDIS_URL).delete(admin_api._bucket_key(shop))
    admin_api._document_costs.clear()
    return devshop_connect(shop)


@pytest.fixture
def waits(monkeypatch):
    """The client's waits, served by moving devshop's clock instead of sleeping."""
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        devshop_clock.advance(seconds)

    monkeypatch.setattr(admin_api, "_sleep", sleep)
    monkeypatch.setattr(admin_api, "_now", lambda: devshop_clock.now().timestamp())
    return slept


def club(shop, gold_percent="10", **gold):
    return configure(
        shop,
        tier("Silver", 1, "100", basis="points", customer_tag="VIP Silver"),
        tier("Gold", 2, "500", basis="points", customer_tag="VIP Gold",
             discount_percent=Decimal(gold_percent), **gold),
    )  # fmt: skip


def sync(shop) -> None:
    tasks.vip_tier_discounts_sync.apply(kwargs={"shop_id": shop.pk}, throw=True)


def _gold_in_devshop(dev_shop) -> tuple[DevSegment, DevAutomaticDiscount]:
    segment = DevSegment.objects.get(shop=dev_shop)
    discount = DevAutomaticDiscount.objects.get(shop=dev_shop)
    return segment, discount


def test_applying_tiers_enqueues_the_discount_sync_after_commit(
    shop, dev_shop, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        club(shop)

    assert len(work(callbacks)) == 1  # no member moved: only the discount sync
    assert not DevAutomaticDiscount.objects.exists()  # nothing sent inside the transaction


def test_the_gold_tier_gets_a_segment_on_its_tag_and_a_discount_for_that_segment(shop, dev_shop):
    tiers = club(shop)

    sync(shop)

    segment, discount = _gold_in_devshop(dev_shop)
    gold = Tier.objects.get(pk=tiers["Gold"].pk)
    assert (segment.name, segment.query) == (
        f"Gold (VIP tier {gold.pk})", "customer_tags CONTAINS 'VIP Gold'",
    )  # fmt: skip
    assert (discount.title, discount.value_type, discount.value) == (
        "Gold members: 10% off", "percentage", Decimal("0.1"),
    )  # fmt: skip
    assert (discount.context_all, discount.segment_ids) == (False, [segment.id])
    assert discount.tags == [f"loyalty-vip-tier-{gold.pk}"]
    assert (gold.segment_gid, gold.discount_gid) == (segment.gid, discount.gid)
    silver = Tier.objects.get(pk=tiers["Silver"].pk)
    assert (silver.segment_gid, silver.discount_gid) == ("", "")


def test_the_discount_applies_at_devshops_checkout_for_gold_only(shop, dev_shop, client):
    club(shop)
    gold_member, silver_member = devshop_member(shop, dev_shop), devshop_member(shop, dev_shop)
    credit(gold_member, 600, "seed-gold")
    credit(silver_member, 150, "seed-silver")
    member_tiers_evaluate(shop=shop)
    for member in (gold_member, silver_member):
        member_tags_sync(member_id=member.pk)
    sync(shop)
    mug = products.product_create(
        shop=dev_shop, title="Ceramic Mug", variants=[VariantInput("Blue", Decimal("40.00"))]
    ).variants.get()
    root = f"/store/{dev_shop.domain}/"

    def checkout(customer_id=None) -> DevOrder:
        client.cookies.clear()
        if customer_id is not None:
            assert (
                client.post(f"{root}account/login", {"customer_id": customer_id}).status_code == 302
            )
        assert client.post(f"{root}cart/add", {"id": mug.id}).status_code == 302
        fields = {} if customer_id else {"email": "guest@example.com"}
        paid = client.post(f"{root}checkout", {"action": "pay", "discount_code": "", **fields})
        assert paid.status_code == 303, paid.content
        return DevOrder.objects.order_by("-id").first()

    gold_order = checkout(gold_member.customer.shopify_id)
    silver_order = checkout(silver_member.customer.shopify_id)
    guest_order = checkout()

    assert (gold_order.total_discounts, gold_order.total_price) == (
        Decimal("4.00"),
        Decimal("36.00"),
    )
    assert [a["title"] for a in gold_order.automatic_discounts] == ["Gold members: 10% off"]
    for order in (silver_order, guest_order):
        assert (order.total_discounts, order.total_price) == (Decimal("0"), Decimal("40.00"))
        assert order.automatic_discounts == []


def test_a_retried_task_changes_nothing_and_a_lost_gid_is_found_again(shop, dev_shop):
    club(shop)
    sync(shop)
    segment, discount = _gold_in_devshop(dev_shop)

    sync(shop)  # a redelivered task
    # The GIDs never stored (the worker died after Shopify answered): found by name and tag.
    Tier.objects.filter(shop=shop).update(segment_gid="", discount_gid="")
    sync(shop)

    assert _gold_in_devshop(dev_shop) == (segment, discount)  # still exactly one of each
    gold = Tier.objects.get(shop=shop, name="Gold")
    assert (gold.segment_gid, gold.discount_gid) == (segment.gid, discount.gid)


def _lose_the_answer_of(monkeypatch, document: str) -> list[str]:
    """Shopify does the mutation but its answer is lost (a 502 on the way back), once."""
    real_post = admin_api._post
    lost: list[str] = []

    def post(shop, token, sent, variables):
        response = real_post(shop, token, sent, variables)
        if sent == document and not lost:
            lost.append(sent)
            failed = requests.Response()
            failed.status_code = 502
            failed._content = b"bad gateway"
            return failed
        return response

    monkeypatch.setattr(admin_api, "_post", post)
    return lost


@pytest.mark.parametrize("document", [documents.SEGMENT_CREATE, documents.DISCOUNT_CREATE])
def test_a_create_whose_answer_was_lost_is_retried_without_a_duplicate(
    shop, dev_shop, waits, monkeypatch, document
):
    club(shop)
    lost = _lose_the_answer_of(monkeypatch, document)

    sync(shop)

    assert lost and waits  # the client retried after the 502
    segment, discount = _gold_in_devshop(dev_shop)  # one of each
    gold = Tier.objects.get(shop=shop, name="Gold")
    assert (gold.segment_gid, gold.discount_gid) == (segment.gid, discount.gid)


def test_a_throttled_shop_is_waited_for_and_nothing_is_duplicated(shop, dev_shop, waits):
    dev_shop.throttle_maximum, dev_shop.throttle_restore_rate = 25.0, 1.0
    dev_shop.save(update_fields=["throttle_maximum", "throttle_restore_rate"])
    club(shop)

    sync(shop)
    sync(shop)

    assert waits, "the client should have waited for Shopify's bucket"
    _gold_in_devshop(dev_shop)  # exactly one of each


def test_the_task_retries_when_shopify_keeps_failing_then_completes_once(
    shop, dev_shop, waits, monkeypatch
):
    club(shop)
    real_post = admin_api._post
    down = requests.Response()
    down.status_code = 503
    down._content = b"unavailable"
    monkeypatch.setattr(admin_api, "_post", lambda *args: down)

    with pytest.raises(Retry):
        sync(shop)
    monkeypatch.setattr(admin_api, "_post", real_post)
    sync(shop)  # Celery's retry, once Shopify is back

    _gold_in_devshop(dev_shop)


def test_a_new_percentage_and_tag_update_the_same_discount_and_segment(shop, dev_shop):
    tiers = club(shop)
    sync(shop)
    segment, discount = _gold_in_devshop(dev_shop)

    configure(
        shop,
        tier("Silver", 1, "100", basis="points", customer_tag="VIP Silver", id=tiers["Silver"].pk),
        tier("Gold", 2, "500", basis="points", customer_tag="Gold Club", id=tiers["Gold"].pk,
             discount_percent=Decimal("15")),
    )  # fmt: skip
    sync(shop)

    new_segment, new_discount = _gold_in_devshop(dev_shop)
    assert (new_segment.id, new_discount.id) == (segment.id, discount.id)
    assert new_segment.query == "customer_tags CONTAINS 'Gold Club'"
    assert (new_discount.title, new_discount.value) == ("Gold members: 15% off", Decimal("0.15"))


@pytest.mark.parametrize("change", ["percent_removed", "tier_deactivated", "club_disabled"])
def test_a_tier_that_no_longer_has_a_discount_loses_both_in_shopify(shop, dev_shop, change):
    tiers = club(shop)
    sync(shop)
    if change == "percent_removed":
        club(shop, gold_percent="0", id=tiers["Gold"].pk)
    elif change == "tier_deactivated":
        configure(shop, tier("Silver", 1, "100", basis="points", id=tiers["Silver"].pk))
    else:
        vip_program_enable(shop=shop, enabled=False)

    sync(shop)
    sync(shop)  # already gone: a second run makes no call that fails

    assert not DevAutomaticDiscount.objects.exists()
    assert not DevSegment.objects.exists()
    gold = Tier.objects.get(pk=tiers["Gold"].pk)
    assert (gold.segment_gid, gold.discount_gid) == ("", "")


def test_a_discount_deleted_in_shopify_meanwhile_is_made_again(shop, dev_shop):
    club(shop)
    sync(shop)
    DevAutomaticDiscount.objects.all().delete()  # the merchant deleted it in the admin

    result = vip_tier_discounts_sync(shop=shop)

    _, discount = _gold_in_devshop(dev_shop)
    assert Tier.objects.get(shop=shop, name="Gold").discount_gid == discount.gid
    assert result.kept == [Tier.objects.get(shop=shop, name="Gold").pk]


@pytest.mark.parametrize(
    ("gold", "problem"),
    [
        ({"discount_percent": Decimal("120")}, "a tier discount is a percentage from 0 to 100"),
        ({"discount_percent": Decimal("-1")}, "a tier discount is a percentage from 0 to 100"),
        (
            {"discount_percent": Decimal("10"), "customer_tag": ""},
            "a tier discount needs the tier's customer tag",
        ),
    ],
)
def test_a_bad_tier_discount_is_refused_and_nothing_is_saved(shop, gold, problem):
    with pytest.raises(TierConfigInvalid) as refused:
        configure(shop, tier("Gold", 1, "0", **{"customer_tag": "VIP Gold", **gold}))

    assert refused.value.extra == {"discount_percent": problem}
    assert not Tier.objects.filter(shop=shop).exists()
