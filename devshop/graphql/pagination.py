"""Relay connections over querysets, with Shopify's cursors and search syntax.

Cursors are opaque to clients; like Shopify's they are base64 JSON
(``{"last_id": …, "last_value": …}``) naming the row they point at and its sort value, so a
page continues exactly after the last row seen even if rows change in between.

Search (``query: "updated_at:>'2026-01-01T00:00:00Z' email:a@b.c"``) supports, per
resource, the fields listed in ``SearchField``s; an unsupported field is an error, never
silently ignored.
"""

from __future__ import annotations

import base64
import json
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time
from functools import partial
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.dateparse import parse_date, parse_datetime
from graphql import GraphQLError

MAX_PAGE_SIZE = 250


def _encode(row_id: int, value: Any) -> str:
    if isinstance(value, datetime):
        value = value.isoformat()
    raw = json.dumps({"last_id": row_id, "last_value": value}, separators=(",", ":"))
    return base64.b64encode(raw.encode()).decode()


def _decode(cursor: str) -> tuple[int, Any]:
    try:
        data = json.loads(base64.b64decode(cursor.encode(), validate=True))
        return int(data["last_id"]), data.get("last_value")
    except (ValueError, KeyError, TypeError):
        raise GraphQLError("Invalid cursor for current pagination sort.") from None


@dataclass(frozen=True)
class SortKey:
    field: str  # model field; "id" sorts by id alone

    def value(self, row: Any) -> Any:
        return getattr(row, self.field)

    def parse(self, raw: Any) -> Any:
        if self.field == "id":
            return int(raw)
        if self.field.endswith("_at") and isinstance(raw, str):
            return parse_datetime(raw)
        return raw


def connection(
    queryset: QuerySet,
    *,
    present: Callable[[Any], dict[str, Any]],
    typename: str,
    first: int | None = None,
    after: str | None = None,
    last: int | None = None,
    before: str | None = None,
    reverse: bool = False,
    sort: SortKey = SortKey("id"),
    unbounded: bool = False,
    page_limit: int = MAX_PAGE_SIZE,
) -> dict[str, Any]:
    """One page of ``queryset`` as ``{edges, nodes, pageInfo}``.

    ``unbounded`` (nested connections of a bulk operation) returns every row; ``page_limit``
    lifts Shopify's page size for a bulk operation's own paging of its root connection.
    """
    if unbounded:
        rows = list(queryset.order_by(*_ordering(sort, reverse)))
        return _page(rows, present, typename, sort, has_next=False, has_previous=False)
    if first is None and last is None:
        raise GraphQLError("you must provide one of first or last")
    if first is not None and last is not None:
        raise GraphQLError("providing both first and last is not supported")
    size = first if first is not None else last
    assert size is not None
    if size < 0 or size > page_limit:
        raise GraphQLError(f"The page size (first/last) must be between 0 and {page_limit}")
    descending = reverse
    backwards = last is not None
    if backwards:
        descending = not descending
    order = _ordering(sort, descending)
    qs = queryset.order_by(*order)
    if after:
        qs = qs.filter(_beyond(sort, *_decode(after), descending=reverse))
    if before:
        qs = qs.filter(_beyond(sort, *_decode(before), descending=not reverse))
    rows = list(qs[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    if backwards:
        rows.reverse()
    has_next = more if not backwards else bool(before)
    has_previous = more if backwards else bool(after)
    return _page(rows, present, typename, sort, has_next=has_next, has_previous=has_previous)


def _page(
    rows: list[Any],
    present: Callable[[Any], dict[str, Any]],
    typename: str,
    sort: SortKey,
    *,
    has_next: bool,
    has_previous: bool,
) -> dict[str, Any]:
    # Each edge's cursor is computed only if selected (a callable field): a bulk export has
    # hundreds of thousands of edges and reads none of their cursors.
    edges = [
        {
            "__typename": f"{typename}Edge",
            "cursor": partial(_encode, row.pk, _raw(sort, row)),
            "node": present(row),
        }
        for row in rows
    ]
    start = _encode(rows[0].pk, _raw(sort, rows[0])) if rows else None
    end = _encode(rows[-1].pk, _raw(sort, rows[-1])) if rows else None
    return {
        "__typename": f"{typename}Connection",
        "edges": edges,
        "nodes": [edge["node"] for edge in edges],
        "pageInfo": {
            "__typename": "PageInfo",
            "hasNextPage": has_next,
            "hasPreviousPage": has_previous,
            "startCursor": start,
            "endCursor": end,
        },
    }


def _raw(sort: SortKey, row: Any) -> Any:
    return row.pk if sort.field == "id" else sort.value(row)


def _ordering(sort: SortKey, descending: bool) -> list[str]:
    sign = "-" if descending else ""
    if sort.field == "id":
        return [f"{sign}id"]
    return [f"{sign}{sort.field}", f"{sign}id"]


def _beyond(sort: SortKey, row_id: int, raw: Any, *, descending: bool) -> Q:
    op = "lt" if descending else "gt"
    if sort.field == "id":
        return Q(**{f"id__{op}": row_id})
    value = sort.parse(raw)
    return Q(**{f"{sort.field}__{op}": value}) | Q(**{sort.field: value, f"id__{op}": row_id})


@dataclass(frozen=True)
class SearchField:
    column: str
    kind: str = "text"  # text, datetime, int, exact


_OPERATORS = (">=", "<=", ">", "<")


def apply_search(
    queryset: QuerySet,
    query: str | None,
    fields: dict[str, SearchField],
    *,
    free_text: Callable[[str], Q],
) -> QuerySet:
    """Filter ``queryset`` by Shopify's search syntax (terms ANDed, ``-`` negates)."""
    if not query or not query.strip():
        return queryset
    try:
        terms = shlex.split(query, posix=True)
    except ValueError:
        raise GraphQLError(f"Invalid search query: {query}") from None
    for term in terms:
        if term.upper() == "AND":
            continue
        if term.upper() == "OR":
            raise GraphQLError("devshop does not implement OR in search queries")
        negate = term.startswith("-")
        term = term.removeprefix("-")
        name, colon, raw = term.partition(":")
        if not colon:
            condition = free_text(term)
        else:
            spec = fields.get(name)
            if spec is None:
                raise GraphQLError(f"devshop does not implement the search field {name!r}")
            condition = _condition(spec, raw)
        queryset = queryset.exclude(condition) if negate else queryset.filter(condition)
    return queryset


def _condition(spec: SearchField, raw: str) -> Q:
    op = next((o for o in _OPERATORS if raw.startswith(o)), "")
    value_text = raw[len(op) :].strip("'\"")
    lookup = {">": "gt", ">=": "gte", "<": "lt", "<=": "lte", "": "exact"}[op]
    if spec.kind == "datetime":
        value: Any = _parse_moment(value_text)
    elif spec.kind == "int":
        try:
            value = int(value_text.rsplit("/", 1)[-1])
        except ValueError:
            raise GraphQLError(f"Invalid value for {spec.column}: {value_text}") from None
    else:
        value = value_text
        if not op and spec.kind == "text":
            lookup = "iexact"
    return Q(**{f"{spec.column}__{lookup}": value})


def _parse_moment(text: str) -> datetime:
    moment = parse_datetime(text)
    if moment is None:
        day = parse_date(text)
        if day is None:
            raise GraphQLError(f"Invalid date in search query: {text}")
        moment = datetime.combine(day, time.min)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment


def list_connection(
    rows: list[Any],
    *,
    present: Callable[[Any], dict[str, Any]],
    typename: str,
    first: int | None = None,
    after: str | None = None,
    last: int | None = None,
    before: str | None = None,
    reverse: bool = False,
    unbounded: bool = False,
) -> dict[str, Any]:
    """A connection over rows already loaded (prefetched children), ordered by id.

    ``unbounded`` (bulk operations) lifts the page-size rules: nested connections in a bulk
    query take no ``first`` and return everything.
    """
    if not unbounded:
        if first is None and last is None:
            raise GraphQLError("you must provide one of first or last")
        size = first if first is not None else last
        if size is None or size < 0 or size > MAX_PAGE_SIZE:
            raise GraphQLError(f"The page size (first/last) must be between 0 and {MAX_PAGE_SIZE}")
    ordered = sorted(rows, key=lambda r: r.pk, reverse=reverse)
    if after:
        after_id = _decode(after)[0]
        ordered = [r for r in ordered if (r.pk < after_id if reverse else r.pk > after_id)]
    if before:
        before_id = _decode(before)[0]
        ordered = [r for r in ordered if (r.pk > before_id if reverse else r.pk < before_id)]
    total = len(ordered)
    if unbounded and first is None and last is None:
        page = ordered
    elif last is not None:
        page = ordered[-last:] if last else []
    else:
        page = ordered[:first]
    edges = [
        {
            "__typename": f"{typename}Edge",
            "cursor": partial(_encode, r.pk, r.pk),
            "node": present(r),
        }
        for r in page
    ]
    return {
        "__typename": f"{typename}Connection",
        "edges": edges,
        "nodes": [e["node"] for e in edges],
        "pageInfo": {
            "__typename": "PageInfo",
            "hasNextPage": last is None and len(page) < total,
            "hasPreviousPage": bool(after) or (last is not None and len(page) < total),
            "startCursor": _encode(page[0].pk, page[0].pk) if page else None,
            "endCursor": _encode(page[-1].pk, page[-1].pk) if page else None,
        },
    }
