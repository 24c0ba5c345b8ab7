"""A query's selection set compiled once into plain functions over presenter dicts.

Bulk operations answer one query for every object of a shop: graphql-core's ``execute`` costs
a few microseconds per field per object (resolver dispatch, awaitable checks, path tracking),
which made devshop need minutes for a 100k-object export. A bulk query is already validated
against the schema when the operation is created, so its selection set is compiled here, once,
into a tree of small functions that read the same presenter dicts the executor reads and
produce what ``execute`` would: the selected fields only, under their aliases, in selection
order, leaf values serialised by the schema's own types, ``__typename`` from the runtime type.

Rules kept from the executor (``devshop.graphql.executor.resolve_field``): a key missing from
a presenter dict is a field devshop does not implement (an error, never a made-up null); a
callable value is called with the field's coerced arguments. A null for a non-null field is an
error (the executor would turn it into one too). Fragments, inline fragments on abstract types
and ``@skip``/``@include`` are collected by graphql-core's own ``collect_fields``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLObjectType,
    GraphQLSchema,
    get_named_type,
    get_nullable_type,
    is_abstract_type,
    is_leaf_type,
    is_list_type,
    is_non_null_type,
)
from graphql.execution.collect_fields import collect_sub_fields
from graphql.execution.values import get_argument_values

Project = Callable[[Any], Any]
# (response key, field name or None for __typename, arguments, how to complete the value)
_Field = tuple[str, str | None, dict[str, Any], Project]


def is_connection(type_: Any) -> bool:
    fields = getattr(type_, "fields", None) or {}
    return bool(fields) and type_.name.endswith("Connection") and "pageInfo" in fields


def not_implemented(type_name: str, field_name: str) -> GraphQLError:
    return GraphQLError(
        f"devshop does not implement {type_name}.{field_name}",
        extensions={"code": "DEVSHOP_NOT_IMPLEMENTED"},
    )


class Projector:
    """Compiles the selections of one document (bulk queries have no variables)."""

    def __init__(self, schema: GraphQLSchema, fragments: dict[str, FragmentDefinitionNode]):
        self.schema = schema
        self.fragments = fragments

    def collect(self, parent: GraphQLObjectType, field_nodes: list[FieldNode]):
        """The sub-selection of ``field_nodes`` on ``parent``: {response key: field nodes}."""
        return collect_sub_fields(self.schema, self.fragments, {}, parent, field_nodes)

    def field(self, parent: GraphQLObjectType, key: str, nodes: list[FieldNode]) -> _Field:
        name = nodes[0].name.value
        if name == "__typename":
            return (key, None, {}, _constant(parent.name))
        definition = parent.fields[name]
        arguments = get_argument_values(definition, nodes[0], {})
        return (key, name, arguments, self.completer(definition.type, nodes, parent.name, name))

    def object(self, type_: GraphQLObjectType, field_nodes: list[FieldNode]) -> Project:
        """A function from a presenter dict of ``type_`` to its selected fields' values."""
        fields = [
            self.field(type_, key, nodes) for key, nodes in self.collect(type_, field_nodes).items()
        ]
        return _projection(type_.name, fields)

    def completer(
        self, type_: Any, field_nodes: list[FieldNode], parent_name: str, name: str
    ) -> Project:
        if is_non_null_type(type_) and is_leaf_type(get_nullable_type(type_)):
            # The commonest field (a non-null scalar or enum): one call instead of two.
            serialize = get_nullable_type(type_).serialize

            def non_null_leaf(value: Any) -> Any:
                if value is None:
                    raise GraphQLError(
                        f"Cannot return null for non-nullable field {parent_name}.{name}."
                    )
                return serialize(value)

            return non_null_leaf
        if is_non_null_type(type_):
            inner = self.completer(get_nullable_type(type_), field_nodes, parent_name, name)

            def non_null(value: Any) -> Any:
                if value is None:
                    raise GraphQLError(
                        f"Cannot return null for non-nullable field {parent_name}.{name}."
                    )
                return inner(value)

            return non_null
        if is_list_type(type_):
            item = self.completer(type_.of_type, field_nodes, parent_name, name)
            return lambda value: None if value is None else [item(v) for v in value]
        if is_leaf_type(type_):
            serialize = type_.serialize
            return lambda value: None if value is None else serialize(value)
        if is_abstract_type(type_):
            return self._abstract(type_, field_nodes, f"{parent_name}.{name}")
        project = self.object(type_, field_nodes)
        return lambda value: None if value is None else project(value)

    def _abstract(self, type_: Any, field_nodes: list[FieldNode], where: str) -> Project:
        by_type: dict[str, Project] = {}

        def abstract(value: Any) -> Any:
            if value is None:
                return None
            name = value.get("__typename") if isinstance(value, dict) else None
            if not isinstance(name, str):
                raise GraphQLError(f"{where}: devshop presented a {type_.name} without __typename")
            project = by_type.get(name)
            if project is None:
                runtime = self.schema.get_type(name)
                if not isinstance(runtime, GraphQLObjectType) or not self.schema.is_sub_type(
                    type_, runtime
                ):
                    raise GraphQLError(f"{where}: no object type of {type_.name} named {name!r}")
                project = by_type[name] = self.object(runtime, field_nodes)
            return project(value)

        return abstract

    def connection_nodes(
        self, connection_type: GraphQLObjectType, field_nodes: list[FieldNode]
    ) -> tuple[GraphQLObjectType, list[FieldNode]]:
        """A connection's node type and every field node selecting a node (``nodes`` and
        ``edges.node``): their selections are merged, as a bulk line holds the node once."""
        node_type = get_named_type(connection_type.fields["nodes"].type)
        chosen: list[FieldNode] = []
        for nodes in self.collect(connection_type, field_nodes).values():
            if nodes[0].name.value == "nodes":
                chosen += nodes
            elif nodes[0].name.value == "edges":
                edge_type = get_named_type(connection_type.fields["edges"].type)
                for edge_nodes in self.collect(edge_type, nodes).values():
                    if edge_nodes[0].name.value == "node":
                        chosen += edge_nodes
        return node_type, chosen


def _constant(value: Any) -> Project:
    return lambda _value: value


def _projection(type_name: str, fields: list[_Field]) -> Project:
    def project(source: Any) -> dict[str, Any]:
        if not isinstance(source, dict):
            raise GraphQLError(f"devshop presented {type_name} as {type(source).__name__}")
        out = {}
        for key, name, arguments, complete in fields:
            if name is None:
                out[key] = complete(None)
                continue
            try:
                value = source[name]
            except KeyError:
                raise not_implemented(type_name, name) from None
            out[key] = complete(value(**arguments) if callable(value) else value)
        return out

    return project


def _page_nodes(page: dict[str, Any]) -> list[dict[str, Any]]:
    if "nodes" in page:
        return page["nodes"]
    return [edge["node"] for edge in page.get("edges", [])]


class BulkNode:
    """How a bulk operation writes one node: its own line of the selected fields, then the
    nodes of each connection selected on it as lines of their own with ``__parentId``."""

    def __init__(
        self, projector: Projector, type_: GraphQLObjectType, field_nodes: list[FieldNode]
    ):
        own: list[_Field] = []
        self.children: list[tuple[str, dict[str, Any], BulkNode]] = []
        for key, nodes in projector.collect(type_, field_nodes).items():
            name = nodes[0].name.value
            definition = type_.fields.get(name)
            field_type = get_named_type(definition.type) if definition else None
            if (
                definition is not None
                and isinstance(field_type, GraphQLObjectType)
                and is_connection(field_type)
            ):
                child_type, child_nodes = projector.connection_nodes(field_type, nodes)
                arguments = get_argument_values(definition, nodes[0], {})
                self.children.append(
                    (name, arguments, BulkNode(projector, child_type, child_nodes))
                )
            else:
                own.append(projector.field(type_, key, nodes))
        self.type_name = type_.name
        self.project = _projection(type_.name, own)

    def lines(
        self, source: dict[str, Any], parent_id: str | None = None
    ) -> Iterator[dict[str, Any]]:
        line = self.project(source)
        if parent_id is not None:
            line["__parentId"] = parent_id
        yield line
        for name, arguments, child in self.children:
            if name not in source:
                raise not_implemented(self.type_name, name)
            value = source[name]
            page = value(**arguments) if callable(value) else value
            for node in _page_nodes(page or {}):
                yield from child.lines(node, source.get("id"))
