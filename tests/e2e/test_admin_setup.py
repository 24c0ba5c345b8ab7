"""The set-up pages in devshop's admin frame, as a merchant opens them: Set up (onboarding, here
for a shop already launched), Import and Plans, each checked by axe and shot; and the customers
list on a phone-sized screen, where the filters must wrap rather than overflow."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.admin import assert_admin_accessible, open_admin
from tests.e2e.conftest import SHOP, shoot


def _open(page, stack, link: str, heading: str):
    app = open_admin(page, stack)
    page.get_by_role("list", name="Loyalty").get_by_role("link", name=link, exact=True).click()
    expect(app.get_by_role("heading", name=heading, exact=True, level=1)).to_be_visible()
    return app


def test_the_set_up_page_shows_each_step_and_is_accessible(stack, shop, page):
    app = _open(page, stack, "Set up", "Set up your rewards program")
    for step in ("Import your customers and orders", "Enrol your existing customers", "Launch"):
        expect(app.get_by_text(step, exact=False).first).to_be_visible()
    shoot(page, "admin-30-setup")
    assert_admin_accessible(page)


def test_the_import_page_asks_for_a_file_and_is_accessible(stack, shop, page):
    app = _open(page, stack, "Import", "Import points")
    intro = "Carry balances over from your previous rewards program."
    expect(app.get_by_text(intro)).to_be_visible()
    shoot(page, "admin-31-import")
    assert_admin_accessible(page)


def test_the_plans_page_shows_the_current_plan_and_is_accessible(stack, shop, page):
    app = _open(page, stack, "Plans", "Plans")
    expect(app.get_by_text("Free", exact=False).first).to_be_visible()
    shoot(page, "admin-32-plans")
    assert_admin_accessible(page)


def test_the_customers_list_fits_a_phone_screen(stack, shop, page):
    page.set_viewport_size({"width": 390, "height": 844})
    app = _open(page, stack, "Customers", "Customers")
    expect(app.get_by_label("Search")).to_be_visible()
    width = page.frame(name="app-iframe").evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert width[0] <= width[1], f"the page scrolls sideways: {width} ({SHOP})"
    shoot(page, "admin-33-customers-phone")
    assert_admin_accessible(page)
