"""The Branding page in devshop's admin frame: the live preview is the real launcher under the
unsaved settings, the launcher's contrast rule is explained, and a saved change shows in the
storefront launcher."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.admin import assert_admin_accessible, open_admin, toast
from tests.e2e.conftest import SHOP, shoot

DEFAULTS = {
    "program_name": "",
    "launcher_label": "Rewards",
    "launcher_position": "bottom-right",
    "launcher_button_color": "#5c6ac4",
    "launcher_text_color": "#ffffff",
    "launcher_icon": "gift",
    "launcher_texts": {},
}


def _preview(app):
    return app.get_by_role("region", name="Launcher preview")


def test_a_branding_change_shows_in_the_preview_then_in_the_storefront_launcher(
    stack, shop, page, db_access
):
    from loyalty.services.program import program_settings_update

    try:
        app = open_admin(page, stack, "Branding")
        preview = _preview(app)
        expect(preview.get_by_role("dialog")).to_contain_text("Hi Alex")
        shoot(page, "admin-20-branding")
        assert_admin_accessible(page)

        app.get_by_label("Program name").fill("Goods Club")
        app.get_by_label("Position").select_option("bottom-left")
        app.get_by_label("Button label").fill("Perks")
        # Before saving, the preview already shows the draft, and the typing kept its focus.
        expect(preview.get_by_role("heading", name="Goods Club", exact=True)).to_be_visible()
        expect(preview.locator("button.lly-btn")).to_have_text("Perks")
        expect(preview.locator("button.lly-btn")).to_have_class("lly-btn lly-bottom-left")
        expect(app.get_by_label("Button label")).to_be_focused()

        app.get_by_label("Button colour").fill("#ffee00")  # white on yellow: under 4.5:1
        expect(app.get_by_text("The launcher will adjust these colours")).to_be_visible()
        expect(preview.locator("button.lly-btn")).to_have_css("color", "rgb(17, 17, 17)")
        app.get_by_label("Preview as").select_option("guest")
        app.get_by_label("Title", exact=True).fill("Join the Goods Club")
        expect(preview.get_by_role("heading", name="Join the Goods Club")).to_be_visible()
        shoot(page, "admin-21-branding-draft")
        assert_admin_accessible(page)

        app.get_by_label("Button text colour").fill("white")  # not a colour: inline error
        app.get_by_role("button", name="Save").click()
        expect(app.get_by_text("Use a colour like #5c6ac4.")).to_be_visible()
        shoot(page, "admin-22-branding-error")
        assert_admin_accessible(page)
        app.get_by_label("Button text colour").fill("#ffffff")
        app.get_by_role("button", name="Save").click()
        toast(page, "Branding saved")
        expect(app.get_by_role("button", name="Save")).to_have_count(0)  # nothing unsaved

        # The storefront: the panel's title and a visitor's texts come from these settings at
        # once (GET state); the button follows once a worker has published them to the app's
        # metafield (tests/e2e/test_launcher_branding.py).
        page.goto(stack.storefront(SHOP))
        # The button says "Rewards" until the worker has published the new label, then "Perks".
        page.get_by_role("button", name=re.compile(r"^(Rewards|Perks)$")).click()
        panel = page.get_by_role("dialog")
        expect(panel.get_by_role("heading", name="Goods Club", exact=True)).to_be_visible()
        expect(panel.get_by_role("heading", name="Join the Goods Club")).to_be_visible()
        shoot(page, "admin-23-storefront-branded")
    finally:
        program_settings_update(shop_id=shop.id, **DEFAULTS)
