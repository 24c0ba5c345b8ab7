"""The launcher's referrals section and the friend's claim, through signed proxy requests."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlparse

import pytest

from referrals.models import Referral, ReferralCode
from referrals.services.program import referral_program_update
from shopify_app.services.credentials import shop_credential_store
from tests.callbacks import work
from tests.loyalty.storefront.conftest import Proxy, signed_query
from tests.referrals.conftest import friend_order
from tests.shopify_app.test_authentication import TOKEN

pytestmark = pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")


@pytest.fixture
def proxy(client, shop) -> Proxy:
    shop_credential_store(shop=shop, token_response=TOKEN)
    return Proxy(client=client, shop_domain=shop.domain)


def section(response) -> dict:
    assert response.status_code == 200, response.json()
    return next(s for s in response.json()["sections"] if s["key"] == "referrals")


def test_a_guest_sees_the_offer_and_the_reward_explained(proxy):
    data = section(proxy.get("state"))["data"]

    assert data["member"] is None
    assert data["program"]["offer"] == {
        "kind": "percent",
        "value": "10.00",
        "minimum_order": None,
        "text": "10% off your first order",
    }
    assert "1000 points" in data["program"]["reward"]["text"]
    assert "14-day" in data["program"]["reward"]["text"]


def test_a_member_sees_their_link_and_share_urls(proxy, ada, ada_member):
    data = section(proxy.get("state", customer=ada.id))["data"]["member"]

    code = ReferralCode.objects.get(member=ada_member).code
    assert data["code"] == code
    assert data["link"] == f"https://{proxy.shop_domain}/?ref={code}"
    assert data["proxy_link"] == f"https://{proxy.shop_domain}/apps/rewards/r/{code}"
    assert parse_qs(urlparse(data["share"]["facebook"]).query)["u"] == [data["link"]]
    assert data["link"] in parse_qs(urlparse(data["share"]["whatsapp"]).query)["text"][0]
    # The code is stable: the next read shows the same one.
    assert section(proxy.get("state", customer=ada.id))["data"]["member"]["code"] == code


def test_the_friend_claims_as_a_guest_and_the_member_sees_the_referral(
    store, proxy, ada, ada_code, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = proxy.post(
            "referrals/claim", {"code": ada_code.code.lower(), "email": "Bob@Example.com"}
        )

    assert response.status_code == 200, response.json()
    result = response.json()["result"]
    referral = Referral.objects.get(shop=store.shop)
    assert (result["code"], result["status"]) == (referral.discount_code, "pending")
    assert len(work(callbacks)) == 1  # the code is made by the worker
    again = proxy.post("referrals/claim", {"code": ada_code.code, "email": "bob@example.com"})
    assert again.json()["result"]["code"] == result["code"]

    store.paid(friend_order(store, store.customer(email="bob@example.com")))

    mine = section(proxy.get("state", customer=ada.id))["data"]["member"]
    assert mine["stats"]["completed"] == 1
    assert mine["points_pending"] == 1000
    assert [(r["friend"], r["status"], r["reward_status"]) for r in mine["referrals"]] == [
        ("b**@example.com", "completed", "pending")
    ]


def test_the_referrer_claiming_their_own_offer_is_refused(proxy, ada, ada_code):
    response = proxy.post(
        "referrals/claim", {"code": ada_code.code, "email": "someone@example.com"}, customer=ada.id
    )

    assert (response.status_code, response.json()["code"]) == (409, "self_referral")
    assert Referral.objects.get().fraud_rule == "self_customer"


def test_a_friend_who_has_ordered_is_told_the_offer_is_for_new_customers(store, proxy, ada_code):
    bob = store.customer(email="bob@example.com")
    store.paid(store.order(customer=bob))

    response = proxy.post("referrals/claim", {"code": ada_code.code, "email": "bob@example.com"})

    assert (response.status_code, response.json()["code"]) == (409, "friend_not_new")
    assert "new customers" in response.json()["message"]


def test_a_repeat_claim_after_the_code_expired_unused_is_told_so(proxy, ada_code):
    from datetime import timedelta

    from django.utils import timezone

    first = proxy.post("referrals/claim", {"code": ada_code.code, "email": "bob@example.com"})
    assert first.status_code == 200
    Referral.objects.update(code_expires_at=timezone.now() - timedelta(minutes=1))

    again = proxy.post("referrals/claim", {"code": ada_code.code, "email": "bob@example.com"})

    assert (again.status_code, again.json()["code"]) == (409, "offer_expired")
    assert Referral.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"email": "bob@example.com"}, 400, "invalid"),
        ({"code": "X", "email": "bob@example.com"}, 404, "unknown_referral_code"),
        ({"code": "{code}", "email": "not an email"}, 400, "invalid_email"),
    ],
)
def test_bad_claims_are_clear_4xx_and_store_nothing(proxy, ada_code, body, status, code):
    body = {k: v.format(code=ada_code.code) for k, v in body.items()}

    response = proxy.post("referrals/claim", body)

    assert (response.status_code, response.json()["code"]) == (status, code)
    assert not Referral.objects.exists()


def test_an_unsigned_claim_is_refused(client, proxy, ada_code):
    response = client.post(
        "/proxy/api/referrals/claim",
        {"code": ada_code.code, "email": "bob@example.com"},
        content_type="application/json",
    )

    assert response.status_code == 401
    assert not Referral.objects.exists()


def test_the_launcher_opened_on_a_ref_link_counts_a_visit(proxy, ada_code):
    response = proxy.post("referrals/visit", {"code": ada_code.code.lower()})
    unknown = proxy.post("referrals/visit", {"code": "NOPE123456"})

    assert response.status_code == 204
    assert (unknown.status_code, unknown.json()["code"]) == (404, "unknown_referral_code")
    ada_code.refresh_from_db()
    assert ada_code.visits == 1


def test_the_link_through_the_proxy_counts_a_visit_and_opens_the_offer(client, proxy, ada_code):
    query = signed_query(proxy.shop_domain, None)

    response = client.get(f"/proxy/r/{ada_code.code.lower()}?{query}")

    assert (response.status_code, response["Location"]) == (302, f"/?ref={ada_code.code}")
    ada_code.refresh_from_db()
    assert ada_code.visits == 1


def test_a_closed_program_has_no_section(store, proxy):
    referral_program_update(shop_id=store.shop.pk, changes={"active": False})

    sections = proxy.get("state").json()["sections"]

    assert "referrals" not in [s["key"] for s in sections]


def _state_queries(proxy, customer_id) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = proxy.get("state", customer=customer_id)
    assert response.status_code == 200
    return len(queries)


def test_the_sections_queries_do_not_grow_with_the_referrals(store, proxy, ada, ada_code, settings):
    from tests.referrals.conftest import claim, enrol

    settings.STOREFRONT_STATE_CACHE_SECONDS = 0  # the rendering's queries, not a cache hit
    few = store.customer(email="few@example.com")
    few_code = ReferralCode.objects.create(
        shop=store.shop, member=enrol(store, few), code="FEWFEWFEW2"
    )
    claim(store, few_code, "one@example.com")
    for n in range(30):
        claim(store, ada_code, f"friend{n}@example.com")
    _state_queries(proxy, ada.id)  # the program row is made on the first read

    assert _state_queries(proxy, ada.id) == _state_queries(proxy, few.id)


def test_a_catalog_reward_is_explained_and_its_code_shown_once_usable(
    store, proxy, ada, ada_member, ada_code, django_capture_on_commit_callbacks
):
    from referrals.services.changes import referrer_changed
    from tests.referrals.conftest import catalog_reward_completed

    referral = catalog_reward_completed(store, ada_code)
    pending = section(proxy.get("state", customer=ada.id))["data"]
    with django_capture_on_commit_callbacks(execute=True):  # the bump runs after commit
        Referral.objects.filter(pk=referral.pk).update(
            reward_code_status="issued",
            reward_available_at=referral.reward_available_at - timedelta(days=15),
        )
        referrer_changed(referral)  # as the code's sync does when Shopify has made the code
    usable = section(proxy.get("state", customer=ada.id))["data"]

    assert pending["program"]["reward"]["kind"] == "reward"
    assert "You get $20 off when" in pending["program"]["reward"]["text"]
    [row] = pending["member"]["referrals"]
    assert (row["reward_status"], row["reward"]["code"]) == ("pending", None)
    assert row["reward"]["name"] == "$20 off"
    [row] = usable["member"]["referrals"]
    assert (row["reward_status"], row["reward"]["code"]) == ("available", referral.reward_code)
    # The code's own end, as the grant froze it: the hold's end plus the reward's 30 days.
    ends_at = datetime.fromisoformat(row["reward"]["expires_at"])
    assert ends_at == datetime.fromisoformat(referral.reward_grant["starts_at"]) + timedelta(
        days=30
    )
