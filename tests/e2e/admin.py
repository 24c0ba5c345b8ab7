"""Helpers for the embedded admin's browser tests: the app's iframe in devshop's admin frame,
its navigation menu (drawn by devshop's admin, as Shopify's admin does), and axe on the app."""

from __future__ import annotations

from playwright.sync_api import FrameLocator, Page, expect

from tests.e2e.conftest import SHOP, assert_no_axe_violations


def open_admin(page: Page, stack, view: str | None = None) -> FrameLocator:
    """The app in devshop's admin frame, on ``view`` (a link of the app's navigation menu)."""
    page.goto(stack.admin_frame(SHOP))
    app = page.frame_locator("#app-iframe")
    expect(app.get_by_role("heading", name="Loyalty", exact=True)).to_be_visible()
    if view:
        go(page, app, view)
    return app


def go(page: Page, app: FrameLocator, view: str) -> None:
    page.get_by_role("list", name="Loyalty").get_by_role("link", name=view, exact=True).click()
    expect(app.get_by_role("heading", name=view, exact=True, level=1)).to_be_visible()


def toast(page: Page, text: str) -> None:
    """A toast the app showed through App Bridge (drawn by the admin, outside the iframe)."""
    expect(page.locator("#toasts").get_by_text(text, exact=True).last).to_be_visible()


def assert_admin_accessible(page: Page) -> None:
    """axe-core on the app's document (inside the iframe), modals and toasts' portals included."""
    frame = page.frame(name="app-iframe")
    assert frame is not None
    assert_no_axe_violations(frame, include="body")
