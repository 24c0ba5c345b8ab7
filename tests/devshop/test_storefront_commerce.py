"""A shopper buys from devshop's storefront: products, cart, /discount/CODE, checkout."""

from __future__ import annotations

import html as html_text
import io
import json
import re
from datetime import timedelta
from decimal import Decimal

import pytest

from devshop import clock
from devshop.models import DevCart, DevDiscountCode, DevOrder, DevWebhookDelivery
from devshop.services import discounts, products
from devshop.services.discount_rules import INVALID_CODE, NOT_AVAILABLE, NOT_FOR_CART
from devshop.services.products import VariantInput
from tests.devshop.conftest import SHOP, dev_customer_create

ROOT = f"/store/{SHOP}/"


@pytest.fixture
def mug(dev_shop):
    return products.product_create(
        shop=dev_shop,
        title="Ceramic Mug",
        description="Hand-glazed.",
        variants=[VariantInput("Blue", Decimal("18.50")), VariantInput("Red", Decimal("19.00"))],
    )


@pytest.fixture
def tea(dev_shop):
    return products.product_create(
        shop=dev_shop, title="Green Tea", variants=[VariantInput("Default Title", Decimal("12"))]
    )


def _code(dev_shop, code: str, **fields):
    data = {
        "title": code,
        "code": code,
        "startsAt": "2026-01-01T00:00:00Z",
        "context": {"all": "ALL"},
        "customerGets": {"value": {"percentage": 0.1}, "items": {"all": True}},
        **fields,
    }
    row, errors = discounts.discount_code_create(shop=dev_shop, kind="basic", data=data)
    assert errors == []
    return row


def _add(client, variant, quantity=1):
    response = client.post(f"{ROOT}cart/add", {"id": variant.id, "quantity": quantity})
    assert response.status_code == 302, response.content
    return response


def _cart(client) -> dict:
    return json.loads(client.get(f"{ROOT}cart.js").content)


def _sign_in(client, customer):
    assert client.post(f"{ROOT}account/login", {"customer_id": customer.id}).status_code == 302


def _pay(client, code="", **fields):
    return client.post(f"{ROOT}checkout", {"action": "pay", "discount_code": code, **fields})


def _alert(html: str) -> str:
    match = re.search(r'role="alert"[^>]*>([^<]*)<', html)
    return html_text.unescape(match.group(1)) if match else ""


def test_the_home_page_links_each_product_and_its_page_offers_its_variants(client, mug):
    home = client.get(ROOT).content.decode()
    assert f'<a href="{ROOT}products/ceramic-mug">Ceramic Mug</a>' in home
    assert "From 18.50 USD" in home

    page = client.get(f"{ROOT}products/ceramic-mug").content.decode()
    blue, red = mug.variants.order_by("id")
    assert "<h1>Ceramic Mug</h1>" in page
    assert f'<option value="{blue.id}">Blue - 18.50 USD</option>' in page
    assert f'<option value="{red.id}">Red - 19.00 USD</option>' in page
    assert '<label for="quantity">Quantity</label>' in page
    assert '<button type="submit">Add to cart</button>' in page
    assert client.get(f"{ROOT}products/nothing-here").status_code == 404


def test_shop_text_with_markup_renders_as_text(client, dev_shop):
    products.product_create(
        shop=dev_shop,
        title="<script>alert(1)</script> Mug",
        handle="xss-mug",
        description='<img src=x onerror="alert(2)">',
        variants=[VariantInput("<b>Big</b>", Decimal("5"))],
    )
    dev_shop.name = "Alice & <i>Co</i>"
    dev_shop.save()

    for path in ("", "products/xss-mug"):
        html = client.get(f"{ROOT}{path}").content.decode()
        assert "<script>alert(1)" not in html and "<img src=x" not in html and "<b>Big" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt; Mug" in html
        assert "Alice &amp; &lt;i&gt;Co&lt;/i&gt;" in html


def test_adding_to_the_cart_and_changing_its_lines(client, mug, tea):
    blue = mug.variants.order_by("id").first()
    _add(client, blue, 2)
    _add(client, blue)  # the same variant again raises its quantity
    _add(client, tea.variants.get())

    cart = _cart(client)
    assert [(i["id"], i["quantity"], i["line_price"]) for i in cart["items"]] == [
        (blue.id, 3, 5550),
        (tea.variants.get().id, 1, 1200),
    ]
    assert (cart["item_count"], cart["total_price"]) == (4, 6750)
    page = client.get(f"{ROOT}cart").content.decode()
    assert 'Subtotal: <strong id="cart-subtotal">67.50 USD</strong>' in page

    client.post(f"{ROOT}cart/change", {"line": 1, "quantity": 1})
    client.post(f"{ROOT}cart/change", {"line": 2, "quantity": 0})
    assert [(i["id"], i["quantity"]) for i in _cart(client)["items"]] == [(blue.id, 1)]


def test_bad_cart_input_is_refused_and_changes_nothing(client, mug, other_variant):
    _add(client, mug.variants.order_by("id").first())

    assert client.post(f"{ROOT}cart/add", {"id": other_variant.id}).status_code == 422
    assert client.post(f"{ROOT}cart/add", {"id": "x"}).status_code == 422
    response = client.post(f"{ROOT}cart/add", {"id": mug.variants.first().id, "quantity": 1000})
    assert response.status_code == 422
    assert _alert(response.content.decode()) == "Quantity must be between 1 and 999"
    assert client.post(f"{ROOT}cart/change", {"line": 5, "quantity": 1}).status_code == 422
    assert [i["quantity"] for i in _cart(client)["items"]] == [1]


@pytest.fixture
def other_variant(db):
    from tests.devshop.conftest import dev_shop_create

    other = dev_shop_create(id=60_000_000_002, domain="charlie-shop.myshopify.com")
    product = products.product_create(
        shop=other, title="Elsewhere", variants=[VariantInput("Default Title", Decimal("1"))]
    )
    return product.variants.get()


def test_discount_url_stores_the_code_and_redirects_like_shopify(client, dev_shop):
    response = client.get(f"{ROOT}discount/LOYALTY-5?redirect=/cart")

    assert response.status_code == 302 and response["Location"] == f"{ROOT}cart"
    cart = DevCart.objects.get(token=response.cookies["cart"].value)
    assert cart.discount_code == "LOYALTY-5"
    assert response.cookies["cart"]["path"] == ROOT
    assert _cart(client)["discount_codes"] == [{"code": "LOYALTY-5", "applicable": True}]
    # A later code replaces it, on the same cart.
    client.get(f"{ROOT}discount/OTHER?redirect={ROOT}products/x")
    cart.refresh_from_db()
    assert cart.discount_code == "OTHER" and DevCart.objects.count() == 1


@pytest.mark.parametrize(
    "target", ["https://evil.example/cart", "//evil.example/cart", "/\\evil.example", "cart", ""]
)
def test_discount_url_never_redirects_off_the_storefront(client, dev_shop, target):
    response = client.get(f"{ROOT}discount/X", {"redirect": target} if target else {})

    assert response["Location"] == ROOT


def test_an_invalid_code_is_refused_at_checkout_with_shopifys_message(client, ada, mug):
    _sign_in(client, ada)
    _add(client, mug.variants.first())
    client.get(f"{ROOT}discount/NOPE?redirect=/checkout")

    page = client.get(f"{ROOT}checkout").content.decode()
    assert _alert(page) == INVALID_CODE
    response = _pay(client, "NOPE")

    assert response.status_code == 422
    assert _alert(response.content.decode()) == INVALID_CODE
    assert 'aria-invalid="true"' in response.content.decode()
    assert not DevOrder.objects.exists() and not DevWebhookDelivery.objects.exists()
    assert _cart(client)["item_count"] == 1  # the cart is kept


def test_a_valid_code_makes_a_paid_order_with_its_discount_and_webhooks(client, ada, mug, tea):
    _code(ada.shop, "TEN")
    _sign_in(client, ada)
    _add(client, mug.variants.order_by("id").first(), 2)
    _add(client, tea.variants.get())
    client.get(f"{ROOT}discount/ten?redirect=/checkout")

    page = client.get(f"{ROOT}checkout").content.decode()
    assert '<dd id="checkout-discount">-4.90 USD</dd>' in page
    response = _pay(client, "ten")

    assert response.status_code == 303
    order = DevOrder.objects.get()
    assert order.customer == ada and order.financial_status == "paid"
    assert order.discount_codes == [{"code": "TEN", "amount": "4.90", "type": "percentage"}]
    assert (order.total_discounts, order.total_price) == (Decimal("4.90"), Decimal("44.10"))
    assert sum(li.total_discount for li in order.line_items.all()) == Decimal("4.90")
    topics = list(DevWebhookDelivery.objects.order_by("id").values_list("topic", flat=True))
    assert topics == ["orders/create", "orders/paid"]
    paid = json.loads(DevWebhookDelivery.objects.get(topic="orders/paid").body)
    assert paid["discount_codes"] == [{"code": "TEN", "amount": "4.90", "type": "percentage"}]
    assert paid["total_price"] == "44.10"
    assert DevDiscountCode.objects.get(code="TEN").usage_count == 1
    assert not DevCart.objects.exists()
    thanks = client.get(response["Location"]).content.decode()
    assert '<strong id="order-name">#1001</strong>' in thanks
    assert '<dd id="order-total"><strong>44.10 USD</strong></dd>' in thanks


def _refusal(client, code: str) -> str:
    response = _pay(client, code)
    assert response.status_code == 422, response.status_code
    return _alert(response.content.decode())


def test_each_discount_rule_is_checked_at_checkout(client, ada, mug, tea):
    bob = dev_customer_create(ada.shop, id=7_300_000_000_009, email="bob@example.com")
    now = clock.now()
    _code(ada.shop, "BOBS", context={"customers": {"add": [bob.gid]}})
    _code(ada.shop, "LATER", startsAt=(now + timedelta(days=1)).isoformat())
    _code(ada.shop, "OVER", startsAt=(now - timedelta(days=2)).isoformat(),
          endsAt=(now - timedelta(days=1)).isoformat())  # fmt: skip
    _code(
        ada.shop, "MIN50", minimumRequirement={"subtotal": {"greaterThanOrEqualToSubtotal": "50"}}
    )
    _code(
        ada.shop,
        "TEAONLY",
        customerGets={
            "items": {"products": {"productsToAdd": [tea.gid]}},
            "value": {"percentage": 0.5},
        },
    )
    spent = _code(ada.shop, "SPENT", usageLimit=1)
    DevDiscountCode.objects.filter(pk=spent.pk).update(usage_count=1)
    _sign_in(client, ada)
    _add(client, mug.variants.first())

    assert _refusal(client, "BOBS") == NOT_AVAILABLE
    assert _refusal(client, "LATER") == INVALID_CODE
    assert _refusal(client, "OVER") == INVALID_CODE
    assert _refusal(client, "SPENT") == INVALID_CODE
    assert _refusal(client, "MIN50") == NOT_FOR_CART
    assert _refusal(client, "TEAONLY") == NOT_FOR_CART
    assert not DevOrder.objects.exists()


def test_a_code_once_per_customer_works_once(client, ada, mug):
    _code(ada.shop, "ONCE", appliesOncePerCustomer=True)
    _sign_in(client, ada)
    _add(client, mug.variants.first())
    assert _pay(client, "ONCE").status_code == 303

    _add(client, mug.variants.first())

    assert _refusal(client, "ONCE") == NOT_AVAILABLE
    assert DevOrder.objects.count() == 1


def test_a_product_code_discounts_only_its_items(client, ada, mug, tea):
    _code(
        ada.shop,
        "HALFTEA",
        customerGets={
            "items": {"products": {"productsToAdd": [tea.gid]}},
            "value": {"percentage": 0.5},
        },
    )
    _sign_in(client, ada)
    _add(client, mug.variants.first())
    _add(client, tea.variants.get(), 2)

    assert _pay(client, "HALFTEA").status_code == 303

    order = DevOrder.objects.get()
    assert order.total_discounts == Decimal("12.00")
    assert [li.total_discount for li in order.line_items.order_by("id")] == [
        Decimal("0"),
        Decimal("12.00"),
    ]


def test_a_guest_checks_out_with_an_email(client, mug):
    _add(client, mug.variants.first())

    missing = _pay(client)
    assert missing.status_code == 422 and _alert(missing.content.decode()) == "Enter a valid email"
    assert _pay(client, email="guest@example.com").status_code == 303

    order = DevOrder.objects.get()
    assert (order.customer, order.email) == (None, "guest@example.com")


def test_applying_a_code_at_checkout_stores_it_or_shows_why_not(client, ada, mug):
    _code(ada.shop, "TEN")
    _sign_in(client, ada)
    _add(client, mug.variants.first())

    bad = client.post(f"{ROOT}checkout", {"action": "apply", "discount_code": "NOPE"})
    assert bad.status_code == 422 and _alert(bad.content.decode()) == INVALID_CODE
    good = client.post(f"{ROOT}checkout", {"action": "apply", "discount_code": "TEN"})

    assert good.status_code == 303
    assert DevCart.objects.get().discount_code == "TEN"
    assert (
        '<dd id="checkout-discount">-1.85 USD</dd>'
        in client.get(f"{ROOT}checkout").content.decode()
    )


def test_checkout_has_no_theme_app_embed_and_an_empty_cart_goes_back_to_the_cart(client, mug):
    assert client.get(f"{ROOT}checkout")["Location"] == f"{ROOT}cart"
    _add(client, mug.variants.first())

    page = client.get(f"{ROOT}checkout").content.decode()

    assert "loyalty-launcher-root" not in page
    assert '<label for="email">Email</label>' in page
    assert '<button type="submit" name="action" value="pay">Pay now</button>' in page


def test_the_thank_you_page_needs_its_signed_token(client, dev_shop):
    assert client.get(f"{ROOT}checkout/thank-you/forged").status_code == 404


def test_the_seed_stocks_the_storefront_and_its_history_sells_those_variants(client, db):
    from django.core.management import call_command

    from devshop.models import DevLineItem, DevProduct, DevVariant

    for _ in range(2):  # a second run extends the history, not the catalog
        call_command("devshop_seed", shop=SHOP, customers=3, orders=10, stdout=io.StringIO())

    assert DevProduct.objects.filter(shop__domain=SHOP).count() == 8
    variant_ids = set(DevVariant.objects.values_list("id", flat=True))
    sold = set(DevLineItem.objects.values_list("variant_id", flat=True))
    assert DevLineItem.objects.count() >= 20 and sold <= variant_ids
    home = client.get(ROOT).content.decode()
    assert home.count('<li class="product">') == 8
    gift = DevProduct.objects.get(title="Gift Card")
    assert gift.gift_card and all(
        li.gift_card for li in DevLineItem.objects.filter(product_id=gift.id)
    )


def test_the_shop_is_served_under_a_secondary_locales_prefix_too(client, mug):
    response = client.get(f"{ROOT}fr/discount/TEN?redirect=/fr/cart")

    assert response["Location"] == f"{ROOT}fr/cart"
    assert "TEN" in client.get(response["Location"]).content.decode()
    assert client.get(f"{ROOT}fr/products/ceramic-mug").status_code == 200
    assert client.get(f"{ROOT}xx/cart").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_a_single_use_code_is_used_once_when_two_checkouts_race():
    import threading

    from django.db import connection

    from devshop.services import carts
    from devshop.services.discount_rules import DiscountRefused
    from tests.devshop.conftest import dev_shop_create

    shop = dev_shop_create()
    tea = products.product_create(
        shop=shop, title="Tea", variants=[VariantInput("Default Title", Decimal("10"))]
    )
    _code(shop, "ONLYONE", usageLimit=1)
    cart_tokens = []
    for _ in range(4):
        cart = carts.cart_create(shop=shop)
        carts.cart_add(cart=cart, variant_id=tea.variants.get().id)
        cart_tokens.append(cart.token)
    start, outcomes = threading.Barrier(len(cart_tokens)), []

    def checkout(token):
        try:
            start.wait()
            cart = DevCart.objects.get(token=token)
            carts.cart_checkout(
                cart=cart, customer=None, email="g@example.com", discount_code="ONLYONE"
            )
            outcomes.append("paid")
        except DiscountRefused as exc:
            outcomes.append(exc.shopper_message)
        finally:
            connection.close()

    threads = [threading.Thread(target=checkout, args=(t,)) for t in cart_tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == [INVALID_CODE] * 3 + ["paid"]
    assert DevOrder.objects.count() == 1
    assert DevDiscountCode.objects.get(code="ONLYONE").usage_count == 1


def test_paying_without_the_code_field_keeps_the_carts_code_and_an_emptied_field_drops_it(
    client, ada, mug
):
    _code(ada.shop, "TEN")
    _sign_in(client, ada)
    _add(client, mug.variants.first())
    client.get(f"{ROOT}discount/TEN?redirect=/cart")

    assert client.post(f"{ROOT}checkout", {"action": "pay"}).status_code == 303
    _add(client, mug.variants.first())
    client.get(f"{ROOT}discount/TEN?redirect=/cart")
    assert _pay(client, "").status_code == 303

    assert [o.total_discounts for o in DevOrder.objects.order_by("id")] == [
        Decimal("1.85"),
        Decimal("0"),
    ]
