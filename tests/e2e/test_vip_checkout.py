"""A VIP club member's tier discount at devshop's checkout, without a code, in Chromium.

The merchant's tier configuration commits; the stack's worker makes the tier's segment and
automatic discount in devshop (Shopify) and tags the member; the shopper then sees the
discount at checkout and on the order's confirmation, having typed nothing.
"""

from __future__ import annotations

import re
from decimal import Decimal

from playwright.sync_api import expect

from tests.e2e.conftest import SHOP, assert_no_axe_violations, shoot, wait_until


def test_a_gold_member_gets_the_tiers_discount_at_checkout_without_a_code(
    stack, shop, page, member_factory, sign_in, db_access
):
    from devshop.models import DevAutomaticDiscount, DevCustomer
    from loyalty.vip.config import TierConfig, TierInput, tier_config_apply
    from loyalty.vip.models import Tier
    from loyalty.vip.services import member_tier_assign

    # Invitation-only, so no other test's shopper lands in it.
    gold_input = TierInput(
        name="Gold", rank=1, invitation_only=True, customer_tag="VIP Gold",
        discount_percent=Decimal("10"),
    )  # fmt: skip
    tier_config_apply(shop=shop, config=TierConfig(tiers=[gold_input]), by="e2e")
    try:
        gold = Tier.objects.get(shop=shop, name="Gold", active=True)
        gail = member_factory(first_name="Gail")
        member_tier_assign(member=gail.member, tier=gold, by="e2e")
        wait_until(
            lambda: (
                DevAutomaticDiscount.objects.filter(shop__domain=SHOP).exists()
                and "VIP Gold" in DevCustomer.objects.get(pk=gail.customer_id).tags
            ),
            what=f"the Gold discount and tag in devshop\n{stack.log_tail('worker')}",
        )

        sign_in(page, gail)
        page.goto(f"{stack.storefront(SHOP)}products/e2e-mug")
        page.get_by_role("button", name="Add to cart").click()
        page.get_by_role("button", name="Check out").click()
        expect(page.locator("#checkout-automatic-title")).to_have_text("Gold members: 10% off")
        expect(page.locator("#checkout-automatic-discount")).to_contain_text("3.00")
        expect(page.locator("#checkout-total")).to_contain_text("27.00")
        assert_no_axe_violations(page, include="body")
        shoot(page, "vip-checkout-gold-discount")

        page.get_by_role("button", name="Pay now").click()
        expect(page.get_by_role("heading", name=re.compile("Thank you"))).to_be_visible()
        expect(page.locator(".order-automatic-discount")).to_have_text("Gold members: 10% off")
        expect(page.locator("#order-total")).to_contain_text("27.00")
        assert_no_axe_violations(page, include="body")
        shoot(page, "vip-checkout-gold-thank-you")
    finally:
        # The shared e2e shop goes back to a club without tiers; the worker deletes the discount.
        tier_config_apply(shop=shop, config=TierConfig(tiers=[]), by="e2e")
        wait_until(
            lambda: not DevAutomaticDiscount.objects.filter(shop__domain=SHOP).exists(),
            what=f"the Gold discount to be deleted\n{stack.log_tail('worker')}",
        )
