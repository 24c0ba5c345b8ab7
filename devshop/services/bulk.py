"""Bulk query operations: validate, run to a JSONL file in Shopify's format, finish.

Lifecycle: CREATED → RUNNING → COMPLETED (or FAILED). Standalone devshop runs each operation
in a background thread right after it is created (``conf.bulk_autorun``). In tests nothing
runs by itself: each poll (``bulkOperation``, ``node``, ``currentBulkOperation``) moves the
operation one step, or ``bulk_operation_run`` finishes it at once.

The result file has one JSON object per line. Objects of a nested connection are lines of
their own with ``"__parentId"`` (the parent's GID), written right after their parent.
"""

from __future__ import annotations

import logging
import threading
import uuid
from typing import Any

import orjson
from django.db import close_old_connections, transaction
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    get_named_type,
    parse,
)
from graphql.execution.values import get_argument_values

from devshop import clock, conf
from devshop.graphql.projection import BulkNode, Projector, is_connection
from devshop.models import DevBulkOperation, DevSequence, DevShop
from devshop.services.events import emit

logger = logging.getLogger(__name__)

MAX_CONCURRENT = 5  # per shop, since 2026-01
MAX_CONNECTIONS = 5
MAX_NESTING = 2  # the root connection is level 1: customers → orders is as deep as it gets
ROOT_FIELDS = {"customers", "orders"}
# Root objects per page: each page is a few queries (rows, then their children prefetched),
# and a page is held in memory while it is written.
BULK_PAGE_SIZE = 1000
_ACTIVE = (DevBulkOperation.Status.CREATED, DevBulkOperation.Status.RUNNING)


def _fields(selection_set: SelectionSetNode | None, fragments: dict) -> list[FieldNode]:
    if selection_set is None:
        return []
    found: list[FieldNode] = []
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            found.append(selection)
        elif isinstance(selection, InlineFragmentNode):
            found.extend(_fields(selection.selection_set, fragments))
        elif isinstance(selection, FragmentSpreadNode) and selection.name.value in fragments:
            found.extend(_fields(fragments[selection.name.value].selection_set, fragments))
    return found


def _node_selection(field: FieldNode, fragments: dict) -> list[FieldNode]:
    """The fields selected on each node of a connection field (``edges.node`` or ``nodes``)."""
    chosen: list[FieldNode] = []
    for part in _fields(field.selection_set, fragments):
        if part.name.value == "nodes":
            chosen.extend(_fields(part.selection_set, fragments))
        elif part.name.value == "edges":
            for edge_part in _fields(part.selection_set, fragments):
                if edge_part.name.value == "node":
                    chosen.extend(_fields(edge_part.selection_set, fragments))
    return chosen


def _field_type(schema: Any, parent: Any, name: str) -> Any:
    fields = getattr(parent, "fields", None) or {}
    if name in fields:
        return get_named_type(fields[name].type)
    return None


def _connections(schema, parent, fields, fragments, depth) -> list[int]:
    """Depths of every connection under ``fields`` (1 = the root connection)."""
    depths: list[int] = []
    for field in fields:
        type_ = _field_type(schema, parent, field.name.value)
        if is_connection(type_):
            depths.append(depth)
            node_type = get_named_type(type_.fields["nodes"].type)
            depths += _connections(
                schema, node_type, _node_selection(field, fragments), fragments, depth + 1
            )
        elif type_ is not None and getattr(type_, "fields", None):
            depths += _connections(
                schema, type_, _fields(field.selection_set, fragments), fragments, depth
            )
    return depths


def bulk_query_errors(query: str) -> list[tuple[str, str]]:
    """Why Shopify would refuse ``query`` for a bulk operation, as (message, code) pairs."""
    from devshop.graphql.errors import syntax_error, validation_errors
    from devshop.graphql.schema import admin_schema

    schema = admin_schema()
    try:
        document = parse(query)
    except GraphQLError as exc:
        return [(f"Invalid bulk query: {syntax_error(exc, query)['message']}", "INVALID")]
    problems = validation_errors(schema, document)
    if problems:
        return [(f"Invalid bulk query: {p['message']}", "INVALID") for p in problems]
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if len(operations) != 1 or operations[0].operation.value != "query":
        return [("Bulk queries must contain exactly one query operation.", "INVALID")]
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    top = _fields(operations[0].selection_set, fragments)
    depths = _connections(schema, schema.query_type, top, fragments, 1)
    if not depths:
        return [("Bulk queries must contain at least one connection.", "INVALID")]
    if len(depths) > MAX_CONNECTIONS:
        return [
            (f"Bulk queries cannot contain more than {MAX_CONNECTIONS} connections.", "INVALID")
        ]
    if max(depths) > MAX_NESTING:
        return [
            (
                "Bulk queries cannot contain connections with a nesting depth greater than 2.",
                "INVALID",
            )
        ]
    if len(top) != 1 or top[0].name.value not in ROOT_FIELDS:
        names = ", ".join(f.name.value for f in top)
        return [
            (
                f"devshop does not implement bulk queries over {names} "
                f"(only {sorted(ROOT_FIELDS)})",
                "INVALID",
            )
        ]
    return []


def bulk_operation_create(
    *, shop: DevShop, query: str, group_objects: bool
) -> tuple[DevBulkOperation | None, list[tuple[str, str]]]:
    """Start a bulk query; (row, []) or (None, [(message, code)]) as ``userErrors``."""
    errors = bulk_query_errors(query)
    if errors:
        return None, errors
    running = DevBulkOperation.objects.filter(shop=shop, type="QUERY", status__in=_ACTIVE)
    if running.count() >= MAX_CONCURRENT:
        oldest = running.order_by("created_at").first()
        return None, [
            (
                "A bulk query operation for this app and shop is already in progress: "
                f"{oldest.gid if oldest else ''}",
                "LIMIT_REACHED",
            )
        ]
    row = DevBulkOperation.objects.create(
        id=DevSequence.allocate("BulkOperation"),
        shop=shop,
        query=query,
        group_objects=group_objects,
        created_at=clock.now(),
    )
    if conf.bulk_autorun():
        transaction.on_commit(lambda: _start_thread(row.id))
    return row, []


def _start_thread(operation_id: int) -> None:
    def target() -> None:
        try:
            bulk_operation_run(operation=DevBulkOperation.objects.get(pk=operation_id))
        finally:
            close_old_connections()

    threading.Thread(target=target, name=f"bulk-{operation_id}", daemon=True).start()


def bulk_operation_poll(*, operation: DevBulkOperation) -> DevBulkOperation:
    """Advance an operation by one step when no background runner does (see module doc)."""
    if conf.bulk_autorun():
        operation.refresh_from_db()
        return operation
    if operation.status == DevBulkOperation.Status.CREATED:
        DevBulkOperation.objects.filter(
            pk=operation.pk, status=DevBulkOperation.Status.CREATED
        ).update(status=DevBulkOperation.Status.RUNNING, started_at=clock.now())
    elif operation.status == DevBulkOperation.Status.RUNNING:
        bulk_operation_run(operation=operation)
    operation.refresh_from_db()
    return operation


def bulk_operation_run(*, operation: DevBulkOperation) -> DevBulkOperation:
    """Run ``operation`` to the end: write its file, record counts, send ``bulk_operations/finish``.

    Claims the operation with a conditional update, so two runners never both run it; a
    finished operation is returned unchanged.
    """
    DevBulkOperation.objects.filter(pk=operation.pk, status=DevBulkOperation.Status.CREATED).update(
        status=DevBulkOperation.Status.RUNNING, started_at=clock.now()
    )
    # A random file name: result URLs are unguessable (Shopify's are signed), and ids repeat
    # across test runs that share the results directory.
    claimed = DevBulkOperation.objects.filter(
        pk=operation.pk, status=DevBulkOperation.Status.RUNNING, completed_at=None, file_name=""
    ).update(file_name=f"{operation.id}-{uuid.uuid4().hex}.jsonl")
    operation.refresh_from_db()
    if not claimed:
        return operation
    try:
        objects, roots, size = _write_results(operation)
    except GraphQLError as exc:
        logger.warning("bulk operation %s failed: %s", operation.id, exc.message)
        operation.status = DevBulkOperation.Status.FAILED
        operation.error_code = "INTERNAL_SERVER_ERROR"
        objects = roots = 0
        size = None
    else:
        operation.status = DevBulkOperation.Status.COMPLETED
    operation.object_count = objects
    operation.root_object_count = roots
    operation.file_size = size
    operation.completed_at = clock.now()
    operation.save()
    emit(operation.shop, "bulk_operations/finish", operation)
    return operation


def _write_results(operation: DevBulkOperation) -> tuple[int, int, int]:
    """Write the operation's JSONL file; (objects, root objects, bytes).

    The root connection is read page by page through its resolver (scopes, search arguments
    and visibility as for any query); each node is written by the query's compiled projection
    (``devshop.graphql.projection``), not by the executor: same fields, a fraction of the cost.
    """
    # The resolvers import this module: import them at run time.
    from devshop.graphql.resolvers import QUERY, Context
    from devshop.graphql.schema import admin_schema

    schema = admin_schema()
    shop = operation.shop
    installation = shop.installation
    document = parse(operation.query)
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    operation_ast = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    root = _fields(operation_ast.selection_set, fragments)[0]
    assert schema.query_type is not None
    root_definition = schema.query_type.fields[root.name.value]
    projector = Projector(schema, fragments)
    node = BulkNode(
        projector, *projector.connection_nodes(get_named_type(root_definition.type), [root])
    )
    arguments = get_argument_values(root_definition, root, {})
    ctx = Context(
        shop=shop,
        installation=installation,
        scopes=set(installation.scope_list),
        bulk=True,
        bulk_page_size=BULK_PAGE_SIZE,
    )
    path = conf.bulk_results_dir() / operation.file_name
    objects = roots = 0
    with path.open("wb") as out:
        while True:
            page = QUERY[root.name.value](ctx, **arguments)
            for root_node in _page_nodes(page):
                roots += 1
                for line in node.lines(root_node):
                    out.write(orjson.dumps(line) + b"\n")
                    objects += 1
            info = ctx.cache.get("bulk_page_info") or {}
            if not info.get("hasNextPage"):
                break
            ctx.bulk_after = info["endCursor"]
        size = out.tell()
    return objects, roots, size


def _page_nodes(page: dict[str, Any]) -> list[dict[str, Any]]:
    if "nodes" in page:
        return page["nodes"]
    return [edge["node"] for edge in page.get("edges", []) if "node" in edge]
