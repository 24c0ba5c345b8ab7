"""Every document is validated against Shopify's 2026-07 schema before anything runs."""

from __future__ import annotations


def test_invalid_document_is_rejected_with_shopifys_error_shape(devshop):
    response = devshop.graphql("{ shop { name nope } }")

    assert response.status_code == 200
    assert response.json() == {
        "errors": [
            {
                "message": "Field 'nope' doesn't exist on type 'Shop'",
                "locations": [{"line": 1, "column": 15}],
                "path": ["query", "shop", "nope"],
                "extensions": {"code": "undefinedField", "typeName": "Shop", "fieldName": "nope"},
            }
        ]
    }


def test_missing_required_argument_is_reported_like_graphql_ruby(devshop):
    body = devshop.graphql("query Q { customer { id } }").json()

    assert body["errors"][0]["message"] == "Field 'customer' is missing required arguments: id"
    assert body["errors"][0]["extensions"]["code"] == "missingRequiredArguments"
    assert body["errors"][0]["path"] == ["query Q", "customer"]


def test_variable_of_the_wrong_type_is_rejected(devshop):
    body = devshop.graphql("query Q($id: String) { customer(id: $id) { id } }").json()

    error = body["errors"][0]
    assert error["extensions"]["code"] == "variableMismatch"
    assert error["message"] == "Type mismatch on variable $id and argument id (String / ID!)"


def test_syntax_error_is_a_parse_error(devshop):
    body = devshop.graphql("{ shop { name } } }").json()

    assert body["errors"] == [
        {
            "message": 'Parse error on "}" (RCURLY) at [1, 19]',
            "locations": [{"line": 1, "column": 19}],
        }
    ]


def test_empty_query_is_refused(devshop):
    assert devshop.graphql("").json() == {"errors": [{"message": "No query string was present"}]}


def test_valid_document_the_app_uses_is_accepted(devshop):
    query = """
      query Customers($first: Int!, $after: String, $query: String) {
        customers(first: $first, after: $after, query: $query) {
          pageInfo { hasNextPage endCursor }
          nodes {
            id firstName lastName tags numberOfOrders updatedAt
            defaultEmailAddress { emailAddress }
            amountSpent { amount currencyCode }
            metafield(namespace: "$app:loyalty", key: "points") { value }
          }
        }
      }
    """
    body = devshop.graphql(
        query, {"first": 50, "query": "updated_at:>'2026-01-01T00:00:00Z'"}
    ).json()

    assert "errors" not in body
    assert body["data"]["customers"] == {
        "pageInfo": {"hasNextPage": False, "endCursor": None},
        "nodes": [],
    }


def test_a_valid_operation_devshop_does_not_implement_is_an_error_not_a_fake_success(devshop):
    body = devshop.graphql("{ products(first: 1) { nodes { id } } }").json()

    assert body["data"] is None
    assert body["errors"][0]["message"] == "devshop does not implement QueryRoot.products"
    assert body["errors"][0]["extensions"]["code"] == "DEVSHOP_NOT_IMPLEMENTED"


def test_an_unimplemented_nested_field_is_an_error(devshop):
    body = devshop.graphql("{ shop { name billingAddress { city } } }").json()

    assert body["errors"][0]["message"] == "devshop does not implement Shop.billingAddress"
    assert body["errors"][0]["path"] == ["shop", "billingAddress"]


def test_missing_or_wrong_token_is_401_like_shopify(devshop):
    response = devshop.graphql("{ shop { name } }", token="shpat_wrong")

    assert response.status_code == 401
    assert response.json() == {
        "errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"
    }


def test_themes_need_read_themes(db):
    from devshop.testing import DevshopHandle

    handle = DevshopHandle.create(domain="scopes-shop.myshopify.com")
    handle.shop.installation.scopes = "read_customers"
    handle.shop.installation.save()

    body = handle.graphql("{ themes(first: 1) { nodes { id } } }").json()

    assert "read_themes" in body["errors"][0]["message"]
