"""Run one Admin GraphQL request: parse, validate, cost, throttle, execute, refund.

The answer is always Shopify's shape: ``{"data", "errors", "extensions": {"cost"}}`` with
HTTP 200 (the view handles the 401 of a bad token before this runs).
"""

from __future__ import annotations

from typing import Any

from graphql import (
    GraphQLError,
    GraphQLResolveInfo,
    OperationDefinitionNode,
    execute,
    get_operation_ast,
    parse,
)

from devshop.graphql import cost
from devshop.graphql.errors import THROTTLED_DOCS, syntax_error, validation_errors
from devshop.graphql.resolvers import MUTATION, QUERY, Context
from devshop.graphql.schema import admin_schema


def not_implemented(type_name: str, field_name: str) -> GraphQLError:
    return GraphQLError(
        f"devshop does not implement {type_name}.{field_name}",
        extensions={"code": "DEVSHOP_NOT_IMPLEMENTED"},
    )


def resolve_field(source: Any, info: GraphQLResolveInfo, **args: Any) -> Any:
    """Root fields dispatch to ``QUERY``/``MUTATION``; below, presenter dicts are read.

    A key missing from a presenter dict is a field devshop does not implement: that is an
    error, never a made-up null.
    """
    if source is None:
        table = MUTATION if info.operation.operation.value == "mutation" else QUERY
        handler = table.get(info.field_name)
        if handler is None:
            raise not_implemented(info.parent_type.name, info.field_name)
        return handler(info.context, **args)
    if not isinstance(source, dict) or info.field_name not in source:
        raise not_implemented(info.parent_type.name, info.field_name)
    value = source[info.field_name]
    return value(**args) if callable(value) else value


def resolve_type(value: Any, info: GraphQLResolveInfo, abstract_type: Any) -> str | None:
    return value.get("__typename") if isinstance(value, dict) else None


def run_document(
    ctx: Context, document: Any, variables: dict[str, Any], operation_name: str | None
):
    """Execute an already validated document (bulk operations reuse this)."""
    return execute(
        admin_schema(),
        document,
        context_value=ctx,
        variable_values=variables,
        operation_name=operation_name,
        field_resolver=resolve_field,
        type_resolver=resolve_type,
    )


def handle(ctx: Context, body: Any) -> dict[str, Any]:
    """Answer one request body (``{query, variables, operationName}``)."""
    if not isinstance(body, dict):
        return {"errors": [{"message": "Invalid request body: expected a JSON object"}]}
    query = body.get("query")
    variables = body.get("variables") or {}
    operation_name = body.get("operationName")
    if not query or not isinstance(query, str):
        return {"errors": [{"message": "No query string was present"}]}
    if not isinstance(variables, dict):
        return {"errors": [{"message": "Variables must be a JSON object"}]}
    schema = admin_schema()
    try:
        document = parse(query)
    except GraphQLError as exc:
        return {"errors": [syntax_error(exc, query)]}
    errors = validation_errors(schema, document)
    if errors:
        return {"errors": errors}
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        message = (
            f'No operation named "{operation_name}"'
            if operation_name
            else "An operation name is required"
        )
        return {"errors": [{"message": message}]}
    return _charged(ctx, schema, document, operation, variables, operation_name)


def _charged(ctx, schema, document, operation: OperationDefinitionNode, variables, operation_name):
    requested = cost.requested_cost(schema, document, operation, variables)
    if requested > cost.MAX_SINGLE_QUERY_COST:
        return {
            "errors": [
                {
                    "message": (
                        f"Query cost is {requested}, which exceeds the single query max cost "
                        f"limit ({cost.MAX_SINGLE_QUERY_COST}).\n\nSee "
                        "https://shopify.dev/concepts/about-apis/rate-limits for more "
                        "information on how the\ncost of a query is calculated.\n\nTo query "
                        "larger amounts of data with fewer limits, bulk operations should be "
                        "used instead.\nSee https://shopify.dev/tutorials/perform-bulk-"
                        "operations-with-admin-api for usage details.\n"
                    ),
                    "extensions": {
                        "code": "MAX_COST_EXCEEDED",
                        "cost": requested,
                        "maxCost": cost.MAX_SINGLE_QUERY_COST,
                    },
                }
            ]
        }
    allowed, status = cost.bucket_take(installation=ctx.installation, cost=requested)
    if not allowed:
        return {
            "errors": [
                {
                    "message": "Throttled",
                    "extensions": {"code": "THROTTLED", "documentation": THROTTLED_DOCS},
                }
            ],
            "extensions": {
                "cost": {
                    "requestedQueryCost": requested,
                    "actualQueryCost": None,
                    "throttleStatus": status.as_dict(),
                }
            },
        }
    result = run_document(ctx, document, variables, operation_name)
    actual = min(cost.actual_cost(schema, document, operation, variables, result.data), requested)
    status = cost.bucket_refund(installation=ctx.installation, points=requested - actual)
    response: dict[str, Any] = {}
    if result.errors:
        response["errors"] = [err.formatted for err in result.errors]
    response["data"] = result.data
    response["extensions"] = {
        "cost": {
            "requestedQueryCost": requested,
            "actualQueryCost": actual,
            "throttleStatus": status.as_dict(),
        }
    }
    return response
