"""The rewards launcher on devshop's storefront, through the real app proxy, in Chromium.

Each test is a shopper's story; locators are by role and accessible name, which also checks
what a screen reader would announce. Screenshots of every view go to ``E2E_SCREENSHOTS``.
"""

from __future__ import annotations

import re
from datetime import date

from playwright.sync_api import expect

from tests.e2e.conftest import SHOP, assert_no_axe_violations, shoot

LAUNCHER_NAME = re.compile("^(Rewards|Récompenses|Prämien)$")


def open_launcher(page):
    page.get_by_role("button", name=LAUNCHER_NAME).click()
    panel = page.get_by_role("dialog")
    expect(panel).to_be_visible()
    return panel


def go_to(panel, view: str):
    panel.get_by_role("navigation").get_by_role("button", name=view, exact=True).click()
    expect(panel.get_by_role("heading", name=view, exact=True)).to_be_visible()


def test_a_guest_sees_the_program_and_how_to_join(stack, shop, page):
    proxied: list[str] = []

    def on_request(request) -> None:
        if "/apps/rewards/" in request.url:
            proxied.append(request.url)

    page.on("request", on_request)
    page.goto(stack.storefront(SHOP), wait_until="networkidle")
    assert proxied == []  # no proxy request until the shopper shows intent
    panel = open_launcher(page)
    expect(panel.get_by_role("heading", name="How it works")).to_be_visible()
    expect(panel.get_by_text("€5 off")).to_be_visible()
    expect(panel.get_by_text("Follow us on Instagram")).to_be_visible()
    expect(panel.get_by_role("link", name="Sign in")).to_have_attribute(
        "href", f"/store/{SHOP}/account/login"
    )
    expect(panel.get_by_role("link", name="Join now")).to_be_visible()
    expect(panel.get_by_role("button", name=re.compile("^Redeem"))).to_have_count(0)
    shoot(page, "01-guest")
    assert_no_axe_violations(page)
    page.keyboard.press("Escape")
    open_launcher(page)
    assert proxied == [f"{stack.storefront(SHOP)}apps/rewards/api/state"]  # one per page view


def test_on_a_phone_the_panel_fills_the_screen_and_the_button_stays_clear(stack, shop, browser):
    # Reduced motion: the panel appears without its slide, so its box is final at once.
    context = browser.new_context(
        viewport={"width": 375, "height": 740}, is_mobile=True, reduced_motion="reduce"
    )
    page = context.new_page()
    page.goto(stack.storefront(SHOP))
    button = page.get_by_role("button", name=LAUNCHER_NAME)
    box = button.bounding_box()
    assert box and box["x"] + box["width"] <= 375 and box["y"] + box["height"] <= 740
    panel = open_launcher(page)
    panel_box = panel.bounding_box()
    assert panel_box == {"x": 0, "y": 0, "width": 375, "height": 740}
    expect(panel.get_by_role("button", name="Close")).to_be_in_viewport()
    shoot(page, "10-phone-guest")
    assert_no_axe_violations(page)
    context.close()


def test_a_member_sees_the_balance_redeems_with_confirmation_and_copies_the_code(
    stack, shop, page, member_factory, sign_in, db_access
):
    from loyalty.models import Redemption

    ann = member_factory(first_name="Ann", points=1200)
    sign_in(page, ann)
    panel = open_launcher(page)
    expect(panel.get_by_role("heading", name="Hi Ann")).to_be_visible()
    expect(panel.get_by_test_id("balance")).to_have_text("1,200 points")
    expect(panel.get_by_text("Worth €12.00")).to_be_visible()
    shoot(page, "02-member-home")
    assert_no_axe_violations(page)

    go_to(panel, "Rewards")
    expect(panel.get_by_text("800 points more needed")).to_be_visible()  # €20 off: 2,000
    shoot(page, "03-rewards")
    assert_no_axe_violations(page)

    panel.get_by_role("button", name="Redeem €5 off").click()
    expect(panel.get_by_role("heading", name="Redeem €5 off?")).to_be_focused()
    expect(panel.get_by_text("This spends 500 points of your 1,200 points.")).to_be_visible()
    shoot(page, "04-confirm")
    assert_no_axe_violations(page)

    panel.get_by_role("button", name="Confirm").click()
    expect(panel.get_by_role("heading", name="Your code")).to_be_visible()
    [redemption] = Redemption.objects.filter(member=ann.member)
    expect(panel.get_by_test_id("issued-code")).to_have_text(redemption.code)
    expect(panel.get_by_role("status").filter(has_text="balance")).to_have_text(
        "Your balance is now 700 points."
    )
    expect(panel.get_by_role("link", name="Apply to cart")).to_have_attribute(
        "href", f"/store/{SHOP}/discount/{redemption.code}?redirect=/store/{SHOP}/cart"
    )
    shoot(page, "05-code")
    assert_no_axe_violations(page)

    panel.get_by_role("button", name=f"Copy code {redemption.code}").click()
    expect(panel.get_by_role("button", name=f"Copy code {redemption.code}")).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == redemption.code
    ann.member.refresh_from_db()
    assert ann.member.balance == 700

    go_to(panel, "My codes")
    expect(panel.get_by_text(redemption.code)).to_be_visible()
    shoot(page, "06-codes")
    assert_no_axe_violations(page)

    go_to(panel, "History")
    spent = "\N{MINUS SIGN}500 points"  # a real minus sign, as the panel writes it
    expect(panel.get_by_role("listitem").filter(has_text=spent)).to_be_visible()
    expect(panel.get_by_role("listitem").filter(has_text="+1,200 points")).to_be_visible()
    shoot(page, "07-history")
    assert_no_axe_violations(page)


def test_a_member_applies_the_code_checks_out_and_the_code_shows_as_used(
    stack, shop, page, member_factory, sign_in, db_access
):
    from loyalty.models import Redemption
    from tests.e2e.conftest import wait_until

    gus = member_factory(first_name="Gus", points=600)
    sign_in(page, gus)
    panel = open_launcher(page)
    go_to(panel, "Rewards")
    panel.get_by_role("button", name="Redeem €5 off").click()
    panel.get_by_role("button", name="Confirm").click()
    code = panel.get_by_test_id("issued-code").inner_text()
    # The worker creates the discount in devshop (Shopify) right after the redemption.
    wait_until(
        lambda: Redemption.objects.filter(code=code, status="issued").exists(),
        what=f"{code} to be issued\n{stack.log_tail('worker')}",
    )
    # The panel re-reads the state while the code is being prepared: no reload needed.
    go_to(panel, "My codes")
    expect(panel.get_by_role("listitem").filter(has_text=code)).to_contain_text(
        "Ready to use", timeout=35_000
    )
    panel.get_by_role("link", name="Apply to cart").click()
    page.wait_for_url(f"{stack.storefront(SHOP)}cart")
    expect(page.locator("#cart-discount")).to_contain_text(code)

    page.goto(f"{stack.storefront(SHOP)}products/e2e-mug")
    page.get_by_role("button", name="Add to cart").click()
    page.get_by_role("button", name="Check out").click()
    # A code that does not exist is refused with Shopify's message, and the order is not placed.
    page.get_by_label("Discount code").fill("NOT-A-CODE")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_role("alert")).to_have_text("Enter a valid discount code")
    page.get_by_label("Discount code").fill(code)
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("#checkout-discount")).to_be_visible()
    page.get_by_role("button", name="Pay now").click()
    expect(page.get_by_role("heading", name=re.compile("Thank you"))).to_be_visible()

    # orders/paid reaches the app through devshop's webhooks and the worker: the code is used.
    wait_until(
        lambda: Redemption.objects.filter(code=code, status="used").exists(),
        what=f"{code} to be marked used\n{stack.log_tail('worker')}",
    )
    page.goto(stack.storefront(SHOP))
    panel = open_launcher(page)
    go_to(panel, "My codes")
    expect(panel.get_by_role("listitem").filter(has_text=code)).to_contain_text("Used")
    expect(panel.get_by_role("link", name="Apply to cart")).to_have_count(0)


def test_a_signed_in_customer_who_is_not_a_member_joins(
    stack, shop, page, member_factory, sign_in, db_access
):
    from loyalty.models import Member
    from loyalty.services.program import program_settings_update

    # An opt-in program: the customers/create webhook does not enrol anyone.
    program_settings_update(shop_id=shop.id, enrolment="opt_in")
    try:
        hal = member_factory(first_name="Hal", enrol=False)
        assert not Member.objects.filter(customer__shopify_id=hal.customer_id).exists()
        sign_in(page, hal)
        panel = open_launcher(page)
        expect(panel.get_by_role("heading", name="Join the program")).to_be_focused()
        shoot(page, "11-join")
        assert_no_axe_violations(page)
        panel.get_by_role("button", name="Join now").click()
        expect(panel.get_by_role("heading", name="Hi Hal")).to_be_visible()
        expect(panel.get_by_test_id("balance")).to_have_text("0 points")
        member = Member.objects.get(customer__shopify_id=hal.customer_id)
        assert member.state == "active"
    finally:
        program_settings_update(shop_id=shop.id, enrolment="automatic")


def test_a_double_clicked_redeem_spends_once(stack, shop, page, member_factory, sign_in, db_access):
    from loyalty.models import Redemption

    bob = member_factory(first_name="Bob", points=1200)
    sign_in(page, bob)
    panel = open_launcher(page)
    go_to(panel, "Rewards")
    panel.get_by_role("button", name="Redeem €5 off").click()
    panel.get_by_role("button", name="Confirm").dblclick()
    expect(panel.get_by_role("heading", name="Your code")).to_be_visible()
    assert Redemption.objects.filter(member=bob.member).count() == 1
    bob.member.refresh_from_db()
    assert bob.member.balance == 700


def test_the_birthday_is_set_once(stack, shop, page, member_factory, sign_in, db_access):
    cleo = member_factory(first_name="Cleo")
    sign_in(page, cleo)
    panel = open_launcher(page)
    go_to(panel, "Ways to earn")
    shoot(page, "08-ways-to-earn")
    assert_no_axe_violations(page)
    panel.get_by_label("Your birthday").fill("1990-03-14")
    panel.get_by_role("button", name="Save birthday").click()
    expect(panel.get_by_text("Birthday: March 14")).to_be_visible()
    expect(panel.get_by_label("Your birthday")).to_have_count(0)
    cleo.member.refresh_from_db()
    assert cleo.member.birthday == date(1990, 3, 14)

    # A second date through the same proxy (as a tampered widget would send it) is refused.
    again = page.request.post(
        f"{stack.storefront(SHOP)}apps/rewards/api/points/birthday",
        data={"birthday": "1991-07-01"},
        headers={"Content-Type": "application/json"},
    )
    assert again.status == 409, again.text()
    assert again.json()["code"] == "birthday_already_set"
    cleo.member.refresh_from_db()
    assert cleo.member.birthday == date(1990, 3, 14)


def test_a_social_follow_opens_the_page_and_is_credited_once(
    stack, shop, page, member_factory, sign_in, db_access
):
    from loyalty.models import EarningRule

    page.context.route(
        "https://instagram.com/**", lambda route: route.fulfill(body="<title>Instagram</title>")
    )
    dan = member_factory(first_name="Dan")
    sign_in(page, dan)
    panel = open_launcher(page)
    go_to(panel, "Ways to earn")
    with page.context.expect_page() as popup:
        panel.get_by_role(
            "button", name=re.compile("^Follow and earn Follow us on Instagram")
        ).click()
    assert popup.value.url.startswith("https://instagram.com/e2e-goods")
    expect(panel.get_by_role("status").filter(has_text="balance")).to_have_text(
        "Your balance is now 50 points."
    )
    expect(panel.get_by_text("50 points added to your balance.")).to_be_visible()

    rule = EarningRule.objects.get(shop=shop, kind="social_follow")
    again = page.request.post(
        f"{stack.storefront(SHOP)}apps/rewards/api/points/social",
        data={"rule_id": rule.id},
        headers={"Content-Type": "application/json"},
    )
    assert again.ok, again.text()
    dan.member.refresh_from_db()
    assert dan.member.balance == 50


def test_the_french_storefront_shows_french_text_and_french_money(
    stack, shop, page, member_factory, sign_in
):
    eve = member_factory(first_name="Eve", points=1200)
    sign_in(page, eve, locale="fr")
    expect(page.get_by_role("button", name="Récompenses")).to_be_visible()
    panel = open_launcher(page)
    expect(panel.get_by_role("heading", name="Bonjour Eve")).to_be_visible()
    # French groups thousands with a narrow no-break space and writes "12,00 €".
    expect(panel.get_by_test_id("balance")).to_have_text(re.compile(r"^1\s200 points$"))
    expect(panel.get_by_text(re.compile(r"^Valeur : 12,00\s€$"))).to_be_visible()
    go_to(panel, "Récompenses")
    expect(panel.get_by_role("button", name="Échanger €5 off")).to_be_visible()
    shoot(page, "09-french")
    assert_no_axe_violations(page)


def _focused_in_dialog(page) -> bool:
    return page.evaluate(
        """() => {
          const host = document.getElementById('loyalty-launcher-root');
          const active = host.shadowRoot.activeElement;
          return !!active && !!active.closest('[role=dialog]');
        }"""
    )


def _tab_to(page, locator, limit: int = 40) -> None:
    for _ in range(limit):
        if locator.evaluate("e => e.getRootNode().activeElement === e"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {locator}")


def test_every_view_works_by_keyboard_alone(stack, shop, page, member_factory, sign_in):
    fay = member_factory(first_name="Fay", points=1200)
    sign_in(page, fay)
    button = page.get_by_role("button", name=LAUNCHER_NAME)
    _tab_to(page, button)
    page.keyboard.press("Enter")
    panel = page.get_by_role("dialog")
    expect(panel.get_by_role("heading", name="Hi Fay")).to_be_focused()
    for _ in range(25):  # focus never leaves the open dialog
        page.keyboard.press("Tab")
        assert _focused_in_dialog(page)
    nav = panel.get_by_role("navigation")
    for view in ["Ways to earn", "Rewards", "My codes", "History", "Home"]:
        _tab_to(page, nav.get_by_role("button", name=view, exact=True))
        page.keyboard.press("Enter")
        expect(panel.get_by_role("heading", name=re.compile(f"^({view}|Hi Fay)$"))).to_be_focused()
    _tab_to(page, nav.get_by_role("button", name="Rewards", exact=True))
    page.keyboard.press("Enter")
    _tab_to(page, panel.get_by_role("button", name="Redeem €5 off"))
    page.keyboard.press("Enter")
    expect(panel.get_by_role("heading", name="Redeem €5 off?")).to_be_focused()
    _tab_to(page, panel.get_by_role("button", name="Confirm"))
    page.keyboard.press("Enter")
    expect(panel.get_by_role("heading", name="Your code")).to_be_focused()
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    expect(button).to_be_focused()
    expect(button).to_have_attribute("aria-expanded", "false")


def test_markup_in_a_reward_title_and_a_customer_name_is_shown_as_text(
    stack, shop, page, member_factory, sign_in, db_access
):
    from loyalty.models import Reward

    evil = '<img src=x onerror="window.__pwned=1"><b>Bold</b>'
    reward = Reward.objects.create(
        shop=shop, name=evil, kind="fixed_amount", points_cost=9000, amount=90, position=9
    )
    try:
        zed = member_factory(first_name=evil, points=10)
        sign_in(page, zed)
        panel = open_launcher(page)
        expect(panel.get_by_role("heading", name=f"Hi {evil}")).to_be_visible()
        go_to(panel, "Rewards")
        expect(panel.get_by_text(evil, exact=True)).to_be_visible()
        assert page.evaluate("window.__pwned") is None
        injected = page.evaluate(
            "document.getElementById('loyalty-launcher-root').shadowRoot"
            ".querySelectorAll('img, b').length"
        )
        assert injected == 0
    finally:
        reward.delete()


def test_axe_reads_the_launcher_once_its_fade_in_has_ended(stack, shop, page):
    """The harness's own check: the dialog fades in (a CSS animation inside the launcher's
    shadow root), and axe, reading colours as painted, must not run on it half transparent.
    Animations are slowed 20x so the fade is still running when the error shows."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Animation.enable")
    cdp.send("Animation.setPlaybackRate", {"playbackRate": 0.05})  # 180 ms -> 3.6 s
    page.route("**/apps/rewards/api/state*", lambda r: r.fulfill(status=503, json={}))
    page.goto(stack.storefront(SHOP))
    panel = open_launcher(page)
    expect(panel.get_by_role("alert")).to_have_text("Could not load rewards. Please try again.")
    fading = "() => getComputedStyle(document.getElementById('loyalty-launcher-root')"
    fading += ".shadowRoot.querySelector('.lly-dialog')).opacity"
    assert float(page.evaluate(fading)) < 1  # still fading in: axe now would fail contrast
    assert_no_axe_violations(page)  # waits for the fade's end, then passes
    assert float(page.evaluate(fading)) == 1
