"""The embedded admin in devshop's admin frame, in Chromium: each test is a merchant's story,
checked where the shopper sees it (the storefront launcher). axe-core runs on every page and
state (lists, empty states, modals, errors); screenshots go to ``E2E_SCREENSHOTS``."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.admin import assert_admin_accessible, go, open_admin, toast
from tests.e2e.conftest import SHOP, shoot
from tests.e2e.test_launcher import go_to, open_launcher


def test_the_merchant_edits_a_rule_and_a_reward_and_the_launcher_shows_them(
    stack, shop, page, db_access
):
    from loyalty.models import EarningRule, Reward

    rule = EarningRule.objects.create(
        shop=shop,
        kind="social_follow",
        network="tiktok",
        name="Quiz",
        points=30,
        url="https://tiktok.com/@e2e-goods",
    )
    reward = Reward.objects.create(
        shop=shop, kind="fixed_amount", name="Tote", points_cost=7000, amount=70, position=5
    )
    try:
        app = open_admin(page, stack)
        shoot(page, "admin-01-home")
        assert_admin_accessible(page)
        go(page, app, "Rules & rewards")
        shoot(page, "admin-02-rules-rewards")
        assert_admin_accessible(page)

        app.get_by_role("row", name=re.compile("^Quiz")).get_by_role("button", name="Edit").click()
        modal = app.get_by_role("dialog", name="Edit rule")
        modal.get_by_label("Name").fill("Take the style quiz")
        modal.get_by_label("Points").fill("")  # empty: the server's inline field error
        modal.get_by_role("button", name="Save").click()
        expect(modal.get_by_text(re.compile("valid integer|required", re.I))).to_be_visible()
        shoot(page, "admin-03-rule-error")
        assert_admin_accessible(page)
        modal.get_by_label("Points").fill("45")
        modal.get_by_role("button", name="Save").click()
        toast(page, "Rule saved")
        expect(app.get_by_role("row", name=re.compile("^Take the style quiz"))).to_contain_text(
            "45"
        )

        app.get_by_role("row", name=re.compile("^Tote")).get_by_role("button", name="Edit").click()
        modal = app.get_by_role("dialog", name="Edit reward")
        modal.get_by_label("Name").fill("Canvas tote")
        modal.get_by_label("Points cost").fill("6500")
        shoot(page, "admin-04-reward-modal")
        assert_admin_accessible(page)
        modal.get_by_role("button", name="Save").click()
        toast(page, "Reward saved")
        expect(app.get_by_role("row", name=re.compile("^Canvas tote"))).to_contain_text("6500")

        rule.refresh_from_db()
        assert (rule.name, rule.points) == ("Take the style quiz", 45)

        # A new reward without a name: the server's field error, inline, in the modal.
        app.get_by_role("button", name="Add reward").click()
        modal = app.get_by_role("dialog", name="Add reward")
        modal.get_by_label("Points cost").fill("100")
        modal.get_by_role("button", name="Save").click()
        expect(modal.get_by_label("Name")).to_have_attribute("aria-invalid", "true")
        shoot(page, "admin-16-add-reward-error")
        assert_admin_accessible(page)
        modal.get_by_role("button", name="Cancel").click()
        expect(modal).to_have_count(0)

        page.goto(stack.storefront(SHOP))  # a guest's launcher lists both
        panel = open_launcher(page)
        expect(panel.get_by_role("listitem").filter(has_text="Canvas tote")).to_contain_text(
            "6,500"
        )
        expect(
            panel.get_by_role("listitem").filter(has_text="Take the style quiz")
        ).to_contain_text("45")
        expect(panel.get_by_text("Tote", exact=True)).to_have_count(0)
        shoot(page, "admin-14-launcher-after-edits")
    finally:
        rule.delete()
        reward.delete()


def test_the_merchant_finds_a_customer_adjusts_points_and_the_customer_sees_it(
    stack, shop, page, member_factory, sign_in, db_access
):
    from loyalty.models import Member

    ivy = member_factory(first_name="Ivy", points=100)
    app = open_admin(page, stack, "Customers")
    app.get_by_label("Search").fill("no-such-customer@example.com")
    expect(app.get_by_text("No members match")).to_be_visible()
    shoot(page, "admin-05-customers-empty")
    assert_admin_accessible(page)

    app.get_by_label("Search").fill(ivy.member.customer.email)
    row = app.get_by_role("row", name=re.compile("^Ivy Shopper"))
    expect(row).to_contain_text("100")
    expect(app.get_by_role("row")).to_have_count(2)  # the heading row and Ivy's
    shoot(page, "admin-06-customers-search")
    assert_admin_accessible(page)
    row.click()
    expect(app.get_by_role("heading", name="Ivy Shopper", level=1)).to_be_visible()
    shoot(page, "admin-07-profile")
    assert_admin_accessible(page)

    app.get_by_role("button", name="Adjust points").click()
    modal = app.get_by_role("dialog", name="Adjust points")
    modal.get_by_label("Points").fill("250")
    modal.get_by_label("Reason (staff only)").fill("Parcel arrived late")
    modal.get_by_label("Note to the customer (optional)").fill("Sorry for the wait")
    shoot(page, "admin-08-adjust")
    assert_admin_accessible(page)
    modal.get_by_role("button", name="Review").click()
    expect(
        modal.get_by_text("Add 250 points for Ivy Shopper? Reason: Parcel arrived late")
    ).to_be_visible()
    expect(modal.get_by_text("The customer sees: “Sorry for the wait”")).to_be_visible()
    shoot(page, "admin-09-adjust-confirm")
    assert_admin_accessible(page)
    modal.get_by_role("button", name="Confirm").click()
    toast(page, "Points adjusted")
    expect(app.get_by_text("350 (€3.50)")).to_be_visible()  # 100 points = €1
    history = app.get_by_role("table").filter(has_text="Parcel arrived late")
    expect(history).to_contain_text("Sorry for the wait")
    ivy.member.refresh_from_db()
    assert ivy.member.balance == 350

    app.get_by_role("button", name="Exclude from program").click()
    toast(page, "Excluded")
    expect(app.get_by_role("button", name="Include in program")).to_be_visible()
    shoot(page, "admin-10-profile-excluded")
    assert_admin_accessible(page)
    assert Member.objects.get(pk=ivy.member.pk).state == "excluded"
    app.get_by_role("button", name="Include in program").click()
    toast(page, "Included")
    expect(app.get_by_role("button", name="Exclude from program")).to_be_visible()
    assert Member.objects.get(pk=ivy.member.pk).state == "active"

    sign_in(page, ivy)
    panel = open_launcher(page)
    go_to(panel, "History")
    expect(panel.get_by_role("listitem").filter(has_text="Sorry for the wait")).to_contain_text(
        "+250 points"
    )


def test_a_concurrent_edit_is_refused_with_a_clear_message(stack, shop, page, db_access):
    from loyalty.models import Reward
    from loyalty.services.catalog import reward_update
    from loyalty.services.changelog import version_of

    reward = Reward.objects.create(
        shop=shop, kind="fixed_amount", name="Mug", points_cost=3000, amount=30, position=6
    )
    try:
        app = open_admin(page, stack, "Rules & rewards")
        app.get_by_role("row", name=re.compile("^Mug")).get_by_role("button", name="Edit").click()
        modal = app.get_by_role("dialog", name="Edit reward")
        modal.get_by_label("Points cost").fill("2500")
        # Another staff member saves first.
        reward_update(
            reward=reward,
            staff_user_id="other",
            version=version_of(reward),
            fields={"points_cost": 2800},
        )
        modal.get_by_role("button", name="Save").click()
        expect(modal.get_by_text(re.compile("Someone else changed this"))).to_be_visible()
        shoot(page, "admin-11-conflict")
        assert_admin_accessible(page)
        reward.refresh_from_db()
        assert reward.points_cost == 2800  # theirs stays; nothing was silently overwritten
    finally:
        reward.delete()


def test_the_program_page_saves_through_the_save_bar_and_shows_field_errors(
    stack, shop, page, db_access
):
    from loyalty.services.program import program_settings_get

    before = program_settings_get(shop_id=shop.id).hold_days
    app = open_admin(page, stack, "Program")
    shoot(page, "admin-12-program")
    assert_admin_accessible(page)
    app.get_by_label("Hold period (days)").fill("-3")
    app.get_by_role("button", name="Save").click()
    expect(app.get_by_label("Hold period (days)")).to_have_attribute("aria-invalid", "true")
    shoot(page, "admin-13-program-error")
    assert_admin_accessible(page)
    assert program_settings_get(shop_id=shop.id).hold_days == before
    app.get_by_role("button", name="Discard").click()
    expect(app.get_by_label("Hold period (days)")).to_have_value(str(before))


def test_markup_in_a_customer_name_is_shown_as_text_in_the_admin(
    stack, shop, page, member_factory, db_access
):
    evil = '<img src=x onerror="window.__pwned=1"><b>Bold</b>'
    member_factory(first_name=evil, points=5)
    app = open_admin(page, stack, "Customers")
    app.get_by_label("Search").fill("Bold")
    row = app.get_by_role("row").filter(has_text=evil)
    expect(row).to_be_visible()
    row.click()
    expect(app.get_by_role("heading", name=f"{evil} Shopper", level=1)).to_be_visible()
    frame = page.frame(name="app-iframe")
    assert frame is not None
    assert frame.evaluate("window.__pwned") is None
    assert frame.evaluate("document.querySelectorAll('#app img[src=x], #app b').length") == 0


def test_a_list_that_cannot_load_says_so_accessibly(stack, shop, page):
    app = open_admin(page, stack)
    # The app's server fails this one request (as an outage would); the page stays usable.
    page.route(
        "**/api/admin/members?*",
        lambda route: route.fulfill(
            status=503,
            json={"message": "The service is unavailable.", "code": "unavailable", "extra": {}},
        ),
    )
    go(page, app, "Customers")
    expect(app.get_by_text("Could not load customers")).to_be_visible()
    expect(app.get_by_text("The service is unavailable.")).to_be_visible()
    shoot(page, "admin-15-customers-error")
    assert_admin_accessible(page)
