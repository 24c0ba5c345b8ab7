"""devshop in ``make dev``: prepare its database and demo shop, then run it on port 8001.

``config.dev`` calls ``prepare()`` once, starts ``command()`` beside the app and prints
``urls()``. devshop keeps its own database (``devshop.settings``), so resetting one side
never touches the other.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = os.environ.get("DEVSHOP_HOST", "127.0.0.1")
PORT = os.environ.get("DEVSHOP_PORT", "8001")
DEMO_SHOP = os.environ.get("DEVSHOP_DEMO_SHOP", "demo.myshopify.com")
SHOP_ORIGIN_TEMPLATE = f"http://{HOST}:{PORT}/store/{{shop}}"


def _env() -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "devshop.settings",
        "DEVSHOP_SHOP_ORIGIN_TEMPLATE": SHOP_ORIGIN_TEMPLATE,
    }


def _manage(*args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=_env(), check=True)


def prepare() -> None:
    """Migrate devshop's database and make sure the demo shop exists with the app installed.

    The demo shop is seeded only when it is new, so restarts keep what you did in it; a demo
    shop from before the storefront had products gets the catalog (and no new history).
    """
    _manage("migrate", "--noinput", "-v0")
    code = (
        "from devshop.models import DevShop;import sys;"
        f"shop = DevShop.objects.filter(domain='{DEMO_SHOP}').first();"
        "sys.exit(3 if shop is None else 0 if shop.products.exists() else 4)"
    )
    state = subprocess.run(
        [sys.executable, "manage.py", "shell", "-v0", "-c", code], cwd=ROOT, env=_env(), check=False
    ).returncode
    if state == 3:
        _manage(
            "devshop_seed", "--shop", DEMO_SHOP, "--customers", "50", "--orders", "200", "--install"
        )
    elif state == 4:
        _manage("devshop_seed", "--shop", DEMO_SHOP, "--customers", "0", "--orders", "0")


def commands() -> list[tuple[list[str], dict[str, str]]]:
    """devshop's processes (argv, environment): the server, and the webhook retry loop."""
    return [
        ([sys.executable, "manage.py", "runserver", f"{HOST}:{PORT}", "--noreload"], _env()),
        # Retries and delayed deliveries go out when due, as Shopify's would.
        ([sys.executable, "manage.py", "devshop_webhooks", "--loop"], _env()),
    ]


def app_environment(*, app_url: str) -> dict[str, str]:
    """Settings the app needs to treat devshop as Shopify in development."""
    origin = f"http://{HOST}:{PORT}"
    return {
        "SHOPIFY_SHOP_ORIGIN_TEMPLATE": SHOP_ORIGIN_TEMPLATE,
        "APP_BRIDGE_SCRIPT_URL": f"{origin}/devshop/app-bridge.js",
        "SHOPIFY_ADMIN_APP_URL_TEMPLATE": f"{origin}/devshop/{{host}}/apps/{{client_id}}",
        "SHOPIFY_EXTRA_FRAME_ANCESTORS": origin,
        "APP_URL": app_url,
    }


def urls(handle: str = "loyalty") -> dict[str, str]:
    origin = f"http://{HOST}:{PORT}"
    return {
        "embedded admin": f"{origin}/devshop/admin/{DEMO_SHOP}/apps/{handle}",
        "storefront": f"{origin}/store/{DEMO_SHOP}/",
        "devshop controls": f"{origin}/devshop/shops/{DEMO_SHOP}/",
    }
