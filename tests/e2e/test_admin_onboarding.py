"""A new install in devshop's admin frame, as a merchant takes it through the onboarding:
the initial sync's progress to completion, the program template, enrolment of the customers
already in the store with retroactive points (the preview, then a ledger that matches it),
the launcher's app embed switched on in the theme editor and checked, and launch.

The session's shop (``conftest.shop``) is launched already, so this story installs a second
devshop shop of its own, with customers and paid orders made before the install: only the
initial sync can bring them to the app. Every state is shot and checked by axe."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.admin import assert_admin_accessible, toast
from tests.e2e.conftest import shoot, wait_until

FRESH = "e2e-fresh.myshopify.com"
ENROLLED = "3 customers enrolled, 400 retroactive points given."
PREVIEW = re.compile(r"([\d,]+) points for (\d+) orders, to (\d+) members, worth (\S+)")


def _fresh_shop(stack, django_db_blocker) -> list[int]:
    """devshop's second shop, not installed yet: three customers, two paid orders of €40."""
    from devshop.models import DevShop
    from shopify_app.models import Shop

    with django_db_blocker.unblock():
        # A kept test database (--reuse-db) still has the last run's shop on both sides.
        Shop.objects.filter(domain=FRESH).delete()
        DevShop.objects.filter(domain=FRESH).delete()
    stack.control("shops", domain=FRESH, name="Fresh Goods", currency="EUR", install="0")
    ids = []
    for first in ("Ines", "Jon", "Kira"):
        created = stack.control(
            f"shops/{FRESH}/customers",
            first_name=first,
            last_name="Early",
            email=f"{first.lower()}.early@example.com",
        )
        ids.append(int(created["legacy_id"]))
    for customer_id in ids[:2]:
        stack.control(f"shops/{FRESH}/orders", customer_id=customer_id, price="40.00", paid="1")
    return ids


def test_a_new_install_goes_through_the_onboarding_to_launch(stack, browser, django_db_blocker):
    from loyalty.models import (
        Member,
        OnboardingProgress,
        PointsTransaction,
        ProgramSettings,
        Reward,
    )
    from shopify_app.models import Shop

    _fresh_shop(stack, django_db_blocker)
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    try:
        page.goto(stack.admin_frame(FRESH))
        app = page.frame_locator("#app-iframe")
        # Installed by opening it (token exchange), and a shop not launched lands here.
        heading = app.get_by_role("heading", name="Set up your rewards program", level=1)
        expect(heading).to_be_visible(timeout=60_000)
        shoot(page, "onboarding-01-landing")
        assert_admin_accessible(page)

        # 1. The sync's progress, read by polling while the worker runs the bulk operations.
        sync = app.get_by_role("heading", name="1. Import your customers and orders")
        expect(app.get_by_text("100% imported")).to_be_visible(timeout=60_000)
        expect(app.get_by_text("Customers: Imported (3)")).to_be_visible()
        expect(app.get_by_text("Orders: Imported (2)")).to_be_visible()
        expect(sync.locator("xpath=..").get_by_text("Done")).to_be_visible()
        shoot(page, "onboarding-02-synced")
        assert_admin_accessible(page)

        # The shop's details (its currency) are read from Shopify by a task after the install;
        # the template names its rewards in the currency known when it loads, so come back
        # once it is known, as the progress is kept (resuming is part of the story).
        with django_db_blocker.unblock():
            wait_until(
                lambda: Shop.objects.filter(domain=FRESH, currency="EUR").exists(),
                what="the shop's currency to be read from devshop",
            )
        page.reload()
        expect(app.get_by_text("100% imported")).to_be_visible(timeout=30_000)

        # 2. The template's defaults, edited before saving.
        rate = app.get_by_label("Points per 1 unit of currency spent")
        expect(rate).to_have_value("5")  # not its column's 5.0000
        expect(app.get_by_label("Reward 1 name")).to_have_value("€5 off")  # a EUR shop's
        app.get_by_label("Points for signing up").fill("150")
        shoot(page, "onboarding-03-template")
        assert_admin_accessible(page)
        app.get_by_role("button", name="Save the template").click()
        toast(page, "Template saved")
        expect(app.get_by_text("The template is saved.", exact=False)).to_be_visible()

        # 3. Enrolment: the preview first, nothing written, then exactly that.
        app.get_by_label("Give points for orders of the last N days").fill("30")
        app.get_by_role("button", name="Preview").click()
        expect(app.get_by_text("3 customers become members")).to_be_visible()
        line = app.get_by_text(PREVIEW)
        expect(line).to_be_visible()
        # 5 points per €1 on two €40 orders; 100 points are worth €1.
        expect(line).to_have_text("400 points for 2 orders, to 2 members, worth €4.00")
        shoot(page, "onboarding-04-enrol-preview")
        assert_admin_accessible(page)
        with django_db_blocker.unblock():
            shop = Shop.objects.get(domain=FRESH)
            assert set(Reward.objects.filter(shop=shop).values_list("name", flat=True)) == {
                "€5 off",
                "€10 off",
                "Free shipping",
            }
            assert not PointsTransaction.objects.filter(shop=shop).exists(), "a preview wrote"
        points, orders, earners, _ = PREVIEW.search(line.inner_text()).groups()

        app.get_by_role("button", name="Enrol customers").click()
        toast(page, "Customers enrolled")
        expect(app.get_by_text(ENROLLED)).to_be_visible()
        shoot(page, "onboarding-05-enrolled")
        assert_admin_accessible(page)
        with django_db_blocker.unblock():
            assert Member.objects.filter(shop=shop, state="active").count() == 3
            earned = PointsTransaction.objects.filter(shop=shop, kind="order")
            assert earned.count() == int(orders)
            assert sum(e.amount for e in earned) == int(points.replace(",", ""))
            assert len({e.member_id for e in earned}) == int(earners)
            # The cached balances say what the ledger says (pending or posted, per hold period).
            members = Member.objects.filter(shop=shop)
            assert sum(m.balance + m.pending for m in members) == sum(
                e.amount for e in PointsTransaction.objects.filter(shop=shop)
            )

        # 4. The launcher: off, the theme editor's deep link switches it on, check again.
        # (Its "off" state is in the last shot, beside the enrolment's.)
        expect(app.get_by_text("Switch the launcher on in the theme editor")).to_be_visible()
        with page.expect_popup() as popup_info:
            app.get_by_role("link", name="Open the theme editor").click()
        editor = popup_info.value
        expect(editor.get_by_text("is switched on in the editor")).to_be_visible()
        editor.get_by_role("button", name="Save", exact=True).click()
        expect(editor.get_by_role("status")).to_have_text("Saved.")
        editor.close()
        app.get_by_role("button", name="Check again").click()
        expect(app.get_by_text(re.compile(r"^The launcher is on in "))).to_be_visible()
        shoot(page, "onboarding-06-launcher-on")
        assert_admin_accessible(page)

        # 5. Launch.
        app.get_by_role("button", name="Launch the program").click()
        toast(page, "Your rewards program is live")
        expect(app.get_by_text("Your program is live.")).to_be_visible()
        for step in (2, 3, 4, 5):
            card = app.get_by_role("heading", name=re.compile(rf"^{step}\. ")).locator("xpath=..")
            expect(card.get_by_text("Done")).to_be_visible()
        shoot(page, "onboarding-07-launched")
        assert_admin_accessible(page)
        with django_db_blocker.unblock():
            wait_until(
                lambda: OnboardingProgress.objects.filter(
                    shop=shop, launched_at__isnull=False
                ).exists(),
                what="the launch to be saved",
            )
            assert ProgramSettings.objects.get(shop=shop).enabled

        # Resumable: coming back shows every step where it was left.
        page.goto(stack.admin_frame(FRESH))
        app = page.frame_locator("#app-iframe")
        expect(app.get_by_role("heading", name="Loyalty", exact=True)).to_be_visible()
        page.get_by_role("list", name="Loyalty").get_by_role("link", name="Set up").click()
        expect(app.get_by_text(ENROLLED)).to_be_visible()
        expect(app.get_by_text("Your program is live.")).to_be_visible()
    finally:
        context.close()
