"""The VIP club's admin API: read the configuration, preview a proposal on real members, apply
it with If-Match (428 without, 409 when stale, recorded in the change log), the distribution,
the profile's tier and history, and staff's idempotent invitation-only assignments."""

from __future__ import annotations

from decimal import Decimal

import pytest

from loyalty.models import ChangeLog
from loyalty.vip.models import MemberTier, Tier, TierChange, TierConfigVersion
from tests.factories import MemberFactory, RewardFactory
from tests.loyalty.conftest import credit

pytestmark = pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")


def tier_body(name, rank, threshold, **kw):
    return {"id": None, "name": name, "rank": rank, "basis": "points", "period": "lifetime",
            "threshold": str(threshold), "multiplier": "1.000", "entry_points": 0,
            "perks": "", "customer_tag": "", "invitation_only": False, **kw}  # fmt: skip


def config_body(*tiers, downgrade="end_of_period", grace_days=30):
    return {"tiers": list(tiers), "downgrade": downgrade, "grace_days": grace_days}


def members_with(shop, *points):
    members = []
    for n, amount in enumerate(points):
        member = MemberFactory(shop=shop)
        if amount:
            credit(member, amount, f"seed:{n}:{member.pk}")
        members.append(member)
    return members


def apply(admin, body, version="0"):
    return admin.request("PUT", "/api/admin/vip", body=body, headers={"If-Match": f'"{version}"'})


def test_an_unconfigured_club_reads_as_version_0_and_writes_nothing(admin, installed):
    response = admin.get("/api/admin/vip")

    assert response.status_code == 200
    assert response.json() == {"version": "0", "enabled": True, "downgrade": "end_of_period",
                               "grace_days": 30, "tiers": []}  # fmt: skip
    assert response["ETag"] == '"0"'
    assert not Tier.objects.filter(shop=installed).exists()


def test_the_preview_counts_equal_what_applying_does(admin, installed):
    members_with(installed, 0, 150, 300, 900, 1500)
    apply(admin, config_body(tier_body("Silver", 1, 100), tier_body("Gold", 2, 1000)))
    gold = Tier.objects.get(shop=installed, name="Gold", active=True)
    proposal = config_body(
        tier_body("Gold", 1, 250, id=gold.pk, multiplier="1.5", perks="Free shipping"),
        tier_body("Platinum", 2, 1200, multiplier="2"),
    )

    preview = admin.post("/api/admin/vip/preview", proposal)
    assert preview.status_code == 200, preview.content
    assert TierConfigVersion.objects.filter(shop=installed).count() == 1  # nothing written
    applied = apply(admin, proposal, version="1")

    assert applied.status_code == 200, applied.content
    assert applied.json()["result"] == preview.json()
    # 0 and 150 in none (150 held Silver, removed: down); 300 and 900 from Silver to Gold and
    # 1500 from Gold to Platinum (up).
    assert preview.json() == {"counts": [2, 1], "none": 2, "up": 3, "down": 1}
    assert applied["ETag"] == '"2"'
    held = MemberTier.objects.filter(shop=installed, tier__isnull=False)
    assert sorted(m.tier.name for m in held.select_related("tier")) == ["Gold", "Gold", "Platinum"]
    assert [t["name"] for t in applied.json()["tiers"]] == ["Gold", "Platinum"]
    assert applied.json()["tiers"][0]["perks"] == "Free shipping"


def test_applying_needs_the_version_read_and_a_stale_one_answers_409(admin, installed):
    first = apply(admin, config_body(tier_body("Silver", 1, 100)))
    assert first.status_code == 200
    proposal = config_body(tier_body("Bronze", 1, 10))

    missing = admin.request("PUT", "/api/admin/vip", body=proposal)
    stale = apply(admin, proposal, version="0")

    assert missing.status_code == 428
    assert missing.json()["code"] == "version_required"
    assert stale.status_code == 409
    assert stale.json()["extra"] == {"current_version": "1"}
    assert list(
        Tier.objects.filter(shop=installed, active=True).values_list("name", flat=True)
    ) == ["Silver"]


def test_applying_is_recorded_with_who_changed_what(admin, installed):
    apply(admin, config_body(tier_body("Silver", 1, 100)))

    change = ChangeLog.objects.get(shop=installed, action="vip_config.apply")
    assert change.staff_user_id == "42"
    assert change.object_id == "1"
    assert change.before["tiers"] == []
    assert [t["name"] for t in change.after["tiers"]] == ["Silver"]
    assert change.after["result"] == {"per_tier": [0], "none": 0, "up": 0, "down": 0}


@pytest.mark.parametrize(
    ("tiers", "field"),
    [
        ([tier_body("", 1, 10)], "name"),
        ([tier_body("A", 1, -1)], "threshold"),
        ([tier_body("A", 1, 10, basis="visits")], "basis"),
        ([tier_body("A", 1, 10, customer_tag="vip,gold")], "customer_tag"),
        ([tier_body("A", 1, "2.5", basis="orders")], "threshold"),
        ([tier_body("A", 1, 10, customer_tag="vip", discount_percent="100.5")], "discount_percent"),
        ([tier_body("A", 1, 10, discount_percent="10")], "discount_percent"),  # no tag
        ([tier_body("A", 1, 10, entry_reward_id=987654321)], "entry_reward_id"),
        ([tier_body("A", 1, 10, perk_every="week")], "perk_every"),
        ([tier_body("A", 1, 10, perk_every="month")], "perk_every"),  # no reward
        (
            [
                tier_body(
                    "A",
                    1,
                    10,
                    membership_variant_id="gid://shopify/Product/1",
                    invitation_only=True,
                    membership_term=12,
                )
            ],
            "membership_variant_id",
        ),
        (
            [tier_body("A", 1, 10, membership_variant_id="77", invitation_only=True)],
            "membership_term",
        ),
        (
            [tier_body("A", 1, 10, membership_variant_id="77", membership_term=12)],
            "invitation_only",
        ),
        ([tier_body("A", 1, 10, membership_term_unit="years")], "membership_term_unit"),
        (
            [
                tier_body(
                    "A",
                    1,
                    10,
                    invitation_only=True,
                    membership_term=1,
                    membership_variant_id="9" * 20,
                )
            ],
            "membership_variant_id",
        ),
        ([tier_body("A", 1, 10, entry_reward_id=2**63)], "entry_reward_id"),
    ],
)
def test_a_bad_tier_answers_400_with_the_field_and_writes_nothing(admin, installed, tiers, field):
    response = apply(admin, config_body(*tiers))

    assert response.status_code == 400
    assert field in response.json()["extra"]["fields"]["tiers"]["0"]  # by index
    assert not Tier.objects.filter(shop=installed).exists()


def test_repeated_ranks_and_another_shops_tier_id_are_refused(admin, installed, other_shop):
    theirs = Tier.objects.create(shop=other_shop, name="Theirs", rank=1)
    same_rank = config_body(tier_body("A", 1, 10), tier_body("B", 1, 20))
    foreign = config_body(tier_body("A", 1, 10, id=theirs.pk))

    for body in (same_rank, foreign):
        response = admin.post("/api/admin/vip/preview", body)
        assert response.status_code == 400
        assert "tiers" in response.json()["extra"]["fields"]
    assert apply(admin, foreign).status_code == 400
    assert Tier.objects.get(pk=theirs.pk).name == "Theirs"
    assert not Tier.objects.filter(shop=installed).exists()


def test_the_distribution_counts_members_per_tier_now(admin, installed):
    members_with(installed, 0, 150, 300, 1500)
    apply(admin, config_body(tier_body("Silver", 1, 100), tier_body("Gold", 2, 1000)))

    body = admin.get("/api/admin/vip/distribution").json()

    assert [(t["name"], t["members"]) for t in body["tiers"]] == [("Silver", 2), ("Gold", 1)]
    assert (body["none"], body["total"]) == (1, 4)


def test_the_profile_shows_the_tier_its_term_and_history(admin, installed):
    (member,) = members_with(installed, 500)
    apply(admin, config_body(tier_body("Silver", 1, 100, period="rolling_12_months")))

    vip = admin.get(f"/api/admin/members/{member.pk}").json()["vip"]

    assert vip["tier"]["name"] == "Silver"
    assert vip["kept_until"] is not None
    assert [(h["from_tier"], h["to_tier"]["name"], h["reason"]) for h in vip["history"]] == [
        (None, "Silver", "config")
    ]


def test_staff_assign_and_remove_an_invitation_only_tier_once_each(admin, installed):
    (member,) = members_with(installed, 0)
    apply(admin, config_body(tier_body("Club", 1, 0, invitation_only=True, entry_points=50)))
    club = Tier.objects.get(shop=installed, name="Club", active=True)
    path = f"/api/admin/members/{member.pk}/vip-tiers/{club.pk}"

    first, again = admin.request("PUT", path), admin.request("PUT", path)

    assert first.status_code == again.status_code == 200
    assert again.json()["tier"]["name"] == "Club"
    assert again.json()["assigned_by"] == "42"
    assert TierChange.objects.filter(member=member, reason="staff").count() == 1
    assert ChangeLog.objects.filter(action="member.vip_tier_assign").count() == 1
    member.refresh_from_db()
    assert member.balance == 50  # the entry reward, once

    removed, removed_again = admin.request("DELETE", path), admin.request("DELETE", path)
    assert removed.status_code == removed_again.status_code == 200
    assert removed_again.json()["tier"] is None
    assert TierChange.objects.filter(member=member, reason="staff").count() == 2
    assert ChangeLog.objects.filter(action="member.vip_tier_remove").count() == 1


def test_staff_cannot_assign_an_evaluated_tier_nor_another_shops(admin, installed, other_shop):
    (member,) = members_with(installed, 0)
    apply(admin, config_body(tier_body("Silver", 1, 100)))
    silver = Tier.objects.get(shop=installed, name="Silver")
    theirs = Tier.objects.create(shop=other_shop, name="Club", rank=1, invitation_only=True)

    evaluated = admin.request("PUT", f"/api/admin/members/{member.pk}/vip-tiers/{silver.pk}")
    foreign = admin.request("PUT", f"/api/admin/members/{member.pk}/vip-tiers/{theirs.pk}")

    assert evaluated.status_code == 400
    assert evaluated.json()["code"] == "tier_not_invitation_only"
    assert foreign.status_code == 404
    assert not MemberTier.objects.filter(member=member, tier__isnull=False).exists()


def test_the_new_tier_fields_round_trip_and_preview_with_them(admin, installed):
    members_with(installed, 50, 500)
    welcome = RewardFactory(shop=installed, name="Welcome $5")
    shipping = RewardFactory(shop=installed, kind="free_shipping", name="Free shipping",
                             amount=None)  # fmt: skip
    gold = tier_body("Gold", 1, 100, customer_tag="vip-gold", discount_percent="12.50",
                     entry_reward_id=welcome.pk, perk_reward_id=shipping.pk,
                     perk_every="quarter")  # fmt: skip
    club = tier_body("Club", 2, 0, invitation_only=True, customer_tag="club",
                     membership_variant_id="gid://shopify/ProductVariant/4455",
                     membership_term=30, membership_term_unit="days")  # fmt: skip
    body = config_body(gold, club)

    preview = admin.post("/api/admin/vip/preview", body)
    applied = apply(admin, body)

    assert preview.status_code == 200, preview.content
    assert applied.status_code == 200, applied.content
    assert applied.json()["result"] == preview.json() == {
        "counts": [1, 0], "none": 1, "up": 1, "down": 0}  # fmt: skip
    read = admin.get("/api/admin/vip").json()["tiers"]
    assert {k: read[0][k] for k in gold if k != "id"} == {
        **{k: v for k, v in gold.items() if k != "id"}, "threshold": "100.00"}  # fmt: skip
    assert read[0]["membership_variant_id"] is None
    assert (read[1]["membership_variant_id"], read[1]["membership_term"],
            read[1]["membership_term_unit"]) == (4455, 30, "days")  # fmt: skip
    saved = Tier.objects.get(pk=read[0]["id"])
    assert (saved.discount_percent, saved.entry_reward_id, saved.perk_reward_id,
            saved.perk_every) == (Decimal("12.50"), welcome.pk, shipping.pk, "quarter")  # fmt: skip
    # What GET answers, sent back as is (the variant as a number), keeps every field.
    again = apply(admin, config_body(*read), version="1")
    assert again.status_code == 200, again.content
    assert again.json()["tiers"] == read


def test_another_shops_or_an_unfit_reward_is_refused_and_nothing_written(
    admin, installed, other_shop
):
    theirs = RewardFactory(shop=other_shop, kind="free_shipping", amount=None)
    inactive = RewardFactory(shop=installed, active=False)
    percent = RewardFactory(shop=installed, kind="percent_off", amount=Decimal("10"))
    fixed = RewardFactory(shop=installed)
    bodies = [
        ([tier_body("A", 1, 10, entry_reward_id=theirs.pk)], "entry_reward_id"),
        ([tier_body("A", 1, 10, perk_reward_id=theirs.pk, perk_every="month")],
         "perk_reward_id"),
        ([tier_body("A", 1, 10, entry_reward_id=inactive.pk)], "entry_reward_id"),
        ([tier_body("A", 1, 10, perk_reward_id=fixed.pk, perk_every="month")],
         "perk_reward_id"),  # a perk is free shipping or percent off
    ]  # fmt: skip
    for tiers, field in bodies:
        # The second tier is the bad one: the error names its index.
        body = config_body(tier_body("Base", 2, 0), *[{**t, "rank": 1} for t in tiers])
        for response in (admin.post("/api/admin/vip/preview", body), apply(admin, body)):
            assert response.status_code == 400, (field, response.content)
            assert field in response.json()["extra"]["fields"]["tiers"]["1"]
    ok = apply(admin, config_body(
        tier_body("A", 1, 10, perk_reward_id=percent.pk, perk_every="month")))  # fmt: skip
    assert ok.status_code == 200, ok.content
    assert list(Tier.objects.filter(shop=installed).values_list("name", flat=True)) == ["A"]
    assert not Tier.objects.filter(shop=other_shop).exists()


def test_two_tiers_sold_by_one_variant_are_refused(admin, installed):
    club = {"invitation_only": True, "membership_variant_id": "8", "membership_term": 1}
    body = config_body(tier_body("A", 1, 0, **club), tier_body("B", 2, 0, **club))

    response = apply(admin, body)

    assert response.status_code == 400
    assert "membership_variant_id" in response.json()["extra"]
    assert not Tier.objects.filter(shop=installed).exists()
