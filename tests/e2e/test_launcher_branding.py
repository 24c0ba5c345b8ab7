"""The storefront button wears the Branding page's look: a saved branding change is written to
the app's app-data metafield (devshop's metafieldsSet on the app installation), and the theme
app embed's Liquid draws the button from it, not from the theme editor's defaults."""

from __future__ import annotations

import json

from playwright.sync_api import expect

from tests.e2e.admin import open_admin, toast
from tests.e2e.conftest import SHOP, assert_no_axe_violations, shoot, wait_until
from tests.e2e.test_admin_branding import DEFAULTS

GREEN = "#0b6e4f"  # white text on it: 6.4:1, kept as chosen


def test_a_saved_button_colour_and_label_show_on_the_storefront_button(
    stack, shop, page, db_access
):
    from devshop.models import DevMetafield
    from loyalty.services.program import program_settings_update

    page.goto(stack.storefront(SHOP))
    button = page.locator("#loyalty-launcher-root button.lly-btn")
    expect(button).to_be_visible()
    expect(button).not_to_have_css("background-color", "rgb(11, 110, 79)")
    try:
        app = open_admin(page, stack, "Branding")
        app.get_by_label("Button colour").fill(GREEN)
        app.get_by_label("Button label").fill("Goods Perks")
        app.get_by_label("Position").select_option("bottom-left")
        app.get_by_role("button", name="Save").click()
        toast(page, "Branding saved")

        # The worker writes the metafield after commit, through the Admin API.
        wait_until(
            lambda: any(
                json.loads(m.value).get("button_color") == GREEN
                for m in DevMetafield.objects.filter(
                    shop__domain=SHOP, namespace="loyalty", key="launcher"
                )
            ),
            what="the launcher branding metafield in devshop",
        )
        page.goto(stack.storefront(SHOP))
        root = page.locator("#loyalty-launcher-root")
        expect(root).to_have_attribute("data-button-color", GREEN)
        button = root.locator("button.lly-btn")
        expect(button).to_have_css("background-color", "rgb(11, 110, 79)")
        expect(button).to_have_text("Goods Perks")
        expect(button).to_have_class("lly-btn lly-bottom-left")
        shoot(page, "launcher-30-storefront-branded-button")
        assert_no_axe_violations(page)
    finally:
        program_settings_update(shop_id=shop.id, **DEFAULTS)  # republishes the defaults
        # The next test's storefront must find the default button again.
        wait_until(
            lambda: any(
                json.loads(m.value).get("button_color") == DEFAULTS["launcher_button_color"]
                for m in DevMetafield.objects.filter(
                    shop__domain=SHOP, namespace="loyalty", key="launcher"
                )
            ),
            what="the default launcher branding back in devshop",
        )
