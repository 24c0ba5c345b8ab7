"""Friend-offer claims per second: ``POST /proxy/api/referrals/claim`` through the signed app
proxy path, each with a new friend email, beside a no-op Django view under the same server in
the same run; and, separately, what making each claim's discount code in devshop costs.

1. A fresh database ``<DATABASE_URL name>_bench_claims`` is migrated with the test settings'
   apps (devshop's tables too, for step 4); a child process seeds one installed shop with the
   default program (10% off, fraud checks on), a referrer with a code, and mirrors of a store
   that has traded (``BENCH_CLAIM_CUSTOMERS`` customers, ``BENCH_CLAIM_ORDERS`` orders), since
   each claim asks them whether the friend has ordered before.
2. The app runs under Granian (production-like: DEBUG off) with ``bench._storefront_settings``:
   the app's routes plus ``/bench/noop`` (which takes the same POST), and no rate limits.
3. Each side — a POST of the same JSON body to the no-op view, then claims as a guest signed as
   Shopify's app proxy signs them — gets a peak run (``wrk`` with a Lua script giving every
   request its own email, else Python keep-alive clients; requests/s, p50/p99), then an
   open-loop run at half its peak rate. A claim is the whole synchronous part the friend waits
   for: the signature, the code's lookup, "is this friend new" (the customer and order
   mirrors), the self-referral check, the referral's insert, the commit, the code's creation
   task enqueued on the real broker, and the section answered. Every claim must answer 200 and
   leave one referral. The claims run twice: as deployed, then with the order mirror's
   ``(shop_id, lower(email))`` index (``order_shop_email_lower``, shopify_app 0009) dropped on
   the benchmark's own database, to show what it buys (without it each claim reads all the
   shop's orders).
4. The discount code each claim asks for is made afterwards by a worker; its cost is measured
   apart, in a child process with devshop in-process (as in the tests): ``referral_offer_issue``
   for ``BENCH_CODES`` of the claimed referrals in turn, codes/s and ms per code, and how much
   of it devshop itself took (it validates each document against the whole Admin schema).
   Against Shopify the mutation's round trip (typically 100-300 ms) replaces devshop's share.

The figures move with whatever else runs on the machine; the load average is printed.
Environment: BENCH_DURATION (s), BENCH_CLIENTS, BENCH_WORKERS, BENCH_THREADS, BENCH_CODES,
BENCH_CLAIM_CUSTOMERS, BENCH_CLAIM_ORDERS.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import time

import psycopg

from bench._http import post_json, python_load, side, signed_proxy_path, start_granian, wrk
from bench._loyalty import ROOT, database_urls, env, fresh_database

SECRET = "bench-secret"
SHOP = "bench-claims.myshopify.com"
REFERRER_ID = 8_800_000_101
PORT = int(os.environ.get("BENCH_PORT", "8767"))
DURATION = float(os.environ.get("BENCH_DURATION", "10"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "16"))
WORKERS = int(os.environ.get("BENCH_WORKERS", str(max(2, os.cpu_count() or 2))))
THREADS = int(os.environ.get("BENCH_THREADS", "4"))
CODES = int(os.environ.get("BENCH_CODES", "200"))
CUSTOMERS = int(os.environ.get("BENCH_CLAIM_CUSTOMERS", "20000"))
ORDERS = int(os.environ.get("BENCH_CLAIM_ORDERS", "100000"))
CLAIM = "/proxy/api/referrals/claim"

# Every wrk request its own friend email: <phase>-<thread>-<n>@example.com.
_LUA = """
local threads = 0
function setup(thread)
  thread:set("tid", threads)
  threads = threads + 1
end
local n = 0
request = function()
  n = n + 1
  local body = string.format('{"code":"%s","email":"%s-%d-%d@example.com"}', CODE, PHASE, tid, n)
  return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, body)
end
"""


def _env(database_url: str, settings: str = "bench._storefront_settings") -> dict[str, str]:
    return {**env(database_url), "SHOPIFY_API_SECRET": SECRET, "DJANGO_SETTINGS_MODULE": settings}


def _child(database_url: str, *args: str) -> dict:
    """``python -m bench.referrals_claims <args>`` under the test settings (devshop's apps);
    its last stdout line is a JSON dict."""
    result = subprocess.run(
        [sys.executable, "-m", "bench.referrals_claims", *args],
        cwd=ROOT, env=_env(database_url, "config.settings.test"), stdout=subprocess.PIPE,
        text=True, check=True,
    )  # fmt: skip
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    for line in lines[:-1]:
        print(line, flush=True)
    return json.loads(lines[-1])


def _body(code: str, email: str) -> bytes:
    return json.dumps({"code": code, "email": email}).encode()


def _post_side(label: str, *, path_for, code: str, phase: str, server, db_name: str):
    """Peak (wrk, each request a new email) then half peak (Python clients, new emails too)."""

    def send(path: str, prefix: str):
        return lambda conn, client, n: post_json(
            conn, path, _body(code, f"{prefix}-{client}-{n}@example.com")
        )[0]

    def peak() -> dict[str, float]:
        script = _LUA.replace("CODE, PHASE", f'"{code}", "{phase}p"')
        return wrk(
            port=PORT, path=path_for(), clients=CLIENTS, duration=DURATION, script=script
        ) or python_load(port=PORT, send=send(path_for(), f"{phase}p"), clients=CLIENTS,
                         duration=DURATION, rate=None, label=label)  # fmt: skip

    return side(
        label,
        server=server,
        db_name=db_name,
        peak=peak,
        at_rate=lambda rate: python_load(port=PORT, send=send(path_for(), f"{phase}h"),
                                         clients=CLIENTS, duration=DURATION, rate=rate,
                                         label=label),
    )  # fmt: skip


def _claim_path() -> str:
    return signed_proxy_path(CLAIM, shop=SHOP, secret=SECRET, customer_id=None)


def run() -> dict[str, object]:
    database_url, name, maintenance_url = database_urls("claims")
    fresh_database(
        database_url, name, maintenance_url, environ=_env(database_url, "config.settings.test")
    )
    code = _child(database_url, "seed")["code"]
    server = start_granian(env=_env(database_url), port=PORT, workers=WORKERS, threads=THREADS)
    try:
        conn = http.client.HTTPConnection("127.0.0.1", PORT)
        status, body = post_json(conn, _claim_path(), _body(code, "first@example.com"))
        if status != 200 or b'"FRIEND-' not in body:
            raise SystemExit(f"the claim answered {status}: {body[:300]!r}")
        noop = _post_side(
            "no-op view", path_for=lambda: "/bench/noop", code=code, phase="n", server=server,
            db_name=name,
        )  # fmt: skip
        claims = _post_side(
            "claims", path_for=_claim_path, code=code, phase="c", server=server, db_name=name
        )
        with psycopg.connect(database_url, autocommit=True) as db:
            db.execute("DROP INDEX order_shop_email_lower")
            db.execute("ANALYZE shopify_app_order")
        unindexed = _post_side(
            "claims, without the order email index", path_for=_claim_path, code=code,
            phase="i", server=server, db_name=name,
        )  # fmt: skip
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    answered = 1 + int(claims["requests"]) + int(unindexed["requests"])
    made = _child(database_url, "codes", str(answered))
    claim_ms = claims["app_ms"] + claims["db_ms"]
    return {
        "claims/s at peak": f"{claims['peak']:.0f} (no-op view {noop['peak']:.0f})",
        "claims ÷ no-op at peak": f"{claims['peak'] / noop['peak']:.2f}",
        "without the order email index": (
            f"{unindexed['peak']:.0f} claims/s, ÷ no-op {unindexed['peak'] / noop['peak']:.2f},"
            f" p50 / p99 {unindexed['peak_p50']:.1f} / {unindexed['peak_p99']:.1f} ms at peak,"
            f" CPU app / PostgreSQL {unindexed['app_ms']:.2f} / {unindexed['db_ms']:.2f} ms"
        ),
        "claim p50 / p99 ms at peak": (
            f"{claims['peak_p50']:.1f} / {claims['peak_p99']:.1f}"
            f" (no-op {noop['peak_p50']:.1f} / {noop['peak_p99']:.1f})"
        ),
        "claim p50 / p99 ms at half peak": (
            f"{claims['half_p50']:.1f} / {claims['half_p99']:.1f}"
            f" (no-op {noop['half_p50']:.1f} / {noop['half_p99']:.1f})"
        ),
        "CPU ms per request, app / PostgreSQL": (
            f"claim {claims['app_ms']:.2f} / {claims['db_ms']:.2f},"
            f" no-op {noop['app_ms']:.2f} / {noop['db_ms']:.2f}"
        ),
        # wrk stops with up to one claim per connection in flight: stored, but not counted.
        "referrals stored / claims answered": f"{made['referrals']} / {made['answered']}",
        "mirrors": f"{CUSTOMERS} customers, {ORDERS} orders",
        "code creation (worker, devshop)": (
            f"{made['codes_per_s']:.0f} codes/s, {made['ms_per_code']:.1f} ms per code"
            f" ({made['devshop_ms']:.1f} ms in devshop), {made['codes']} codes"
        ),
        "code ÷ claim cost": (
            f"{made['ms_per_code'] / claim_ms:.1f}x the claim's CPU ({claim_ms:.2f} ms app + DB)"
        ),
        "setup": f"granian {WORKERS}x{THREADS}, {CLIENTS} clients"
        f" ({'wrk' if shutil.which('wrk') else 'Python'} at peak), {DURATION:.0f} s,"
        f" {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}",
    }


# --- the children: Django set up on the bench database (test settings: devshop's apps) ------


def _seed() -> dict[str, object]:
    import django

    django.setup()
    from django.utils import timezone

    from loyalty.services.members import member_enrol
    from referrals.services.program import referral_code_for_member, referral_program_get
    from shopify_app.models import Customer, Shop

    shop = Shop.objects.create(domain=SHOP, name="Bench", installed_at=timezone.now())
    referral_program_get(shop_id=shop.pk)
    customer = Customer.objects.create(
        shop=shop, shopify_id=REFERRER_ID, email="ada@example.com", state="enabled"
    )
    code = referral_code_for_member(member=member_enrol(customer=customer)).code
    from django.db import connection

    with connection.cursor() as cursor:
        # A store that has traded: customers, each with a few orders (by their email).
        cursor.execute(
            "INSERT INTO shopify_app_customer (shop_id, shopify_id, email, state, tags,"
            " number_of_orders, created_at, updated_at)"
            " SELECT %s, 7000000000 + n, 'Shopper' || n || '@Example.com', 'enabled', '[]',"
            " %s, now(), now() FROM generate_series(1, %s) AS n",
            [shop.pk, max(1, ORDERS // max(1, CUSTOMERS)), CUSTOMERS],
        )
        cursor.execute(
            "INSERT INTO shopify_app_order (shop_id, shopify_id, name, email,"
            " customer_shopify_id, currency, financial_status, test, source_name,"
            " subtotal_price, total_price, total_discounts, total_shipping, total_tax,"
            " current_total_price, current_subtotal_price, line_items, discount_codes,"
            " note_attributes, created_at, updated_at)"
            " SELECT %s, 6000000000 + n, '#' || n, 'Shopper' || (n %% %s + 1) || '@Example.com',"
            " 7000000000 + n %% %s + 1, 'USD', 'paid', false, 'web', 50, 50, 0, 0, 0, 50, 50,"
            " '[]', '[]', '[]', now(), now() FROM generate_series(1, %s) AS n",
            [shop.pk, max(1, CUSTOMERS), max(1, CUSTOMERS), ORDERS],
        )
        cursor.execute("ANALYZE")  # planner statistics, as autovacuum would have them
    return {"code": code}


def _codes(answered: int) -> dict[str, object]:
    """Make ``CODES`` of the claimed referrals' codes in devshop, in turn, as a worker would."""
    import django

    django.setup()
    import redis
    from django.conf import settings

    from devshop import http as devshop_http
    from devshop.services import shops, tokens
    from devshop.testing import BASE_URL, InProcessAdapter
    from referrals.models import Referral
    from referrals.services.offers import referral_offer_issue
    from shopify_app import http as app_http
    from shopify_app.models import Shop
    from shopify_app.services.credentials import shop_credential_store

    # The claims' code tasks, which no worker consumed during the run.
    redis.Redis.from_url(settings.CELERY_BROKER_URL).delete("storefront")
    shop = Shop.objects.get(domain=SHOP)
    dev = shops.shop_create(domain=shop.domain, timezone=shop.timezone)
    grant = tokens.auth_code_create(shop=dev, scopes=list(settings.SHOPIFY_SCOPES), online=False)
    token = tokens.token_for_code(shop=dev, code=grant.code, expiring=False)
    shop_credential_store(shop=shop, token_response=tokens.token_response(token))

    class TimedAdapter(InProcessAdapter):
        spent = 0.0

        def send(self, request, *args, **kwargs):
            started = time.perf_counter()
            try:
                return super().send(request, *args, **kwargs)
            finally:
                TimedAdapter.spent += time.perf_counter() - started

    adapter = TimedAdapter()
    for session in (app_http.session, devshop_http.session):
        session.mount(f"{BASE_URL}/", adapter)
    ids = list(
        Referral.objects.filter(shop=shop, code_status="pending")
        .order_by("pk")
        .values_list("pk", flat=True)[:CODES]
    )
    started = time.perf_counter()
    for pk in ids:
        if referral_offer_issue(referral_id=pk).code_status != "issued":
            raise SystemExit(f"referral {pk}'s code was not made")
    elapsed = time.perf_counter() - started
    return {
        "codes": len(ids),
        "codes_per_s": len(ids) / elapsed,
        "ms_per_code": elapsed * 1000 / len(ids),
        "devshop_ms": TimedAdapter.spent * 1000 / len(ids),
        "referrals": Referral.objects.filter(shop=shop).count(),
        "answered": answered,
    }


if __name__ == "__main__":
    if sys.argv[1:2] == ["seed"]:
        print(json.dumps(_seed()), flush=True)
    elif sys.argv[1:2] == ["codes"]:
        print(json.dumps(_codes(int(sys.argv[2]))), flush=True)
    else:
        print(run())
