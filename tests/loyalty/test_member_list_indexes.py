"""The customers list's queries can use migration 0019's indexes. The planner is pushed off
sequential scans (and plain index scans for the search, sorts for the sort), since a test
table is too small for it to pick an index by cost; a plan without the index then means its
expression no longer matches the SQL Django writes for the selector's lookups
(``UPPER(col::text) LIKE``), and on a big shop the search would scan every customer again
(``bench/admin_members.py``)."""

from __future__ import annotations

import pytest
from django.db import connection

from loyalty import selectors
from shopify_app.models import Customer
from tests.factories import CustomerFactory, MemberFactory


def _plan(queryset, *off: str) -> str:
    with connection.cursor() as cursor:
        for setting in off:
            cursor.execute(f"SET LOCAL {setting} = off")
    return queryset.all()[:51].explain()  # .all(): a fresh query, not an evaluated one


@pytest.mark.parametrize(
    "column, word, index",
    [
        ("email", "ada@", "customer_email_trgm"),
        ("first_name", "grace", "customer_first_name_trgm"),
        ("last_name", "lovelace", "customer_last_name_trgm"),
    ],
)
def test_the_search_lookups_can_use_the_trigram_indexes(shop, column, word, index):
    customer = CustomerFactory(
        shop=shop, email="ada@example.com", first_name="Grace", last_name="Lovelace"
    )
    MemberFactory(shop=shop, customer=customer)
    # The selector searches with exactly these lookups, through the member's customer.
    assert [m.customer_id for m in selectors.member_list(shop=shop, search=word)] == [customer.pk]
    lookup = Customer.objects.filter(**{f"{column}__icontains": word})
    plan = _plan(lookup, "enable_seqscan", "enable_indexscan")
    assert index in plan, plan


@pytest.mark.parametrize("ordering", ["-balance", "balance"])
def test_the_sort_by_balance_reads_the_balance_index_in_order(shop, ordering):
    MemberFactory(shop=shop)
    # Sorting discouraged too: the index must give the page's order (shop, balance, id) itself.
    plan = _plan(
        selectors.member_list(shop=shop, ordering=ordering), "enable_seqscan", "enable_sort"
    )
    assert "member_shop_balance" in plan, plan
    assert "Sort Key" not in plan, plan
