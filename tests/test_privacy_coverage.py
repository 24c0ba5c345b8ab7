"""No model holding a customer's data escapes the compliance webhooks.

Walks every model of every project app (devshop, the Shopify stand-in, excluded) and finds the
ones that hold data about a customer: a relation chain to Customer or Member, a column naming a
customer or member (``customer_shopify_id``) or any object (a generic ``object_id``, which may
name a member), a PII-looking field name (email, phone, name, address, birthday, note, ip,
report, payload, body…), or a JSON field (a free-form document may hold anything). Each of
them must be declared to the privacy hub by an app (``shopify_app.privacy.register_privacy``):
covered by its exporter and redactor, or exempt with a reason. A new model that holds personal
data fails here until its app says how customers/data_request and customers/redact handle it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.db import models

from shopify_app import privacy

NOT_PROJECT_APPS = {"devshop"}
# Matched against each "_"-separated part of a field name ("first_name" → "first", "name").
PII_PARTS = {
    "email",
    "phone",
    "name",
    "firstname",
    "lastname",
    "address",
    "birthday",
    "birthdate",
    "dob",
    "note",
    "notes",
    "ip",
    "report",
    "payload",
    "body",
    "comment",
    "message",
    "text",
    "tags",
}
# Matched anywhere in a field name ("filename", "emails", "billing_address1").
PII_SUBSTRINGS = ("email", "phone", "address", "birth", "name", "note", "payload")
LINK_PARTS = {"customer", "member"}
# A generic reference (object_type + object_id, as the change log keeps) may name a member.
GENERIC_LINKS = {"object_id"}


def project_models() -> list[type[models.Model]]:
    base = Path(settings.BASE_DIR).resolve()
    found = []
    for config in apps.get_app_configs():
        path = Path(config.path).resolve()
        if config.label in NOT_PROJECT_APPS or base not in path.parents or ".venv" in path.parts:
            continue
        found += list(config.get_models())
    return found


def _parts(name: str) -> set[str]:
    return set(re.split(r"[_\d]+", name.lower())) - {""}


def pii_fields(model: type[models.Model]) -> list[str]:
    return [
        f.name
        for f in model._meta.concrete_fields
        if not f.is_relation
        and (
            _parts(f.name) & PII_PARTS
            or any(s in f.name.lower() for s in PII_SUBSTRINGS)
            or isinstance(f, models.JSONField)
        )
    ]


def customer_linked(candidates: list[type[models.Model]]) -> set[type[models.Model]]:
    """Customer, Member and every model with a relation chain to one of them, or a column
    that names a customer or member by id, or any object by id."""
    linked: set[type[models.Model]] = {apps.get_model("shopify_app", "Customer")}
    linked.add(apps.get_model("loyalty", "Member"))
    for model in candidates:
        if any(
            not f.is_relation and (_parts(f.name) & LINK_PARTS or f.name in GENERIC_LINKS)
            for f in model._meta.concrete_fields
        ):
            linked.add(model)
    changed = True
    while changed:  # follow forward relations until nothing new links
        changed = False
        for model in candidates:
            if model in linked:
                continue
            if any(
                f.is_relation and not f.auto_created and f.related_model in linked
                for f in model._meta.get_fields()
            ):
                linked.add(model)
                changed = True
    return linked


def personal_models() -> dict[str, str]:
    """Label → why the model looks personal, for every project model that does."""
    candidates = project_models()
    linked = customer_linked(candidates)
    found = {}
    for model in candidates:
        reasons = []
        if model in linked:
            reasons.append("linked to a customer")
        if fields := pii_fields(model):
            reasons.append(f"fields {', '.join(fields)}")
        if reasons:
            found[model._meta.label] = "; ".join(reasons)
    return found


def undeclared(coverage: dict[str, privacy.ModelCoverage]) -> dict[str, str]:
    return {label: why for label, why in personal_models().items() if label not in coverage}


def test_the_walk_sees_the_project_apps_and_not_devshop():
    labels = {m._meta.app_label for m in project_models()}
    assert {"shopify_app", "loyalty"} <= labels
    assert "devshop" not in labels and "auth" not in labels


def test_every_model_holding_customer_data_is_exported_and_redacted_or_exempt():
    missing = undeclared(privacy.model_coverage())
    assert missing == {}, (
        f"Declare these models to the privacy hub (register_privacy covers= or exempt=): {missing}"
    )


def test_every_declaration_names_a_real_model_and_says_how():
    for label, coverage in privacy.model_coverage().items():
        apps.get_model(label)  # LookupError for a typo or a model since removed
        assert coverage.how.strip(), label


@pytest.mark.parametrize(
    "label",
    [
        "shopify_app.Customer",
        "shopify_app.Order",
        "shopify_app.Refund",  # through Order
        "loyalty.Member",
        "loyalty.PointsTransaction",
        "loyalty.LotAllocation",  # through PointsTransaction and PointsLot
        "loyalty.PointsReversal",  # through OrderPoints
        "loyalty.Redemption",
        "loyalty.Notification",
        "loyalty.ImportBatch",  # by its report, which names customers by email
        "loyalty.ChangeLog",  # by its generic object_id and its JSON before/after
        "loyalty.MemberTier",
        "loyalty.TierChange",
        "loyalty.TierPurchase",
        "referrals.Referral",
        "referrals.ReferrerSignal",
    ],
)
def test_removing_a_declaration_is_caught(label):
    coverage = privacy.model_coverage()
    assert label in coverage
    del coverage[label]
    assert label in undeclared(coverage)


def test_a_model_without_customer_data_is_not_asked_for():
    assert "shopify_app.ShopCredential" not in personal_models()
    assert "loyalty.PointsLot" in personal_models()  # the walk does flag what it should


def test_a_generic_reference_or_a_json_document_counts_as_personal():
    # The change log names a member only by object_type/object_id, and a staff adjustment's
    # reason and note sit in its JSON before/after: it must be declared like any member model.
    why = personal_models()["loyalty.ChangeLog"]
    assert "linked to a customer" in why and "before" in why and "after" in why
