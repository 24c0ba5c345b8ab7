"""Customer segments: ``segmentCreate`` / ``segmentUpdate`` / ``segmentDelete`` and membership.

A segment's query is ShopifyQL's segment language (shopify.dev/docs/api/shopifyql/
segment-query-language-reference). devshop evaluates the part a tag-based club needs:
clauses ``customer_tags CONTAINS 'x'`` and ``customer_tags NOT CONTAINS 'x'`` joined by ``AND``
/ ``OR`` (``AND`` binds tighter; no parentheses). As Shopify documents for ``List<String>``,
the condition is single-quoted with ``\\'`` escaping a quote and matches a whole tag,
case-insensitively. Any other query is refused with a ``userErrors`` entry on ``query``, so a
query devshop cannot evaluate is never stored and never half-applied (the wording is
devshop's, in Shopify's "Line 1 Column N:" shape; Shopify's exact messages are unconfirmed).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from devshop import clock
from devshop.models import DevCustomer, DevSegment, DevSequence, DevShop


@dataclass
class SegmentUserError:
    field: list[str]
    message: str


# Attributes Shopify's segment language has that devshop does not evaluate: refused with a
# message saying so rather than Shopify's "cannot be found", which would be wrong for them.
_KNOWN_ATTRIBUTES = {
    "amount_spent", "number_of_orders", "customer_email_domain", "email_subscription_status",
    "sms_subscription_status", "customer_added_date", "last_order_date", "customer_countries",
    "customer_cities", "customer_regions", "customer_language", "products_purchased",
    "orders_placed", "predicted_spend_tier", "abandoned_checkout_date", "customer_account_status",
    "companies", "rfm_group", "product_subscription_status", "created_by_app_id",
}  # fmt: skip

_TOKEN = re.compile(
    r"\s*(?:(?P<string>'(?:[^'\\]|\\.)*')|(?P<word>[A-Za-z_][A-Za-z0-9_.]*)|(?P<other>\S))"
)


@dataclass(frozen=True)
class _Clause:
    tag: str  # lowercased
    negated: bool


# A parsed query: OR of ANDs of clauses.
Query = list[list[_Clause]]


class SegmentQueryError(ValueError):
    def __init__(self, column: int, message: str) -> None:
        super().__init__(f"Line 1 Column {column}: {message}")


def _tokens(query: str) -> list[tuple[str, str, int]]:
    found, position = [], 0
    while position < len(query):
        match = _TOKEN.match(query, position)
        if match is None:  # trailing whitespace
            break
        kind = match.lastgroup or "other"
        found.append((kind, match.group(kind), match.start(kind) + 1))
        position = match.end()
    return found


def segment_query_parse(query: str) -> Query:
    """The query as an OR of ANDs of tag clauses; ``SegmentQueryError`` for anything else."""
    tokens = _tokens(query)
    if not tokens:
        raise SegmentQueryError(1, "Query can't be blank.")
    groups: Query = [[]]
    index = 0

    def take() -> tuple[str, str, int]:
        nonlocal index
        if index >= len(tokens):
            raise SegmentQueryError(len(query) + 1, "Unexpected end of query.")
        index += 1
        return tokens[index - 1]

    while True:
        kind, text, column = take()
        if kind != "word":
            raise SegmentQueryError(column, f"Unexpected '{text}'.")
        if text != "customer_tags":
            if text in _KNOWN_ATTRIBUTES:
                raise SegmentQueryError(column, f"devshop does not evaluate the '{text}' filter.")
            raise SegmentQueryError(column, f"'{text}' filter cannot be found.")
        kind, text, column = take()
        negated = kind == "word" and text.upper() == "NOT"
        if negated:
            kind, text, column = take()
        if kind != "word" or text.upper() != "CONTAINS":
            raise SegmentQueryError(column, f"Unexpected '{text}': 'customer_tags' takes CONTAINS.")
        kind, text, column = take()
        if kind != "string":
            raise SegmentQueryError(column, "A condition must be wrapped in single quotes.")
        tag = re.sub(r"\\(.)", r"\1", text[1:-1])
        groups[-1].append(_Clause(tag=tag.lower(), negated=negated))
        if index == len(tokens):
            return groups
        kind, text, column = take()
        if kind == "word" and text.upper() == "OR":
            groups.append([])
        elif not (kind == "word" and text.upper() == "AND"):
            raise SegmentQueryError(column, f"Unexpected '{text}': expected AND or OR.")


def segment_contains(*, segment: DevSegment, customer: DevCustomer | None) -> bool:
    """Whether ``customer`` (None: a guest, never in a segment) is in ``segment`` now."""
    if customer is None:
        return False
    tags = {str(t).strip().lower() for t in customer.tags or []}
    return any(
        all((c.tag in tags) != c.negated for c in group)
        for group in segment_query_parse(segment.query)
    )


def _check(
    shop: DevShop, *, name: str | None, query: str | None, exclude: int | None
) -> list[SegmentUserError]:
    errors: list[SegmentUserError] = []
    if name is not None:
        if not name.strip():
            errors.append(SegmentUserError(["name"], "Name can't be blank"))
        elif len(name) > 255:
            errors.append(SegmentUserError(["name"], "Name is too long"))
        elif DevSegment.objects.filter(shop=shop, name=name.strip()).exclude(pk=exclude).exists():
            errors.append(SegmentUserError(["name"], "Name has already been taken"))
    if query is not None:
        try:
            segment_query_parse(query)
        except SegmentQueryError as exc:
            errors.append(SegmentUserError(["query"], str(exc)))
    return errors


def segment_create(
    *, shop: DevShop, name: str, query: str
) -> tuple[DevSegment | None, list[SegmentUserError]]:
    errors = _check(shop, name=name, query=query, exclude=None)
    if errors:
        return None, errors
    now = clock.now()
    try:
        with transaction.atomic():
            row = DevSegment.objects.create(
                id=DevSequence.allocate("Segment"),
                shop=shop,
                name=name.strip(),
                query=query.strip(),
                created_at=now,
                updated_at=now,
            )
    except IntegrityError:  # a concurrent create of the same name
        return None, [SegmentUserError(["name"], "Name has already been taken")]
    return row, []


def segment_get(*, shop: DevShop, segment_id: int) -> DevSegment | None:
    return DevSegment.objects.filter(shop=shop, id=segment_id).first()


def segment_update(
    *, segment: DevSegment, name: str | None, query: str | None
) -> tuple[DevSegment | None, list[SegmentUserError]]:
    errors = _check(segment.shop, name=name, query=query, exclude=segment.pk)
    if errors:
        return None, errors
    if name is not None:
        segment.name = name.strip()
    if query is not None:
        segment.query = query.strip()
    segment.updated_at = clock.now()
    segment.save()
    return segment, []


def segment_delete(*, segment: DevSegment) -> None:
    """Delete the segment; automatic discounts that targeted it no longer reach anyone by it."""
    segment.delete()
