# ruff: noqa: E501
"""Query cost and the leaky bucket (platform doc §10)."""

from __future__ import annotations

QUERY = "{ customers(first: 10) { edges { node { id } } } }"  # 2 + 10 * 1 = 12


def _shrink(devshop, maximum: float, rate: float) -> None:
    devshop.shop.throttle_maximum = maximum
    devshop.shop.throttle_restore_rate = rate
    devshop.shop.save()


def test_cost_extension_reports_requested_actual_and_bucket(devshop):
    body = devshop.graphql(QUERY).json()

    assert body["extensions"]["cost"] == {
        "requestedQueryCost": 12,
        "actualQueryCost": 2,  # no customers: the connection's own 2 points
        "throttleStatus": {
            "maximumAvailable": 2000.0,
            "currentlyAvailable": 1998,
            "restoreRate": 100.0,
        },
    }


def test_mutations_cost_ten(devshop):
    body = devshop.graphql(
        'mutation { webhookSubscriptionCreate(topic: ORDERS_PAID, webhookSubscription: {uri: "x"}) { userErrors { message } } }'
    ).json()

    assert body["extensions"]["cost"]["requestedQueryCost"] == 10


def test_exhausted_bucket_answers_throttled(devshop):
    _shrink(devshop, maximum=20, rate=1)
    devshop.graphql(QUERY)  # 12 charged, 10 refunded: 18 left

    body = devshop.graphql("{ customers(first: 17) { nodes { id } } }").json()

    assert body["errors"] == [
        {
            "message": "Throttled",
            "extensions": {
                "code": "THROTTLED",
                "documentation": "https://shopify.dev/api/usage/rate-limits",
            },
        }
    ]
    assert body["extensions"]["cost"]["actualQueryCost"] is None
    assert body["extensions"]["cost"]["requestedQueryCost"] == 19
    assert "data" not in body


def test_bucket_refills_with_devshops_clock(devshop):
    _shrink(devshop, maximum=20, rate=1)
    devshop.graphql(QUERY)  # 18 left
    devshop.graphql(QUERY)  # 16 left
    assert (
        devshop.graphql("{ customers(first: 17) { nodes { id } } }").json()["errors"][0]["message"]
        == "Throttled"
    )

    devshop.advance(5)

    assert "errors" not in devshop.graphql("{ customers(first: 17) { nodes { id } } }").json()


def test_single_query_over_1000_points_is_refused(devshop):
    body = devshop.graphql(
        "{ customers(first: 250) { nodes { orders(first: 10) { nodes { id } } } } }"
    ).json()

    assert body["errors"][0]["extensions"] == {
        "code": "MAX_COST_EXCEEDED",
        "cost": 3252,
        "maxCost": 1000,
    }
