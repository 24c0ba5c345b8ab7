"""Long names, big numbers, loading and errors on the VIP club and referral pages, desktop and
phone: a 60-character tier, an 80-character reward, a customer with very long names and email
and 1,234,567 points, a friend with a long email. Each page is measured (no text runs out of its
card or the screen, nothing is cut off without an ellipsis, the page never scrolls sideways),
axe runs on it, and the screenshots go to ``E2E_SCREENSHOTS``."""

from __future__ import annotations

import re
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Route, expect

from tests.e2e.admin import assert_admin_accessible, open_admin
from tests.e2e.conftest import SHOP, Shopper, assert_no_axe_violations, shoot, wait_until
from tests.e2e.test_launcher import go_to, open_launcher

TIER = "Extraordinarily Distinguished Circle of Devoted Collectors"  # 58 characters
CLUB = "The Founders' Private Salon for Lifelong Patrons and Guests"
REWARD = "A hand-thrown stoneware mug with its matching saucer, gift-wrapped, sent for free"
FIRST = "Maximiliana-Alexandrina Wilhelmina Konstantina"
LAST = "Wolfeschlegelsteinhausenbergerdorff-Featherstonehaugh"
WIDTHS = {"desktop": (1280, 860), "phone": (390, 844)}

# No text runs out of its box or is cut off; the script without its comment lines.
FITS = "\n".join(
    line
    for line in (Path(__file__).parent / "fits.js").read_text().splitlines()
    if not line.startswith("//")
)
ADMIN_BOXES = ".Polaris-ShadowBevel, .Polaris-Modal-Dialog__Modal, .Polaris-Banner"
PANEL_BOXES = ".lly-card, .lly-balance, .lly-form, .lly-dialog"


def _fits(target, page, texts: list[str], boxes: str, what: str, shot: str) -> None:
    """Measure (which scrolls the first text into view), take the screenshot, then assert: a
    failure's screenshot shows it."""
    result = target.evaluate(FITS, [texts, boxes])
    shoot(page, shot)
    assert result["found"], f"{what}: none of {texts} is on the page"
    assert not result["problems"], f"{what}:\n" + "\n".join(result["problems"])


def _admin_frame(page):
    frame = page.frame(name="app-iframe")
    assert frame is not None
    return frame


def _check_admin(page, name: str, texts: list[str]) -> None:
    """Each width: the app's document fits, axe passes, a screenshot."""
    for label, (w, h) in WIDTHS.items():
        page.set_viewport_size({"width": w, "height": h})
        what, shot = f"{name} ({label})", f"long-{name}-{label}"
        _fits(_admin_frame(page), page, texts, ADMIN_BOXES, what, shot)
        assert_admin_accessible(page)
    page.set_viewport_size({"width": 1280, "height": 860})


def _check_panel(page, name: str, texts: list[str]) -> None:
    for label, (w, h) in WIDTHS.items():
        page.set_viewport_size({"width": w, "height": h})
        _fits(page, page, texts, PANEL_BOXES, f"{name} ({label})", f"long-{name}-{label}")
        assert_no_axe_violations(page)
    page.set_viewport_size({"width": 1280, "height": 860})


def _table_fits_desktop(page, title: str) -> None:
    """On a desktop screen a list's table shows every column without scrolling sideways."""
    widths = _admin_frame(page).evaluate(
        "(title) => { const r = document.querySelector(`[role=region][aria-label='${title}']`);"
        " return [r.scrollWidth, r.clientWidth]; }",
        title,
    )
    assert widths[0] <= widths[1], f"the {title} table scrolls sideways on a desktop: {widths}"


class Held:
    """The first request matching ``pattern`` waits until ``release()``: the loading state."""

    def __init__(self, page, pattern: str):
        self.page, self.pattern = page, pattern
        self.routes: list[Route] = []
        page.route(pattern, lambda route: self.routes.append(route), times=1)

    def release(self) -> None:
        wait_until(lambda: self.routes, what=f"a request to {self.pattern}")
        for route in self.routes:
            route.continue_()


def _tiers(shop, entry_reward_id: int | None) -> None:
    """The long tier and the long invitation-only club (``None``: no tiers), saved as staff do;
    tiers already saved keep their ids."""
    from loyalty.vip.config import TierConfig, TierInput, tier_config_apply
    from loyalty.vip.models import Tier

    ids = dict(Tier.objects.filter(shop=shop, active=True).values_list("name", "id"))
    tiers = [
        TierInput(
            id=ids.get(TIER),
            name=TIER,
            rank=1,
            basis="points",
            threshold=Decimal(1000),
            multiplier=Decimal("1.5"),
            perks="Early access to every new collection, restock and limited edition\nA gift",
            entry_reward_id=entry_reward_id,
        ),
        TierInput(id=ids.get(CLUB), name=CLUB, rank=2, invitation_only=True, perks="Salons"),
    ]
    config = TierConfig(tiers=tiers if entry_reward_id else [])
    tier_config_apply(shop=shop, config=config, by="e2e")


@pytest.fixture(scope="module")
def long_data(stack, shop, django_db_blocker):
    """The long member (1,234,567 points, on the long tier), the long reward, the club, and two
    referrals by the member: a long-emailed friend's claim and a rejected self-referral."""
    from loyalty.models import Reward
    from loyalty.services.ledger import points_adjust
    from loyalty.services.members import member_enrol
    from loyalty.vip.services import vip_program_enable
    from referrals.services.offers import referral_claim
    from referrals.services.program import referral_code_for_member
    from shopify_app.models import Customer

    token = uuid.uuid4().hex[:8]
    email = f"maximiliana.wolfeschlegelsteinhausen.{token}@extraordinarily-long-domain.example.com"
    friend = f"constantinople.featherstonehaugh.{token}@another-remarkably-long-domain.example.org"
    created = stack.control(
        f"shops/{SHOP}/customers", first_name=FIRST, last_name=LAST, email=email
    )
    with django_db_blocker.unblock():
        customer_id = int(created["legacy_id"])
        customer = wait_until(
            lambda: Customer.objects.filter(shop=shop, shopify_id=customer_id).first(),
            what="the long customer to reach the app",
        )
        member = member_enrol(customer=customer)
        points_adjust(
            member=member,
            points=1_234_567,
            reason="e2e",
            created_by="e2e",
            idempotency_key=f"e2e:long:{token}",
        )
        reward = Reward.objects.create(
            shop=shop, name=REWARD, kind="fixed_amount", points_cost=1000, amount=10, position=8
        )
        _tiers(shop, reward.pk)
        code = referral_code_for_member(member=member).code
        claimed = referral_claim(shop=shop, code=code, email=friend)
        rejected = referral_claim(shop=shop, code=code, email=email.replace("@", "+x@"))
        yield {
            "member": member,
            "email": email,
            "friend": friend,
            "code": code,
            "claimed": claimed,
            "rejected": rejected,
            "reward": reward,
        }
        _tiers(shop, None)
        vip_program_enable(shop=shop, enabled=False)
        Reward.objects.filter(pk=reward.pk).update(active=False)  # a tier's entry reward (PROTECT)


def test_the_vip_club_page_fits_long_names_and_shows_its_loading_and_conflict_states(
    stack, shop, page, long_data, django_db_blocker
):
    app = open_admin(page, stack)
    held = Held(page, "**/api/admin/vip")
    page.get_by_role("list", name="Loyalty").get_by_role("link", name="VIP club").click()
    expect(app.get_by_role("status", name="Page loading")).to_be_visible()
    shoot(page, "long-vip-loading")
    held.release()
    expect(app.get_by_label("Tier name").first).to_have_value(TIER)
    expect(app.get_by_label("Entry reward").first).to_have_value(re.compile(r"^\d+$"))
    _check_admin(page, "vip-tiers", [TIER, CLUB, REWARD])

    app.get_by_label("Points multiplier").first.fill("2")
    app.get_by_role("button", name="Preview changes").click()
    preview = app.get_by_role("table").filter(has_text="Members after saving")
    expect(preview.get_by_role("row", name=re.compile(f"^{TIER}"))).to_be_visible()
    _check_admin(page, "vip-preview", [TIER, CLUB])

    # Another staff member saves in between: the save is refused (the version read is stale).
    with django_db_blocker.unblock():
        _tiers(shop, long_data["reward"].pk)
    app.get_by_role("button", name="Confirm and save").click()
    banner = app.get_by_text(re.compile("^Someone else saved the VIP club"))
    expect(banner).to_be_visible()
    banner.scroll_into_view_if_needed()
    _check_admin(page, "vip-conflict", ["Someone else saved the VIP club", TIER])


def test_the_profile_and_referrals_pages_fit_long_names_and_show_loading_and_errors(
    stack, shop, page, long_data, django_db_blocker
):
    from referrals.services.decisions import referral_reject

    name = f"{FIRST} {LAST}"
    app = open_admin(page, stack, "Customers")
    app.get_by_label("Search").fill(long_data["email"])
    row = app.get_by_role("row", name=re.compile(f"^{FIRST}"))
    expect(row).to_be_visible()
    _check_admin(page, "customers", [FIRST, long_data["email"]])
    _table_fits_desktop(page, "customers")  # the balance in view
    held = Held(page, "**/api/admin/members/*")
    row.click()
    expect(app.get_by_role("status", name="Page loading")).to_be_visible()
    held.release()
    expect(app.get_by_role("heading", name=name, level=1)).to_be_visible()
    expect(app.get_by_text("1,234,567", exact=False).first).to_be_visible()  # grouped digits
    card = app.locator(".Polaris-ShadowBevel").filter(
        has=app.get_by_role("heading", name="VIP tier")
    )
    expect(card).to_contain_text(TIER)
    expect(card.get_by_role("table")).to_contain_text("Tier settings changed")
    _check_admin(page, "profile", [name, TIER, CLUB])
    app.get_by_role("button", name="Assign invitation-only tier").click()
    modal = app.get_by_role("dialog", name=f"Assign {CLUB}?")
    expect(modal).to_contain_text(f"{name} joins {CLUB} now")
    _check_admin(page, "profile-assign", [name, CLUB])
    modal.get_by_role("button", name="Cancel").click()

    app = open_admin(page, stack, "Referrals")
    friend, email = long_data["friend"], long_data["email"]
    expect(app.get_by_role("row").filter(has_text=friend)).to_be_visible()
    _check_admin(page, "referrals", [friend, email, "Revenue from referred orders"])
    _table_fits_desktop(page, "referrals")
    held = Held(page, "**/api/admin/referrals?*")
    app.get_by_label("Status").select_option("rejected")
    # The last rows stay while the filter's load, and the table says (and announces) it loads.
    expect(app.get_by_role("status").filter(has_text="Loading referrals…")).to_have_count(1)
    expect(app.get_by_text("Loading referrals…").last).to_be_visible()
    shoot(page, "long-referrals-loading")
    assert_admin_accessible(page)
    held.release()
    # Polaris' loading panel fades out over 100 ms after the rows arrive (then it is hidden):
    # axe must not read its text half transparent.
    expect(app.get_by_role("status").filter(has_text="Loading referrals…")).to_have_count(0)
    for panel in app.locator(".Polaris-IndexTable__LoadingPanel").all():  # table and sticky header
        expect(panel).to_be_hidden()
    evidence = app.get_by_role("row").filter(has_text=email.replace("@", "+x@"))
    expect(evidence).to_contain_text("Same email as the referrer")
    expect(evidence).to_contain_text(f"Referrer\N{RIGHT SINGLE QUOTATION MARK}s email: {email}")
    _check_admin(page, "referrals-evidence", [email, "Same email as the referrer"])
    _table_fits_desktop(page, "referrals")  # the evidence and the buttons in view

    app.get_by_label("Status").select_option("claimed")
    row = app.get_by_role("row").filter(has_text=friend)
    row.get_by_role("button", name=f"Reject the referral of {friend}").click()
    modal = app.get_by_role("dialog", name="Reject this referral?")
    expect(modal).to_contain_text(friend)
    # Someone else rejects it first: this one is refused with the reason, in the modal.
    with django_db_blocker.unblock():
        referral_reject(shop_id=shop.pk, referral_id=long_data["claimed"].pk, staff="other")
    modal.get_by_role("button", name="Reject").click()
    refused = "This referral is rejected now: it was decided since the list was loaded."
    expect(modal.get_by_text(re.compile(f"^{refused}"))).to_be_visible()
    _check_admin(page, "referrals-reject-refused", [friend, refused])


def test_the_launchers_vip_refer_and_friend_views_fit_long_names_and_show_their_states(
    stack, shop, browser, page, long_data, sign_in
):
    # A guest: the state is loading, then the tiers.
    page.goto(stack.storefront(SHOP))
    held = Held(page, "**/apps/rewards/api/state*")
    panel = open_launcher(page)
    expect(panel.get_by_role("status").filter(has_text="Loading…")).to_be_visible()
    shoot(page, "long-launcher-loading")
    held.release()
    expect(panel.get_by_role("list", name="Tiers")).to_contain_text(TIER)
    _check_panel(page, "launcher-guest", [TIER, REWARD])

    member = long_data["member"]
    sign_in(page, Shopper(member.customer.shopify_id, FIRST, member))
    # The state cannot be read (a failed prefetch is tried again on opening; that fails too):
    # the panel says so and offers to try again.
    state = "**/apps/rewards/api/state*"
    page.route(state, lambda route: route.fulfill(status=503, json={"message": "Down"}))
    panel = open_launcher(page)
    expect(panel.get_by_role("alert")).to_have_text("Could not load rewards. Please try again.")
    _check_panel(page, "launcher-error", ["Could not load rewards"])
    page.unroute(state)
    panel.get_by_role("button", name="Try again").click()
    expect(panel.get_by_role("heading", name=f"Hi {FIRST}")).to_be_visible()
    expect(panel).to_contain_text("1,234,567")
    _check_panel(page, "launcher-home", [FIRST, TIER, REWARD, "1,234,567"])
    go_to(panel, "VIP club")
    _check_panel(page, "launcher-vip", [TIER, "Early access to every new collection"])
    go_to(panel, "Refer a friend")
    masked = long_data["friend"][:1] + "*"
    # Pending, or Rejected once the admin test has rejected it.
    expect(panel.get_by_role("listitem").filter(has_text=masked)).to_contain_text(
        re.compile("Pending|Rejected")
    )
    _check_panel(page, "launcher-refer", [masked, "extraordinarily-long-domain"])

    # The friend's offer on a phone; the referrer's own email is refused with a clear message.
    context = browser.new_context(locale="en-US", viewport={"width": 390, "height": 844})
    friend = context.new_page()
    try:
        friend.goto(f"{stack.storefront(SHOP)}?ref={long_data['code']}")
        offer = friend.get_by_role("dialog")
        expect(offer.get_by_role("heading", name="A gift from your friend")).to_be_focused()
        offer.get_by_label("Your email").fill(long_data["email"])
        offer.get_by_role("button", name="Get my code").click()
        expect(offer.get_by_role("alert")).to_have_text("You cannot use your own referral link.")
        _check_panel(friend, "launcher-friend-refused", ["You cannot use your own referral"])
    finally:
        context.close()
