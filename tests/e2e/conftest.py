"""The shared browser harness: real servers, a seeded shop, signed-in shoppers, one browser.

Session-scoped (started once, used by every e2e test):

- ``stack``: the app, devshop and a Celery worker on free ports (``tests/e2e/servers.py``),
  on the test database, so tests set up and check rows with the ORM;
- ``browser``: Debian's Chromium driven by Playwright (never a downloaded browser);
- ``shop``: devshop's ``e2e-shop.myshopify.com``, installed the way a merchant installs the
  app (opening it in devshop's admin frame: token exchange, webhooks, the initial sync).

Per test: ``page`` (a fresh browser context: no cookies carried between tests) and
``member_factory`` (a devshop customer, mirrored and enrolled by the app, with points).
``sign_in`` uses the storefront's "sign in as a demo customer" switch, as a person would.

Helpers: ``assert_no_axe_violations(page)`` runs axe-core (from frontend/node_modules) on the
page, WCAG 2.2 A/AA rules; ``shoot(page, name)`` saves a screenshot when ``E2E_SCREENSHOTS``
names a directory. Waiting is Playwright's (``expect``) in the browser, and ``wait_until`` for
background work the browser cannot see (a webhook processed by the worker).
"""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from tests.e2e.servers import ROOT, Stack, running_stack

CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
AXE = ROOT / "frontend" / "node_modules" / "axe-core" / "axe.min.js"
SHOP = "e2e-shop.myshopify.com"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
# between browser steps are plain synchronous code, which Django would otherwise refuse.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.worker)


def wait_until(predicate: Callable[[], object], *, timeout: float = 30, what: str = "") -> object:
    """Poll ``predicate`` until it returns something truthy (background work, not the page)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what or predicate}")
        time.sleep(0.1)


@pytest.fixture(scope="session")
def e2e_database(request, django_db_setup, django_db_blocker, django_db_createdb) -> Iterator[str]:
    """The test database's URL, for the servers.

    pytest-django sets up only the databases that collected tests ask for with ``db`` or a
    ``django_db`` mark; e2e tests ask for neither (their rows must be committed for the
    servers to see them, and nothing may flush them between tests), so when only e2e tests
    run, the test database is set up here, as ``django_db_setup`` would.
    """
    from django.test.utils import setup_databases, teardown_databases

    created = None
    with django_db_blocker.unblock():
        if not connection.settings_dict["NAME"].startswith("test_"):
            # django_db_createdb (tests/conftest.py) also says so when a kept database is stale.
            keepdb = request.config.getoption("reuse_db") and not django_db_createdb
            created = (
                setup_databases(verbosity=0, interactive=False, keepdb=keepdb, aliases={"default"}),
                keepdb,
            )
        db = connection.settings_dict
        yield (
            f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@{db['HOST']}:{db['PORT']}"
            f"/{db['NAME']}"
        )
        if created and not created[1]:
            # The servers are stopped, but a connection this process opened in another context
            # stays open (seen: a fixture's teardown ORM call under Playwright's sync API, on a
            # backend other than this context's), and it would block the DROP DATABASE.
            with connection._nodb_cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = %s AND pid <> pg_backend_pid()",
                    [connection.settings_dict["NAME"]],
                )
            teardown_databases(created[0], verbosity=0)


@pytest.fixture(scope="session")
def stack(e2e_database, django_db_blocker, tmp_path_factory) -> Iterator[Stack]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    if not (ROOT / "extensions/loyalty-launcher/assets/panel.js").exists():
        pytest.fail("the launcher is not built: run `make frontend`")
    with running_stack(
        database_url=e2e_database,
        redis_url=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        log_dir=tmp_path_factory.mktemp("e2e-logs"),
    ) as running:
        yield running
    # What the servers committed stays otherwise (a kept test database would carry it into
    # the next run's tests): flush it, as transactional tests do after each test.
    from django.core.management import call_command

    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)


@pytest.fixture(scope="session")
def browser(stack):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture(autouse=True)
def _storefront_cache_keys() -> None:
    """The launcher's GET state cache under the servers' key prefix, emptied before each test.

    Overrides the suite's fixture, which gives each test a prefix of its own: here the services
    a test calls (a setting put back, a rule made) must tell the servers' cache, or the next
    test is served the state the last one left, for up to a minute. Tests also set rows up with
    the ORM, past those services, so each starts with the cache empty.
    """
    import redis
    from django.conf import settings

    client = redis.Redis.from_url(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    keys = list(client.scan_iter(f"{settings.STOREFRONT_STATE_CACHE_PREFIX}:*", count=1000))
    if keys:
        client.delete(*keys)


@pytest.fixture
def db_access(django_db_blocker):
    """ORM access in a test, on the committed data the servers see (no test transaction)."""
    with django_db_blocker.unblock():
        yield


@pytest.fixture(scope="session")
def shop(stack, browser, django_db_blocker):
    """devshop's e2e shop with the app installed through the admin frame, and a launched
    program: rewards, a birthday rule and an Instagram follow rule."""
    from devshop.models import DevShop
    from loyalty.services.onboarding import program_launch
    from shopify_app.models import Shop

    with django_db_blocker.unblock():
        # A kept test database (--reuse-db) still has the last run's shop on both sides.
        Shop.objects.filter(domain=SHOP).delete()
        DevShop.objects.filter(domain=SHOP).delete()
    stack.control("shops", domain=SHOP, name="E2E Goods", currency="EUR", install="1")
    context = browser.new_context()
    admin = context.new_page()
    admin.goto(stack.admin_frame(SHOP))
    with django_db_blocker.unblock():
        # Installed, and the shop's details (currency EUR) read back from devshop's Admin API.
        installed = wait_until(
            lambda: Shop.objects.filter(
                domain=SHOP, installed_at__isnull=False, currency="EUR"
            ).first(),
            timeout=60,
            what=f"the app to be installed on {SHOP}\n{stack.log_tail('app')}",
        )
        _seed_program(installed)
        _seed_catalog()
        # Past onboarding (a shop not launched lands on it): these tests are about the pages after.
        program_launch(shop=installed, staff_user_id="e2e")
    context.close()
    return installed


def _seed_catalog() -> None:
    """One product on devshop's storefront, for checkouts."""
    from decimal import Decimal

    from devshop.models import DevShop
    from devshop.services import products

    products.product_create(
        shop=DevShop.objects.get(domain=SHOP),
        title="E2E Mug",
        handle="e2e-mug",
        variants=[products.VariantInput(title="Default Title", price=Decimal("30.00"))],
    )


def _seed_program(shop) -> None:
    from loyalty.models import EarningRule, Reward

    Reward.objects.get_or_create(
        shop=shop, name="€5 off", defaults={"kind": "fixed_amount", "points_cost": 500, "amount": 5}
    )
    Reward.objects.get_or_create(
        shop=shop,
        name="€20 off",
        defaults={"kind": "fixed_amount", "points_cost": 2000, "amount": 20, "position": 1},
    )
    EarningRule.objects.get_or_create(
        shop=shop, kind="birthday", defaults={"name": "Celebrate your birthday", "points": 100}
    )
    EarningRule.objects.get_or_create(
        shop=shop,
        kind="social_follow",
        network="instagram",
        defaults={
            "name": "Follow us on Instagram",
            "points": 50,
            "url": "https://instagram.com/e2e-goods",
        },
    )


@dataclass
class Shopper:
    customer_id: int  # devshop's (Shopify's) id
    first_name: str
    member: Any  # loyalty.models.Member, or None for a customer not enrolled


@pytest.fixture
def member_factory(stack, shop, django_db_blocker) -> Callable[..., Shopper]:
    """A new devshop customer with an account; the app mirrors it from the webhook, enrols it
    and, with ``points``, credits a staff adjustment."""
    from loyalty.services.ledger import points_adjust
    from loyalty.services.members import member_enrol
    from shopify_app.models import Customer

    def make(*, first_name: str = "Ann", points: int = 0, enrol: bool = True) -> Shopper:
        email = f"shopper.{uuid.uuid4().hex[:12]}@example.com"
        created = stack.control(
            f"shops/{SHOP}/customers", first_name=first_name, last_name="Shopper", email=email
        )
        customer_id = int(created["legacy_id"])
        with django_db_blocker.unblock():
            customer = wait_until(
                lambda: Customer.objects.filter(shop=shop, shopify_id=customer_id).first(),
                what=f"customers/create for {customer_id} to reach the app",
            )
            if not enrol:
                return Shopper(customer_id, first_name, None)
            member = member_enrol(customer=customer)
            if points:
                points_adjust(
                    member=member,
                    points=points,
                    reason="e2e welcome",
                    created_by="e2e",
                    idempotency_key=f"e2e:{customer_id}",
                )
            member.refresh_from_db()
        return Shopper(customer_id, first_name, member)

    return make


@pytest.fixture
def page(browser, stack):
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 860})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=stack.devshop_url)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def sign_in(stack) -> Callable:
    def go(page, shopper: Shopper, locale: str | None = None) -> None:
        page.goto(stack.storefront(SHOP))
        page.get_by_label("Sign in as demo customer").select_option(str(shopper.customer_id))
        page.get_by_role("button", name="Sign in", exact=True).click()
        page.wait_for_url(stack.storefront(SHOP))
        if locale:
            page.goto(stack.storefront(SHOP, locale))

    return go


# Finite animations and transitions (the launcher dialog's fade-in, Polaris' fades) run to their
# end: axe reads colours as painted, and a half-faded dialog fails color-contrast. Chromium's
# document.getAnimations() leaves out shadow trees (the launcher's), so each open shadow root is
# asked too. Infinite ones (spinners) are left running; a cancelled one resolves too.
SETTLE = """() => {
  const scopes = [document, ...[...document.querySelectorAll('*')]
    .map((el) => el.shadowRoot).filter(Boolean)];
  return Promise.all(scopes.flatMap((scope) => scope.getAnimations())
    .filter((a) => Number.isFinite(a.effect?.getComputedTiming().endTime))
    .map((a) => a.finished.catch(() => null)));
}"""


def assert_no_axe_violations(page, include: str = "#loyalty-launcher-root") -> None:
    """axe-core's WCAG 2.2 A/AA rules on the launcher (its shadow root included), once what
    is fading in or out has finished."""
    page.evaluate(SETTLE)
    if not page.evaluate("() => !!window.axe"):
        page.add_script_tag(content=AXE.read_text())
    result = page.evaluate(
        "([include, tags]) =>"
        " axe.run({include: [include]}, {runOnly: {type: 'tag', values: tags}})",
        [include, WCAG],
    )
    violations = [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in result["violations"]
    ]
    assert not violations, json.dumps(violations, indent=2)


def shoot(page, name: str) -> None:
    directory = os.environ.get("E2E_SCREENSHOTS")
    if directory:
        Path(directory).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(directory) / f"{name}.png"), animations="disabled")
