"""The admin's customers list on a 100k-member shop: ``GET /api/admin/members`` (the first page:
the default order, a search by email, by a last name, by a common first name, and the sort by
balance), beside ``GET /api/admin/shop`` (the same session-token authentication and one row)
in the same run, before and after the list's indexes.

1. A fresh database ``<DATABASE_URL name>_bench_members`` is migrated; one installed shop with
   ``MEMBERS`` customers and members (emails, names, balances and last activity spread), seeded
   set-based in SQL; then ANALYZE.
2. "before": the indexes migration ``loyalty 0019`` adds (the members' ``(shop, balance, id)``
   and the customers' trigram indexes) are dropped, as the shop had them before it; "after":
   they are created again from their own definitions, then ANALYZE.
3. Each request runs in-process through Django's test client (the whole stack but the socket:
   authentication, the selector, the serializer, the cursor page), ``REQUESTS`` times each,
   with a fresh session token.

Printed: p50 and p95 of each case before and after, the baseline's in each phase (the load of
a shared machine moves between them: the default list, whose plan the indexes do not change, is
a second control), and each case's plan (``EXPLAIN ANALYZE`` of the page's query: its scans
and execution time, steadier than the latencies) before and after.
Environment: BENCH_MEMBERS (default 100000), BENCH_REQUESTS (default 100).
"""

from __future__ import annotations

import json
import os
import re
import sys
import time

from bench._loyalty import database_urls, fresh_database, percentile, run_child

MEMBERS = int(os.environ.get("BENCH_MEMBERS", "100000"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "100"))
SHOP = "bench-members.myshopify.com"
FIRST_NAMES = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Ken", "Dennis", "Frances", "Linus"]

# Names and emails spread: first names from a short list (a broad search), last names from an
# md5 (a selective one), emails unique.
SEED = [
    """INSERT INTO shopify_app_customer (shopify_id, state, tags, email, first_name, last_name,
      created_at, updated_at, shop_id)
    SELECT 7000000000 + g, 'enabled', '[]', 'shopper' || g || '@example.com',
      (%(first)s::text[])[1 + g %% %(nfirst)s], initcap(substr(md5(g::text), 1, 9)),
      now(), now(), %(shop)s
    FROM generate_series(1, %(n)s) g""",
    """INSERT INTO loyalty_member (balance, pending, lifetime_earned, state, excluded_reason,
      joined_at, last_activity_at, imported_tier, imported_referral_code, created_at, updated_at,
      customer_id, shop_id, signup_awaited)
    SELECT (c.id * 7919) %% 20000, 0, (c.id * 7919) %% 20000,
      CASE WHEN c.id %% 50 = 0 THEN 'excluded' ELSE 'active' END, '',
      now() - (c.id %% 700) * interval '1 day',
      now() - ((c.id * 31) %% 100000) * interval '1 minute',
      '', '', now(), now(), c.id, %(shop)s, FALSE
    FROM shopify_app_customer c WHERE c.shop_id = %(shop)s""",
]

# The member of this seed's id 31337 gives the selective searches their terms.
CASES = {
    "list (last active)": {},
    "search by email": {"search": "shopper31337@"},
    "search by last name": {"search": "<last name>"},
    "search by first name (broad)": {"search": "grace"},
    "sort by balance": {"sort": "-balance"},
}


def run() -> dict[str, object]:
    database_url, name, maintenance_url = database_urls("members")
    fresh_database(database_url, name, maintenance_url)
    return run_child("admin_members", database_url)


def _indexes(cursor) -> dict[str, str]:
    """The definitions of the indexes migration 0019 adds, by name, read from the database."""
    cursor.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE indexname = ANY(%s)",
        [["member_shop_balance", *TRGM_INDEXES]],
    )
    return dict(cursor.fetchall())


TRGM_INDEXES = ("customer_email_trgm", "customer_first_name_trgm", "customer_last_name_trgm")


def _plan(queryset) -> str:
    """The plan's scans and its execution time, on one line."""
    plan = queryset[:51].explain(analyze=True)
    scans = []
    for line in plan.splitlines():
        found = re.search(r"((?:Parallel )?(?:Bitmap )?(?:Index Only |Index |Seq |Heap )?Scan"
                          r"(?: Backward)?(?: using \w+)? on \w+)", line)  # fmt: skip
        if found and found.group(1) not in scans:
            scans.append(found.group(1))
    took = re.search(r"Execution Time: ([\d.]+) ms", plan)
    return f"{'; '.join(scans)} — {took.group(1) if took else '?'} ms"


def _child() -> dict[str, object]:
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    from devshop import signing
    from loyalty import selectors
    from shopify_app.models import Shop
    from shopify_app.services.credentials import shop_credential_store

    shop = Shop.objects.create(
        domain=SHOP, name="Bench members", currency="EUR", installed_at="2026-01-01T00:00Z"
    )
    # Installed with an offline token, so a session token needs no token exchange.
    shop_credential_store(
        shop=shop,
        token_response={"access_token": "shpat_bench", "scope": ",".join(settings.SHOPIFY_SCOPES)},
    )
    started = time.monotonic()
    with connection.cursor() as cursor:
        for statement in SEED:
            cursor.execute(
                statement,
                {"shop": shop.id, "n": MEMBERS, "first": FIRST_NAMES, "nfirst": len(FIRST_NAMES)},
            )
        cursor.execute("ANALYZE")
        cursor.execute(
            "SELECT c.last_name FROM shopify_app_customer c WHERE c.shopify_id = 7000031337"
        )
        last_name = cursor.fetchone()[0]
        definitions = _indexes(cursor)
    print(f"   seeded {MEMBERS} members in {time.monotonic() - started:.1f} s", flush=True)
    if len(definitions) != 1 + len(TRGM_INDEXES):
        raise SystemExit(f"migration 0019's indexes are missing: found {sorted(definitions)}")
    cases = {k: {**v, "search": last_name} if v.get("search") == "<last name>" else v
             for k, v in CASES.items()}  # fmt: skip

    client = Client()

    def headers() -> dict[str, str]:
        token = signing.session_token(
            shop=SHOP, client_id=settings.SHOPIFY_API_KEY, secret=settings.SHOPIFY_API_SECRET,
            user_id=1, now=int(time.time()),
        )  # fmt: skip
        return {"Authorization": f"Bearer {token}"}

    def timed(path: str, params: dict[str, str]) -> tuple[float, float]:
        for _ in range(5):  # warm: the plan cache, the buffers
            assert client.get(path, params, headers=headers()).status_code == 200
        samples = []
        for _ in range(REQUESTS):
            auth = headers()  # a fresh token each time: a slow case outlives one's 60 s
            t0 = time.perf_counter()
            response = client.get(path, params, headers=auth)
            samples.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200, response.content[:300]
        return percentile(samples, 0.5), percentile(samples, 0.95)

    def measure(label: str) -> dict[str, tuple[float, float, str]]:
        # The baseline in each phase: the machine's load moves between them.
        base50, base95 = timed("/api/admin/shop", {})
        out = {"baseline": (base50, base95, "")}
        print(f"   {label:<6} {'baseline GET /api/admin/shop':<30} p50 {base50:6.1f} ms"
              f"  p95 {base95:6.1f} ms", flush=True)  # fmt: skip
        for case, params in cases.items():
            queryset = selectors.member_list(
                shop=shop, search=params.get("search", ""),
                ordering=params.get("sort", "-last_activity_at"),
            )  # fmt: skip
            p50, p95 = timed("/api/admin/members", params)
            out[case] = (p50, p95, _plan(queryset))
            print(f"   {label:<6} {case:<30} p50 {p50:6.1f} ms  p95 {p95:6.1f} ms"
                  f"  [{out[case][2]}]", flush=True)  # fmt: skip
        return out

    with connection.cursor() as cursor:
        for index in definitions:
            cursor.execute(f'DROP INDEX "{index}"')
    before = measure("before")
    with connection.cursor() as cursor:
        for definition in definitions.values():
            cursor.execute(definition)
        cursor.execute("ANALYZE")
    after = measure("after")

    figures: dict[str, object] = {
        "baseline /api/admin/shop p95": f"{before['baseline'][1]:.1f} ms in the before phase,"
        f" {after['baseline'][1]:.1f} ms in the after phase",
    }
    for case in cases:
        took = [re.search(r"— (\S+) ms", phase[case][2]) for phase in (before, after)]
        query = "/".join(t.group(1) if t else "?" for t in took)
        figures[f"{case} p95"] = (
            f"{before[case][1]:.1f} ms before the indexes, {after[case][1]:.1f} ms after"
            f" (p50 {after[case][0]:.1f}); the query {query} ms"
        )
    figures["setup"] = (
        f"{MEMBERS} members, {REQUESTS} requests each, in-process test client,"
        f" {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}"
    )
    return figures


if __name__ == "__main__":
    if sys.argv[1:] == ["child"]:
        print(json.dumps(_child()))
    else:
        print(run())
