"""Referrals in Chromium, against devshop: a member shares their link, a friend on another
device claims the offer and pays with it at devshop's checkout, the member is credited once;
a self-referral through an email alias is refused and the admin shows why; staff approve a
held referral. axe runs on every view and state; screenshots go to ``E2E_SCREENSHOTS``."""

from __future__ import annotations

import re
import uuid

from django.db.models import Sum
from playwright.sync_api import expect

from tests.e2e.admin import assert_admin_accessible, open_admin, toast
from tests.e2e.conftest import SHOP, assert_no_axe_violations, shoot, wait_until
from tests.e2e.test_launcher import go_to, open_launcher


def _ledger_total(member) -> int:
    from loyalty.models import PointsTransaction

    entries = PointsTransaction.objects.filter(member=member).exclude(status="void")
    return entries.aggregate(total=Sum("amount"))["total"] or 0


def _friend_page(browser, stack, code: str):
    """A fresh browser context (another device: no cookies, no session) on the member's link."""
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 860})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=stack.devshop_url)
    page = context.new_page()
    page.goto(f"{stack.storefront(SHOP)}?ref={code}")
    return context, page


def _friend_pays_with_the_code(stack, referral, first_name: str) -> None:
    """Once Shopify has the friend's code: the friend, a new customer, orders a mug with it
    (through devshop's controls, so orders/paid reaches the app)."""
    from referrals.models import Referral

    wait_until(
        lambda: Referral.objects.filter(pk=referral.pk, code_status="issued").exists(),
        what=f"the friend's code\n{stack.log_tail('worker')}",
    )
    friend = stack.control(
        f"shops/{SHOP}/customers", first_name=first_name, email=referral.friend_email
    )
    stack.control(
        f"shops/{SHOP}/orders",
        customer_id=friend["legacy_id"],
        discount_code=referral.discount_code,
        title="E2E Mug",
        price="30.00",
    )


def test_a_friend_claims_the_offer_on_another_device_pays_with_it_and_the_member_is_credited(
    stack, shop, browser, page, member_factory, sign_in, db_access
):
    from loyalty.models import PointsTransaction
    from referrals.models import Referral, ReferralCode

    ada = member_factory(first_name="Ada")
    before = _ledger_total(ada.member)
    sign_in(page, ada)
    panel = open_launcher(page)
    # Home's entry to the view, then the view.
    panel.get_by_role("button", name="Refer a friend").last.click()
    expect(panel.get_by_role("heading", name="Refer a friend")).to_be_focused()
    link = panel.get_by_label("Your referral link").input_value()
    code = link.rsplit("ref=", 1)[1]
    assert link == f"https://{SHOP}/?ref={code}"
    expect(panel.get_by_text("Give your friends 10% off their first order.")).to_be_visible()
    expect(panel.get_by_text("No referrals yet.")).to_be_visible()
    for network in ("email", "WhatsApp", "X", "Facebook"):
        share = panel.get_by_role("link", name=re.compile(f"^Share by {network}", re.I))
        expect(share).to_be_visible()
    expect(panel.get_by_role("link", name=re.compile("^Share by WhatsApp"))).to_have_attribute(
        "href", re.compile(r"^https://wa\.me/\?text=")
    )
    panel.get_by_role("button", name="Copy link").click()
    # The button says so (its name is its text: axe's label-in-name), and so does the status.
    expect(panel.get_by_role("button", name="Copied")).to_be_visible()
    expect(panel.get_by_role("status").filter(has_text="Copied")).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == link
    shoot(page, "ref-01-member-refer")
    assert_no_axe_violations(page)

    # Friend B, on another device: the link opens the launcher on the offer by itself.
    bob_email = f"bob.{uuid.uuid4().hex[:10]}@example.com"
    context, friend = _friend_page(browser, stack, code)
    claims: list[str] = []
    friend.on(
        "request",
        lambda r: claims.append(r.url) if r.url.endswith("/api/referrals/claim") else None,
    )
    try:
        offer = friend.get_by_role("dialog")
        expect(offer.get_by_role("heading", name="A gift from your friend")).to_be_focused()
        expect(offer.get_by_text("10% off your first order")).to_be_visible()
        shoot(friend, "ref-02-friend-offer")
        assert_no_axe_violations(friend)
        # The opening counts in the funnel ("invited"), as the proxy link's does.
        wait_until(
            lambda: ReferralCode.objects.filter(code=code, visits=1).exists(),
            what="the link's visit to be counted",
        )

        offer.get_by_label("Your email").fill("not an email")
        offer.get_by_role("button", name="Get my code").click()
        expect(offer.get_by_role("alert")).to_have_text("Please enter a valid email address.")
        shoot(friend, "ref-03-friend-invalid-email")
        assert_no_axe_violations(friend)

        offer.get_by_label("Your email").fill(bob_email)
        claims.clear()
        offer.get_by_role("button", name="Get my code").dblclick()
        claimed = offer.get_by_test_id("friend-code")
        expect(claimed).to_have_text(re.compile(r"^FRIEND-"))
        assert len(claims) == 1  # a double click claims once
        [referral] = Referral.objects.filter(friend_email=bob_email)
        expect(claimed).to_have_text(referral.discount_code)
        shoot(friend, "ref-04-friend-code")
        assert_no_axe_violations(friend)
        wait_until(
            lambda: Referral.objects.filter(pk=referral.pk, code_status="issued").exists(),
            what=f"the friend's code to be created\n{stack.log_tail('worker')}",
        )

        offer.get_by_role("link", name="Apply to cart").click()
        friend.wait_for_url(f"{stack.storefront(SHOP)}cart")
        expect(friend.locator("#cart-discount")).to_contain_text(referral.discount_code)
        friend.goto(f"{stack.storefront(SHOP)}products/e2e-mug")
        friend.get_by_role("button", name="Add to cart").click()
        friend.get_by_role("button", name="Check out").click()
        friend.get_by_label("Email").fill(bob_email)
        expect(friend.locator("#checkout-discount")).to_be_visible()
        friend.get_by_role("button", name="Pay now").click()
        expect(friend.get_by_role("heading", name=re.compile("Thank you"))).to_be_visible()
    finally:
        context.close()

    # orders/paid through devshop's webhooks and the worker: the referral completes, once.
    wait_until(
        lambda: Referral.objects.filter(pk=referral.pk, status="completed").exists(),
        what=f"the referral to complete\n{stack.log_tail('worker')}",
    )
    referral.refresh_from_db()
    assert (referral.attributed_by, referral.order_total) == ("code", 27)  # 30.00 less 10%
    rewards = PointsTransaction.objects.filter(member=ada.member, kind="referral")
    assert [(r.amount, r.status) for r in rewards] == [(1000, "pending")]  # the 14-day hold
    assert _ledger_total(ada.member) == before + 1000

    page.goto(stack.storefront(SHOP))
    panel = open_launcher(page)
    go_to(panel, "Refer a friend")
    row = panel.get_by_role("listitem").filter(has_text=bob_email[:1] + "*")
    expect(row).to_contain_text("Completed")
    expect(row).to_contain_text("1,000 points pending")
    expect(panel.get_by_text("Pending: 1,000 points")).to_be_visible()
    shoot(page, "ref-05-member-completed")
    assert_no_axe_violations(page)


def test_a_self_referral_through_an_alias_is_refused_and_the_admin_shows_why(
    stack, shop, browser, page, member_factory, db_access
):
    from referrals.models import Referral
    from referrals.services.program import referral_code_for_member

    cy = member_factory(first_name="Cy")
    email = cy.member.customer.email
    alias = email.replace("@", "+x@")
    code = referral_code_for_member(member=cy.member).code
    context, friend = _friend_page(browser, stack, code)
    try:
        offer = friend.get_by_role("dialog")
        offer.get_by_label("Your email").fill(alias)
        offer.get_by_role("button", name="Get my code").click()
        expect(offer.get_by_role("alert")).to_have_text("You cannot use your own referral link.")
        expect(offer.get_by_test_id("friend-code")).to_have_count(0)
        shoot(friend, "ref-06-self-referral")
        assert_no_axe_violations(friend)
    finally:
        context.close()
    rejected = Referral.objects.get(friend_email=alias)
    assert (rejected.status, rejected.fraud_rule) == ("rejected", "self_email")

    app = open_admin(page, stack, "Referrals")
    expect(app.get_by_role("heading", name="Funnel")).to_be_visible()
    app.get_by_label("Status").select_option("rejected")
    row = app.get_by_role("row").filter(has_text=alias)
    expect(row).to_contain_text("Rejected")
    expect(row).to_contain_text("Same email as the referrer (an alias) (rejected)")
    expect(row).to_contain_text(f"Referrer\N{RIGHT SINGLE QUOTATION MARK}s email: {email}")
    expect(row).to_contain_text("Decided by: The fraud rules")
    shoot(page, "ref-07-admin-rejected")
    assert_admin_accessible(page)


def test_staff_approve_a_held_referral_in_the_admin(stack, shop, page, member_factory, db_access):
    from referrals.models import Referral
    from referrals.services.offers import referral_claim
    from referrals.services.program import referral_code_for_member, referral_program_update

    dee = member_factory(first_name="Dee")
    code = referral_code_for_member(member=dee.member).code
    first, second = (f"{n}.{uuid.uuid4().hex[:10]}@example.com" for n in ("eve", "fay"))
    # One referral a week per referrer: the second friend's order is held for review.
    referral_program_update(shop_id=shop.pk, changes={"velocity_per_referrer": 1})
    try:
        referral_claim(shop=shop, code=code, email=first)
        held = referral_claim(shop=shop, code=code, email=second)
        _friend_pays_with_the_code(stack, held, "Fay")
        wait_until(
            lambda: Referral.objects.filter(pk=held.pk, status="held").exists(),
            what=f"the referral to be held\n{stack.log_tail('worker')}",
        )
    finally:
        referral_program_update(shop_id=shop.pk, changes={"velocity_per_referrer": 10})

    app = open_admin(page, stack, "Referrals")
    app.get_by_label("Status").select_option("held")
    row = app.get_by_role("row").filter(has_text=second)
    expect(row).to_contain_text("Many referrals by this referrer (held)")
    expect(row).to_contain_text("Referrals: 2")
    shoot(page, "ref-08-admin-held")
    assert_admin_accessible(page)

    row.get_by_role("button", name=f"Approve the referral of {second}").click()
    modal = app.get_by_role("dialog", name="Approve this referral?")
    modal.get_by_label("Note (optional, staff only)").fill("Checked with the customer")
    shoot(page, "ref-09-admin-approve-confirm")
    assert_admin_accessible(page)
    modal.get_by_role("button", name="Approve").click()
    toast(page, "Referral approved")
    held.refresh_from_db()
    assert held.status == "completed"
    assert held.decided_by.startswith("staff:")
    assert held.decision_note == "Checked with the customer"
    assert held.reward_points == 1000
    app.get_by_label("Status").select_option("completed")
    row = app.get_by_role("row").filter(has_text=second)
    expect(row).to_contain_text("Decided by: Staff")
    shoot(page, "ref-10-admin-approved")
    assert_admin_accessible(page)


def test_a_catalog_reward_for_the_referrer_shows_its_code_in_the_launcher_and_is_used_once(
    stack, shop, page, member_factory, sign_in, db_access
):
    """The program gives a catalog reward instead of points: the referrer's launcher names it,
    shows its code once Shopify has it (in the referral and in My codes), and the referrer pays
    with it at checkout; the paid order marks it used."""
    from loyalty.models import Reward
    from referrals.models import Referral
    from referrals.services.offers import referral_claim
    from referrals.services.program import (
        referral_code_for_member,
        referral_program_get,
        referral_program_update,
    )

    before = referral_program_get(shop_id=shop.pk)
    reward = Reward.objects.create(
        shop=shop, name="€8 off", kind="fixed_amount", points_cost=800, amount=8, position=9
    )
    gus = member_factory(first_name="Gus")
    code = referral_code_for_member(member=gus.member).code
    friend = f"hal.{uuid.uuid4().hex[:10]}@example.com"
    referral_program_update(
        shop_id=shop.pk, changes={"referrer_reward_id": reward.pk, "hold_days": 0}
    )
    try:
        claimed = referral_claim(shop=shop, code=code, email=friend)
        _friend_pays_with_the_code(stack, claimed, "Hal")
        referral = wait_until(
            lambda: Referral.objects.filter(
                pk=claimed.pk, status="completed", reward_code_status="issued"
            ).first(),
            what=f"the referrer's reward code to be made\n{stack.log_tail('worker')}",
        )

        sign_in(page, gus)
        panel = open_launcher(page)
        expect(panel.get_by_text("Get €8 off for each friend who orders.")).to_be_visible()
        go_to(panel, "Refer a friend")
        expect(
            panel.get_by_text("You get €8 off when a friend's first order is paid.")
        ).to_be_visible()
        expect(panel.get_by_text("Pending:")).to_have_count(0)  # no points in this program
        row = panel.get_by_role("listitem").filter(has_text=friend[:1] + "*")
        expect(row).to_contain_text("€8 off: your code is ready")
        expect(row).to_contain_text(referral.reward_code)
        shoot(page, "ref-11-member-reward-code")
        assert_no_axe_violations(page)
        page.set_viewport_size({"width": 390, "height": 844})  # a phone: the code in view
        row.get_by_role("link", name="Apply to cart").scroll_into_view_if_needed()
        shoot(page, "ref-11-member-reward-code-phone")
        assert_no_axe_violations(page)
        page.set_viewport_size({"width": 1280, "height": 860})
        go_to(panel, "My codes")
        item = panel.get_by_role("listitem").filter(has_text=referral.reward_code)
        expect(item).to_contain_text("€8 off")
        expect(item).to_contain_text("Ready to use")
        shoot(page, "ref-12-member-my-codes")
        assert_no_axe_violations(page)

        # The referrer pays with it: Shopify takes the €8 off, and the paid order marks it used.
        item.get_by_role("link", name="Apply to cart").click()
        page.wait_for_url(f"{stack.storefront(SHOP)}cart")
        expect(page.locator("#cart-discount")).to_contain_text(referral.reward_code)
        page.goto(f"{stack.storefront(SHOP)}products/e2e-mug")
        page.get_by_role("button", name="Add to cart").click()
        page.get_by_role("button", name="Check out").click()
        expect(page.locator("#checkout-discount")).to_be_visible()
        page.get_by_role("button", name="Pay now").click()
        expect(page.get_by_role("heading", name=re.compile("Thank you"))).to_be_visible()
        wait_until(
            lambda: Referral.objects.filter(pk=referral.pk, reward_code_status="used").exists(),
            what=f"the reward code to be marked used\n{stack.log_tail('worker')}",
        )
        page.goto(stack.storefront(SHOP))
        panel = open_launcher(page)
        go_to(panel, "Refer a friend")
        row = panel.get_by_role("listitem").filter(has_text=friend[:1] + "*")
        expect(row).to_contain_text("€8 off: used")
        expect(row.get_by_role("link", name="Apply to cart")).to_have_count(0)
        shoot(page, "ref-13-member-reward-used")
        assert_no_axe_violations(page)
    finally:
        referral_program_update(
            shop_id=shop.pk,
            changes={
                "referrer_reward_id": before.referrer_reward_id,
                "hold_days": before.hold_days,
            },
        )
        Reward.objects.filter(pk=reward.pk).update(active=False)
