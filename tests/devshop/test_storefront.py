"""The demo storefront renders the theme app extension's app embed like a real theme."""

from __future__ import annotations

import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from devshop.storefront import theme
from tests.devshop.conftest import SHOP, dev_customer_create, dev_shop_create

STOREFRONT = f"/store/{SHOP}/"
REPO = Path(django_settings.BASE_DIR)


class _Elements(HTMLParser):
    def __init__(self):
        super().__init__()
        self.elements: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))


def elements(html: str) -> list[tuple[str, dict]]:
    parser = _Elements()
    parser.feed(html)
    return parser.elements


def launcher_root(html: str) -> dict:
    [root] = [attrs for tag, attrs in elements(html) if attrs.get("id") == "loyalty-launcher-root"]
    return root


@pytest.fixture
def outsider(db):
    other = dev_shop_create(
        id=60_000_000_002,
        domain="charlie-shop.myshopify.com",
        name="Charlie",
        email="c@example.com",
    )
    return dev_customer_create(
        other, id=7_300_000_000_002, first_name="Eve", last_name="X", email="eve@example.com"
    )


def test_anonymous_page_renders_the_app_embed_with_the_shop(client, dev_shop):
    response = client.get(STOREFRONT)
    assert response.status_code == 200
    root = launcher_root(response.content.decode())
    assert root["data-shop"] == SHOP
    assert root["data-customer-id"] == ""
    assert root["data-locale"] == "en"
    # Empty by default: the launcher then says "Rewards" in the shopper's language.
    assert root["data-button-label"] == ""
    # The colours and position the launcher reads (issue 9 item 9: they were never read).
    assert root["data-button-color"] == "#1f2937"
    assert root["data-text-color"] == "#ffffff"
    assert root["data-position"] == "bottom-right"
    assert root["data-icon"] == "gift"
    # routes.root_url + "apps/rewards": "/apps/rewards" on Shopify, the shop's storefront here.
    assert root["data-proxy-path"] == f"/store/{SHOP}/apps/rewards"
    assert root["data-root-url"] == f"/store/{SHOP}/"


def test_a_secondary_locale_gets_its_prefix_in_the_proxy_path(client, dev_shop):
    # routes.root_url is "/store/<shop>/fr" here (no trailing slash, as Shopify's "/fr"):
    # appending "apps/rewards" to it gave ".../frapps/rewards" (issue 9 item 9).
    html = client.get(f"{STOREFRONT}fr/").content.decode()
    root = launcher_root(html)
    assert root["data-proxy-path"] == f"/store/{SHOP}/fr/apps/rewards"
    assert root["data-root-url"] == f"/store/{SHOP}/fr/"
    assert root["data-locale"] == "fr"
    assert '<html lang="fr">' in html


@pytest.mark.parametrize(
    ("root_url", "proxy_path", "root"),
    [
        ("/", "/apps/rewards", "/"),
        ("/fr", "/fr/apps/rewards", "/fr/"),
        ("/de", "/de/apps/rewards", "/de/"),
    ],
)
def test_the_block_joins_shopifys_root_url_without_a_missing_or_doubled_slash(
    root_url, proxy_path, root
):
    [embed] = [e for e in theme._load_embeds(REPO / "extensions") if e.handle == "launcher"]
    html = theme.env.from_string(embed.template).render(
        routes={"root_url": root_url},
        shop={"permanent_domain": SHOP},
        block={"settings": embed.default_settings()},
        template={"name": "product"},
    )
    attrs = launcher_root(html)
    assert attrs["data-proxy-path"] == proxy_path
    assert attrs["data-root-url"] == root


def test_an_unpublished_locale_is_404(client, dev_shop):
    assert client.get(f"{STOREFRONT}es/").status_code == 404


def test_the_embed_script_is_linked_once_in_the_head_and_deferred(client, dev_shop):
    html = client.get(STOREFRONT).content.decode()
    scripts = [a for tag, a in elements(html) if tag == "script" and a.get("src")]
    assert scripts == [
        {"src": f"/store/{SHOP}/extensions/loyalty-launcher/assets/launcher.js", "defer": None}
    ]
    assert html.index("launcher.js") < html.index("</head>")
    # Target "body": the block sits at the end of <body>.
    assert html.index('id="loyalty-launcher-root"') > html.index("</main>")


def test_signing_in_as_a_demo_customer_sets_the_customer_id(client, ada):
    html = client.get(STOREFRONT).content.decode()
    options = [a["value"] for tag, a in elements(html) if tag == "option"]
    assert options == [str(ada.id)]
    response = client.post(f"{STOREFRONT}account/login", {"customer_id": ada.id})
    assert response.status_code == 302
    assert response["Location"] == STOREFRONT
    html = client.get(STOREFRONT).content.decode()
    assert launcher_root(html)["data-customer-id"] == str(ada.id)
    assert "Ada Lovelace" in html


def test_signing_out_forgets_the_customer(client, ada):
    client.post(f"{STOREFRONT}account/login", {"customer_id": ada.id})
    client.post(f"{STOREFRONT}account/logout")
    assert launcher_root(client.get(STOREFRONT).content.decode())["data-customer-id"] == ""


@pytest.mark.parametrize("value", ["", "abc", "999"])
def test_signing_in_as_an_unknown_customer_is_refused(client, dev_shop, value):
    assert client.post(f"{STOREFRONT}account/login", {"customer_id": value}).status_code == 400


def test_another_shops_customer_cannot_sign_in_here(client, dev_shop, outsider):
    assert (
        client.post(f"{STOREFRONT}account/login", {"customer_id": outsider.id}).status_code == 400
    )


def test_a_forged_customer_cookie_is_ignored(client, ada):
    client.cookies["devshop_customer"] = str(ada.id)
    assert launcher_root(client.get(STOREFRONT).content.decode())["data-customer-id"] == ""


def test_login_needs_a_csrf_token(dev_shop, ada):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert strict.post(f"{STOREFRONT}account/login", {"customer_id": ada.id}).status_code == 403


def _options(html: str) -> list[str]:
    return [a["value"] for tag, a in elements(html) if tag == "option"]


def _next_page(html: str) -> str | None:
    links = [a["href"] for tag, a in elements(html) if tag == "a" and a.get("rel") == "next"]
    return links[0] if links else None


@pytest.fixture
def crowd(dev_shop) -> list[str]:
    """30 customers, more than one page; the last one is the newest, as if just created."""
    return [
        str(dev_customer_create(
            dev_shop, id=7_300_000_000_100 + n, first_name=f"Demo{n}", last_name="Shopper",
            email=f"demo{n}@example.com",
        ).id)
        for n in range(30)
    ]  # fmt: skip


def test_every_demo_customer_can_be_chosen_page_by_page(client, crowd):
    html = client.get(STOREFRONT).content.decode()
    assert _options(html)[0] == crowd[-1]  # the newest first: a customer just created is on top

    seen = _options(html)
    while (url := _next_page(html)) is not None:
        html = client.get(url).content.decode()
        seen += _options(html)

    assert sorted(seen) == sorted(crowd)
    assert client.post(f"{STOREFRONT}account/login", {"customer_id": crowd[0]}).status_code == 302


def test_a_customer_created_in_the_controls_after_the_seed_is_on_top_and_can_sign_in(
    client, dev_shop
):
    # As in `make dev`: the seed's 50 customers, then one the developer adds in the controls.
    from io import StringIO

    from django.core.management import call_command

    call_command("devshop_seed", shop=SHOP, customers=50, orders=0, stdout=StringIO())
    created = client.post(
        f"/devshop/shops/{SHOP}/customers",
        {"first_name": "Newest", "last_name": "Shopper", "email": "newest@example.com"},
        content_type="application/json",
    )
    assert created.status_code == 201
    newest = str(created.json()["legacy_id"])

    html = client.get(STOREFRONT).content.decode()

    assert _options(html)[0] == newest
    assert len(_options(html)) == 25 and _next_page(html) is not None  # 51 customers in all
    assert client.post(f"{STOREFRONT}account/login", {"customer_id": newest}).status_code == 302
    assert launcher_root(client.get(STOREFRONT).content.decode())["data-customer-id"] == newest


def test_demo_customers_can_be_searched_by_name_or_email(client, crowd, ada):
    assert _options(client.get(STOREFRONT, {"customer_q": "ada love"}).content.decode()) == [
        str(ada.id)
    ]
    found = _options(client.get(STOREFRONT, {"customer_q": "DEMO7@example"}).content.decode())
    assert found == [crowd[7]]
    assert _options(client.get(STOREFRONT, {"customer_q": "nobody"}).content.decode()) == []


@pytest.mark.parametrize("page", ["abc", "0", "99"])
def test_an_odd_customer_page_shows_a_page_anyway(client, crowd, page):
    response = client.get(STOREFRONT, {"customer_page": page})
    assert response.status_code == 200 and _options(response.content.decode())


def test_an_unknown_shop_is_404(client, db):
    assert client.get("/store/nobody.myshopify.com/").status_code == 404


@pytest.fixture
def extensions_copy(settings, tmp_path):
    target = tmp_path / "extensions"
    shutil.copytree(REPO / "extensions" / "loyalty-launcher", target / "loyalty-launcher")
    settings.DEVSHOP_EXTENSIONS_DIR = str(target)
    theme._load_embeds.cache_clear()
    yield target
    theme._load_embeds.cache_clear()


def test_extension_assets_are_served(client, dev_shop, extensions_copy):
    assets = extensions_copy / "loyalty-launcher" / "assets"
    assets.mkdir(exist_ok=True)
    (assets / "launcher.js").write_text("window.launcherLoaded = true;")
    response = client.get(f"{STOREFRONT}extensions/loyalty-launcher/assets/launcher.js")
    assert response.status_code == 200
    assert response["Content-Type"] in {"text/javascript", "application/javascript"}
    assert b"".join(response.streaming_content) == b"window.launcherLoaded = true;"


@pytest.mark.parametrize(
    "asset",
    ["loyalty-launcher/assets/missing.js", "loyalty-launcher/assets/..", ".hidden/assets/x.js"],
)
def test_missing_or_odd_assets_are_404(client, dev_shop, extensions_copy, asset):
    assert client.get(f"{STOREFRONT}extensions/{asset}").status_code == 404


def test_block_settings_come_from_the_schema_defaults(client, dev_shop, extensions_copy):
    block = extensions_copy / "loyalty-launcher" / "blocks" / "launcher.liquid"
    block.write_text(
        block.read_text().replace('"default": "bottom-right"', '"default": "bottom-left"')
    )
    theme._load_embeds.cache_clear()
    assert launcher_root(client.get(STOREFRONT).content.decode())["data-position"] == "bottom-left"


def test_the_merchant_chooses_the_pages_that_show_the_launcher(client, dev_shop, extensions_copy):
    block = extensions_copy / "loyalty-launcher" / "blocks" / "launcher.liquid"
    source = block.read_text()
    home_setting = (
        '"id": "show_on_home",\n      "label": "t:settings.pages.home",\n      "default": true'
    )
    assert home_setting in source
    block.write_text(source.replace(home_setting, home_setting.replace("true", "false")))
    theme._load_embeds.cache_clear()
    assert 'id="loyalty-launcher-root"' not in client.get(STOREFRONT).content.decode()


def test_the_extension_is_a_theme_app_embed_targeting_body():
    import tomllib

    ext = REPO / "extensions" / "loyalty-launcher"
    assert tomllib.loads((ext / "shopify.extension.toml").read_text())["type"] == "theme"
    [embed] = [e for e in theme._load_embeds(REPO / "extensions") if e.handle == "launcher"]
    assert embed.schema["target"] == "body"
    assert embed.schema["javascript"] == "launcher.js"


def _keys(tree: dict, prefix: str = "") -> set[str]:
    keys: set[str] = set()
    for key, value in tree.items():
        keys |= _keys(value, f"{prefix}{key}.") if isinstance(value, dict) else {prefix + key}
    return keys


def test_the_schema_is_translated_in_english_french_and_german():
    import json

    locales = REPO / "extensions" / "loyalty-launcher" / "locales"
    english = _keys(json.loads((locales / "en.default.schema.json").read_text()))
    [embed] = [e for e in theme._load_embeds(REPO / "extensions") if e.handle == "launcher"]
    used = {
        value[2:]
        for setting in embed.schema["settings"]
        for value in [setting.get("label"), setting.get("info"), setting.get("content")]
        + [o["label"] for o in setting.get("options", [])]
        if isinstance(value, str) and value.startswith("t:")
    }
    assert used <= english
    for name in ("fr.schema.json", "de.schema.json"):
        assert _keys(json.loads((locales / name).read_text())) == english, name


def test_copy_launcher_script_copies_the_build(tmp_path):
    src = tmp_path / "dist"
    src.mkdir()
    (src / "launcher.js").write_text("built();")
    (src / "panel.js").write_text("panel();")
    dest = tmp_path / "ext" / "assets"
    subprocess.run(
        [REPO / "extensions" / "copy-launcher.sh", src, dest],
        check=True,
        cwd=REPO,
        capture_output=True,
    )
    assert (dest / "launcher.js").read_text() == "built();"
    assert (dest / "panel.js").read_text() == "panel();"


def test_copy_launcher_script_fails_loudly_without_a_build(tmp_path):
    (tmp_path / "launcher.js").write_text("built();")  # the panel is missing
    result = subprocess.run(
        [REPO / "extensions" / "copy-launcher.sh", tmp_path, tmp_path / "out"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert "panel.js is missing" in result.stderr
    assert "build the frontend first" in result.stderr
