"""End to end against devshop's checkout: friend Bob claims Ada's offer, the code is made in
devshop, Bob checks out with it (10% off), and devshop's orders/paid for that order goes
through our inbox; Ada gets 1000 points. The code is single-use at devshop's checkout."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from devshop.exceptions import DevshopError
from devshop.services.customers import customer_create
from devshop.services.orders import LineInput, order_create
from devshop.webhooks.convert import payload_for
from referrals.services.offers import referral_claim, referral_offer_issue
from tests.loyalty.conftest import devshop_connect
from tests.referrals.conftest import points, rewards


@pytest.fixture
def dev_shop(shop, inprocess_http):
    return devshop_connect(shop)


def test_the_friend_checks_out_with_the_code_and_the_referrer_is_rewarded(
    store, dev_shop, program, ada_member, ada_code
):
    referral = referral_claim(shop=store.shop, code=ada_code.code, email="bob@example.com")
    referral = referral_offer_issue(referral_id=referral.pk)
    assert referral.code_status == "issued"
    bob = customer_create(shop=dev_shop, first_name="Bob", email="bob@example.com")

    order = order_create(
        shop=dev_shop,
        customer=bob,
        lines=[LineInput("Tea", Decimal("50.00"), 2)],
        discount_code=referral.discount_code.lower(),  # codes are case-insensitive
    )
    body = json.loads(json.dumps(payload_for(dev_shop, "orders/paid", order)))
    store.send("orders/paid", body)

    referral.refresh_from_db()
    assert body["discount_codes"][0]["amount"] == "10.00"  # 10% of 100.00
    assert (referral.status, referral.attributed_by) == ("completed", "code")
    assert referral.order_total == Decimal("90.00")
    assert [r.amount for r in rewards(referral)] == [1000]
    assert points(ada_member) == (0, 1000)
    with pytest.raises(DevshopError, match="usage limit"):
        order_create(
            shop=dev_shop,
            customer=customer_create(shop=dev_shop, first_name="Eve", email="eve@example.com"),
            lines=[LineInput("Tea", Decimal("50.00"))],
            discount_code=referral.discount_code,
        )
