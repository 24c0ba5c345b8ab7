"""Query cost and the leaky bucket, as Shopify's Admin API computes them (platform doc §10).

Requested cost is static: scalars and enums 0, objects 1, a connection 2 plus ``first``
(or ``last``) times the cost of one node, a mutation field 10, interfaces and unions the most
expensive of their type-conditioned selections. Actual cost uses what was returned: the
number of nodes a connection really had. The request is charged its requested cost up front
and refunded the difference afterwards; the bucket refills at ``restoreRate`` per second of
devshop's clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLList,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_leaf_type,
    value_from_ast_untyped,
)

from devshop import clock
from devshop.models import DevAppInstallation

MUTATION_COST = 10
CONNECTION_BASE_COST = 2
MAX_SINGLE_QUERY_COST = 1000


def _is_connection(type_: Any) -> bool:
    return (
        isinstance(type_, GraphQLObjectType)
        and type_.name.endswith("Connection")
        and "pageInfo" in type_.fields
    )


class _Walker:
    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: dict[str, FragmentDefinitionNode],
        variables: dict[str, Any],
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables

    def _arg(self, node: FieldNode, name: str) -> Any:
        for argument in node.arguments or ():
            if argument.name.value == name:
                if isinstance(argument.value, VariableNode):
                    return self.variables.get(argument.value.name.value)
                return value_from_ast_untyped(argument.value, self.variables)
        return None

    def _page_size(self, node: FieldNode) -> int:
        size = self._arg(node, "first") or self._arg(node, "last")
        return size if isinstance(size, int) and size > 0 else 0

    def _groups(self, selection_set: SelectionSetNode, parent: Any) -> list[list[FieldNode]]:
        """Fields that always apply (group 0) and one group per other type condition."""
        always: list[FieldNode] = []
        conditional: dict[str, list[FieldNode]] = {}

        def collect(selections: SelectionSetNode, condition: str | None) -> None:
            for selection in selections.selections:
                if isinstance(selection, FieldNode):
                    if condition is None or condition == getattr(parent, "name", None):
                        always.append(selection)
                    else:
                        conditional.setdefault(condition, []).append(selection)
                    continue
                if isinstance(selection, InlineFragmentNode):
                    inner = (
                        selection.type_condition.name.value if selection.type_condition else None
                    )
                    collect(selection.selection_set, inner or condition)
                elif isinstance(selection, FragmentSpreadNode):
                    fragment = self.fragments.get(selection.name.value)
                    if fragment is not None:
                        collect(fragment.selection_set, fragment.type_condition.name.value)

        collect(selection_set, None)
        return [always, *conditional.values()]

    def requested(self, selection_set: SelectionSetNode | None, parent: Any) -> int:
        if selection_set is None:
            return 0
        groups = self._groups(selection_set, parent)
        always = sum(self._field_requested(f, parent) for f in groups[0])
        conditional = max((self._group_requested(g) for g in groups[1:]), default=0)
        return always + conditional

    def _group_requested(self, fields: list[FieldNode]) -> int:
        return sum(self._field_requested(f, None) for f in fields)

    def _lookup(self, parent: Any, field: FieldNode) -> Any:
        fields = getattr(parent, "fields", None)
        if fields and field.name.value in fields:
            return fields[field.name.value].type
        return self._any_type_field(field.name.value)

    def _any_type_field(self, name: str) -> Any:
        for type_ in self.schema.type_map.values():
            fields = getattr(type_, "fields", None)
            if isinstance(type_, GraphQLObjectType) and fields and name in fields:
                return fields[name].type
        return None

    def _field_requested(self, field: FieldNode, parent: Any) -> int:
        if field.name.value.startswith("__"):
            return 0
        field_type = self._lookup(parent, field)
        if field_type is None:
            return 0
        named = get_named_type(field_type)
        if is_leaf_type(named):
            return 0
        if _is_connection(named):
            return CONNECTION_BASE_COST + self._page_size(field) * self._node_cost(field, named)
        if named.name == "PageInfo":
            return 0
        inner = self.requested(field.selection_set, named)
        if isinstance(get_nullable_type(field_type), GraphQLList):
            return max(self._page_size(field), 1) * (1 + inner)
        return 1 + inner

    def _node_cost(self, field: FieldNode, connection: GraphQLObjectType) -> int:
        """The cost of one node of a connection (``edges { node }`` and/or ``nodes``)."""
        node_type = (
            get_named_type(connection.fields["nodes"].type)
            if "nodes" in connection.fields
            else None
        )
        cost = 0
        for selection in (
            self._groups(field.selection_set, connection)[0] if field.selection_set else []
        ):
            if selection.name.value == "nodes":
                cost += 1 + self.requested(selection.selection_set, node_type)
            elif selection.name.value == "edges" and selection.selection_set:
                for edge_field in self._groups(selection.selection_set, None)[0]:
                    if edge_field.name.value == "node":
                        cost += 1 + self.requested(edge_field.selection_set, node_type)
        return cost

    def actual(self, selection_set: SelectionSetNode | None, parent: Any, data: Any) -> int:
        if selection_set is None or not isinstance(data, dict):
            return 0
        total = 0
        seen: set[str] = set()
        for group in self._groups(selection_set, parent):
            for field in group:
                key = field.alias.value if field.alias else field.name.value
                if key in seen or key not in data:
                    continue
                seen.add(key)
                total += self._field_actual(field, parent, data[key])
        return total

    def _field_actual(self, field: FieldNode, parent: Any, value: Any) -> int:
        if field.name.value.startswith("__"):
            return 0
        field_type = self._lookup(parent, field)
        if field_type is None:
            return 0
        named = get_named_type(field_type)
        if is_leaf_type(named) or named.name == "PageInfo":
            return 0
        if _is_connection(named):
            return CONNECTION_BASE_COST + self._nodes_actual(field, named, value)
        if isinstance(value, list):
            return sum(1 + self.actual(field.selection_set, named, item) for item in value)
        return 1 + self.actual(field.selection_set, named, value)

    def _nodes_actual(self, field: FieldNode, connection: GraphQLObjectType, value: Any) -> int:
        if not isinstance(value, dict) or field.selection_set is None:
            return 0
        node_type = get_named_type(connection.fields["nodes"].type)
        total = 0
        for selection in self._groups(field.selection_set, connection)[0]:
            key = selection.alias.value if selection.alias else selection.name.value
            items = value.get(key) or []
            if selection.name.value == "nodes":
                total += sum(1 + self.actual(selection.selection_set, node_type, n) for n in items)
            elif selection.name.value == "edges" and selection.selection_set:
                for edge_field in self._groups(selection.selection_set, None)[0]:
                    node_key = edge_field.alias.value if edge_field.alias else edge_field.name.value
                    if edge_field.name.value == "node":
                        total += sum(
                            1 + self.actual(edge_field.selection_set, node_type, edge.get(node_key))
                            for edge in items
                        )
        return total


def _fragments(document: Any) -> dict[str, FragmentDefinitionNode]:
    return {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}


def requested_cost(
    schema: GraphQLSchema,
    document: Any,
    operation: OperationDefinitionNode,
    variables: dict[str, Any],
) -> int:
    walker = _Walker(schema, _fragments(document), variables)
    if operation.operation.value == "mutation":
        return MUTATION_COST * sum(
            1 for s in operation.selection_set.selections if isinstance(s, FieldNode)
        )
    return walker.requested(operation.selection_set, schema.query_type)


def actual_cost(
    schema: GraphQLSchema,
    document: Any,
    operation: OperationDefinitionNode,
    variables: dict[str, Any],
    data: Any,
) -> int:
    walker = _Walker(schema, _fragments(document), variables)
    if operation.operation.value == "mutation":
        return MUTATION_COST * sum(
            1 for s in operation.selection_set.selections if isinstance(s, FieldNode)
        )
    return walker.actual(operation.selection_set, schema.query_type, data)


@dataclass
class ThrottleStatus:
    maximum_available: float
    currently_available: float
    restore_rate: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "maximumAvailable": self.maximum_available,
            "currentlyAvailable": int(self.currently_available),
            "restoreRate": self.restore_rate,
        }


@transaction.atomic
def bucket_take(*, installation: DevAppInstallation, cost: int) -> tuple[bool, ThrottleStatus]:
    """Charge ``cost`` points if the bucket has them; (False, status) when throttled.

    The installation row is locked so concurrent requests see each other's charges.
    """
    row = (
        DevAppInstallation.objects.select_for_update()
        .select_related("shop")
        .get(pk=installation.pk)
    )
    maximum = row.shop.throttle_maximum
    rate = row.shop.throttle_restore_rate
    now = clock.now()
    available = maximum if row.bucket_available is None else row.bucket_available
    if row.bucket_updated_at is not None:
        elapsed = max((now - row.bucket_updated_at).total_seconds(), 0.0)
        available = min(maximum, available + elapsed * rate)
    allowed = cost <= available
    if allowed:
        available -= cost
    row.bucket_available = available
    row.bucket_updated_at = now
    row.save(update_fields=["bucket_available", "bucket_updated_at"])
    return allowed, ThrottleStatus(maximum, available, rate)


@transaction.atomic
def bucket_refund(*, installation: DevAppInstallation, points: int) -> ThrottleStatus:
    """Give back what a request was charged beyond its actual cost."""
    row = (
        DevAppInstallation.objects.select_for_update()
        .select_related("shop")
        .get(pk=installation.pk)
    )
    maximum = row.shop.throttle_maximum
    available = min(maximum, (row.bucket_available or 0.0) + max(points, 0))
    row.bucket_available = available
    row.save(update_fields=["bucket_available"])
    return ThrottleStatus(maximum, available, row.shop.throttle_restore_rate)
