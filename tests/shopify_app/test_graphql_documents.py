"""Every GraphQL document the app sends validates against Shopify's Admin schema (2026-07).

Documents are discovered, not listed: every UPPER_CASE string constant of every module in the
project's apps that reads as a GraphQL document (it starts with ``query``, ``mutation``,
``fragment`` or ``{``). A document that doesn't parse fails too.
"""

from __future__ import annotations

import gzip
import importlib
import json
import pkgutil
from functools import cache
from pathlib import Path

import pytest
from django.conf import settings
from graphql import GraphQLSchema, build_client_schema, parse, validate

PACKAGES = ("shopify_app", "loyalty", "referrals")
_STARTS = ("query", "mutation", "fragment", "{")


@cache
def admin_schema() -> GraphQLSchema:
    path = (
        Path(settings.BASE_DIR) / f"shopify_app/schema/admin_{settings.SHOPIFY_API_VERSION}.json.gz"
    )
    with gzip.open(path) as f:
        return build_client_schema(json.load(f)["data"])


def _modules():
    for package_name in PACKAGES:
        package = importlib.import_module(package_name)
        yield package
        for info in pkgutil.walk_packages(package.__path__, prefix=f"{package_name}."):
            if ".migrations" in info.name or ".management" in info.name:
                continue
            yield importlib.import_module(info.name)


def discover_documents() -> dict[str, str]:
    found: dict[str, str] = {}
    for module in _modules():
        for name, value in vars(module).items():
            if not (name.isupper() and isinstance(value, str)):
                continue
            if value.lstrip().startswith(_STARTS):
                found[f"{module.__name__}.{name}"] = value
    return found


DOCUMENTS = discover_documents()


def test_the_document_modules_are_discovered():
    assert "shopify_app.graphql.webhooks.WEBHOOK_SUBSCRIPTION_CREATE" in DOCUMENTS
    assert "shopify_app.graphql.webhooks.WEBHOOK_SUBSCRIPTIONS" in DOCUMENTS


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_document_is_valid_against_the_admin_schema(name):
    errors = validate(admin_schema(), parse(DOCUMENTS[name]))

    assert [e.message for e in errors] == []


def test_a_wrong_document_is_caught():
    """The check itself works: a field Shopify doesn't have is an error."""
    errors = validate(admin_schema(), parse("query { shop { loyaltyPoints } }"))

    assert errors
