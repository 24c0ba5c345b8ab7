"""Shopify's GraphQL error shapes.

Shopify runs graphql-ruby, whose static validation errors read differently from graphql-core's
(``Field 'foo' doesn't exist on type 'QueryRoot'``, ``extensions.code: "undefinedField"``).
devshop validates with graphql-core against the same schema and rewrites each error into
graphql-ruby's message, ``path`` and ``extensions``, so the app sees what Shopify would send.
Rules without a rewrite keep graphql-core's message under the graphql-ruby code of that rule.
"""

from __future__ import annotations

import re
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLSchema,
    InlineFragmentNode,
    Node,
    OperationDefinitionNode,
    SelectionSetNode,
    print_ast,
    specified_rules,
    validate,
)
from graphql.language import ArgumentNode, visit
from graphql.language.visitor import Visitor

THROTTLED_DOCS = "https://shopify.dev/api/usage/rate-limits"


def error(message: str, code: str | None = None, **extensions: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"message": message}
    if code:
        body["extensions"] = {"code": code, **extensions}
    return body


def validation_errors(schema: GraphQLSchema, document: DocumentNode) -> list[dict[str, Any]]:
    """Shopify-shaped errors for ``document``; empty when it is valid.

    Validation runs once with every rule; only on failure is each rule re-run alone, to
    learn which rule produced which error (graphql-core's errors don't say).
    """
    if not validate(schema, document):
        return []
    shaped: list[dict[str, Any]] = []
    for rule in specified_rules:
        for err in validate(schema, document, [rule]):
            shaped.append(_shape(rule.__name__, err, document))
    return shaped


def syntax_error(err: GraphQLError, source: str) -> dict[str, Any]:
    """graphql-ruby's parse error: ``Parse error on "}" (RCURLY) at [1, 12]``."""
    location = err.locations[0] if err.locations else None
    if location is None:
        return {"message": "Parse error"}
    line, column = location.line, location.column
    lines = source.splitlines() or [""]
    text = lines[line - 1][column - 1 :] if line <= len(lines) else ""
    token = _token_at(text)
    if token is None:
        message = "Unexpected end of document"
    else:
        message = f'Parse error on "{token[0]}" ({token[1]}) at [{line}, {column}]'
    return {"message": message, "locations": [{"line": line, "column": column}]}


_PUNCTUATORS = {
    "{": "LCURLY",
    "}": "RCURLY",
    "(": "LPAREN",
    ")": "RPAREN",
    "[": "LBRACKET",
    "]": "RBRACKET",
    ":": "COLON",
    "$": "VAR_SIGN",
    "!": "BANG",
    "=": "EQUALS",
    "@": "DIR_SIGN",
    "|": "PIPE",
    "&": "AMP",
}
_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]*")
_NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][+-]?\d+)?")


def _token_at(text: str) -> tuple[str, str] | None:
    text = text.lstrip(" \t,")
    if not text:
        return None
    if text.startswith("..."):
        return "...", "ELLIPSIS"
    if text[0] in _PUNCTUATORS:
        return text[0], _PUNCTUATORS[text[0]]
    if text[0] == '"':
        end = text.find('"', 1)
        return text[: end + 1 if end > 0 else len(text)], "STRING"
    if match := _NAME.match(text):
        return match.group(0), "IDENTIFIER"
    if match := _NUMBER.match(text):
        return match.group(0), "FLOAT" if "." in match.group(0) else "INT"
    return text[0], "UNKNOWN_CHAR"


# graphql-core rule → graphql-ruby code, for the rules whose message is kept as is.
_CODES = {
    "ExecutableDefinitionsRule": "definitionNotExecutable",
    "UniqueOperationNamesRule": "uniquelyNamedOperations",
    "LoneAnonymousOperationRule": "anonymousOperationNotAlone",
    "SingleFieldSubscriptionsRule": "notSingleSubscription",
    "KnownTypeNamesRule": "undefinedType",
    "FragmentsOnCompositeTypesRule": "fragmentOnNonCompositeType",
    "VariablesAreInputTypesRule": "variableRequiresValidType",
    "UniqueFragmentNamesRule": "fragmentNotUnique",
    "PossibleFragmentSpreadsRule": "cannotSpreadFragment",
    "NoFragmentCyclesRule": "infiniteLoop",
    "UniqueVariableNamesRule": "variableNotUnique",
    "KnownDirectivesRule": "undefinedDirective",
    "UniqueDirectivesPerLocationRule": "directiveNotUniqueForLocation",
    "UniqueArgumentNamesRule": "argumentNotUnique",
    "ValuesOfCorrectTypeRule": "argumentLiteralsIncompatible",
    "VariablesInAllowedPositionRule": "variableMismatch",
    "OverlappingFieldsCanBeMergedRule": "fieldConflict",
    "UniqueInputFieldNamesRule": "inputFieldNotUnique",
}


def _shape(rule: str, err: GraphQLError, document: DocumentNode) -> dict[str, Any]:
    message = err.message
    node = err.nodes[0] if err.nodes else None
    extensions: dict[str, Any] = {}
    if rule == "FieldsOnCorrectTypeRule" and (
        m := re.match(r"Cannot query field '([^']+)' on type '([^']+)'", message)
    ):
        field, type_name = m.groups()
        message = f"Field '{field}' doesn't exist on type '{type_name}'"
        extensions = {"code": "undefinedField", "typeName": type_name, "fieldName": field}
    elif rule == "KnownArgumentNamesRule" and (
        m := re.match(r"Unknown argument '([^']+)' on (field|directive) '@?([^']+)'", message)
    ):
        argument, kind, owner = m.groups()
        owner = owner.rsplit(".", 1)[-1]
        label = "Field" if kind == "field" else "Directive"
        message = f"{label} '{owner}' doesn't accept argument '{argument}'"
        extensions = {
            "code": "argumentNotAccepted",
            "name": owner,
            "typeName": label,
            "argumentName": argument,
        }
    elif rule == "ProvidedRequiredArgumentsRule" and (
        m := re.match(r"(Field|Directive) '@?([^']+)' argument '([^']+)'", message)
    ):
        kind, owner, argument = m.groups()
        message = f"{kind} '{owner}' is missing required arguments: {argument}"
        extensions = {
            "code": "missingRequiredArguments",
            "className": kind,
            "name": owner,
            "arguments": argument,
        }
    elif rule == "ScalarLeafsRule" and (
        m := re.match(r"Field '([^']+)' of type '([^']+)' must have a selection", message)
    ):
        field, type_name = m.groups()
        message = (
            f"Field must have selections (field '{field}' returns {type_name} but has no "
            f"selections. Did you mean '{field} {{ ... }}'?)"
        )
        extensions = {"code": "selectionMismatch", "nodeName": f"field '{field}'"}
    elif rule == "ScalarLeafsRule" and (
        m := re.match(r"Field '([^']+)' must not have a selection since type '([^']+)'", message)
    ):
        field, type_name = m.groups()
        selections = _selection_names(node)
        message = (
            f"Selections can't be made on scalars (field '{field}' returns {type_name} but has "
            f"selections [{', '.join(selections)}])"
        )
        extensions = {"code": "selectionMismatch", "nodeName": f"field '{field}'"}
    elif rule == "NoUnusedVariablesRule" and (m := re.match(r"Variable '\$([^']+)'", message)):
        name = m.group(1)
        message = f"Variable ${name} is declared by {_operation_label(document, node)} but not used"
        extensions = {"code": "variableNotUsed", "variableName": name}
    elif rule == "NoUndefinedVariablesRule" and (m := re.match(r"Variable '\$([^']+)'", message)):
        name = m.group(1)
        message = f"Variable ${name} is used by {_operation_label(document, node)} but not declared"
        extensions = {"code": "variableNotDefined", "variableName": name}
    elif rule == "NoUnusedFragmentsRule" and (m := re.match(r"Fragment '([^']+)'", message)):
        message = f"Fragment {m.group(1)} was defined, but not used"
        extensions = {"code": "useAndDefineFragment", "fragmentName": m.group(1)}
    elif rule == "KnownFragmentNamesRule" and (
        m := re.match(r"Unknown fragment '([^']+)'", message)
    ):
        message = f"Fragment {m.group(1)} was used, but not defined"
        extensions = {"code": "useAndDefineFragment", "fragmentName": m.group(1)}
    elif rule == "VariablesInAllowedPositionRule" and (
        m := re.match(
            r"Variable '\$([^']+)' of type '([^']+)' used in position expecting type '([^']+)'",
            message,
        )
    ):
        name, given, expected = m.groups()
        argument = _argument_of(document, err.nodes[-1] if err.nodes else None)
        kind = "Nullability" if given.rstrip("!") == expected.rstrip("!") else "Type"
        message = (
            f"{kind} mismatch on variable ${name} and argument {argument} ({given} / {expected})"
        )
        extensions = {
            "code": "variableMismatch",
            "variableName": name,
            "typeName": given,
            "argumentName": argument,
            "errorMessage": f"{kind} mismatch",
        }
    elif rule == "ValuesOfCorrectTypeRule" and node is not None:
        argument = _argument_of(document, node)
        field = next((p for p in reversed(_path_to(document, node)) if " " not in p), "?")
        expected = re.search(
            r"Expected value of type '([^']+)'|^(\w+) cannot represent|in '([^']+)' enum", message
        )
        type_name = next((g for g in expected.groups() if g), "?") if expected else "?"
        message = (
            f"Argument '{argument}' on Field '{field}' has an invalid value "
            f"({print_ast(node)}). Expected type '{type_name}'."
        )
        extensions = {
            "code": "argumentLiteralsIncompatible",
            "typeName": "Field",
            "argumentName": argument,
        }
    else:
        extensions = {"code": _CODES.get(rule, rule.removesuffix("Rule"))}
    shaped: dict[str, Any] = {"message": message}
    if err.locations:
        shaped["locations"] = [{"line": loc.line, "column": loc.column} for loc in err.locations]
    if node is not None and (path := _path_to(document, node)):
        shaped["path"] = path
    shaped["extensions"] = extensions
    return shaped


def _selection_names(node: Node | None) -> list[str]:
    # graphql-core reports the offending selection set itself.
    selection_set = node.selection_set if isinstance(node, FieldNode) else node
    if not isinstance(selection_set, SelectionSetNode):
        return []
    return [s.name.value for s in selection_set.selections if isinstance(s, FieldNode)]


def _operation_label(document: DocumentNode, node: Node | None) -> str:
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode) and _contains(definition, node):
            if definition.name:
                return definition.name.value
            return f"anonymous {definition.operation.value}"
    return "anonymous query"


def _contains(outer: Node, inner: Node | None) -> bool:
    if inner is None or outer.loc is None or inner.loc is None:
        return False
    return outer.loc.start <= inner.loc.start and inner.loc.end <= outer.loc.end


def _argument_of(document: DocumentNode, variable: Node | None) -> str:
    """The argument (or input field) a variable usage sits in."""
    found: list[str] = []

    class _Finder(Visitor):
        def enter_argument(self, node: ArgumentNode, *_args: Any) -> None:
            if _contains(node.value, variable):
                found.append(node.name.value)

    visit(document, _Finder())
    return found[-1] if found else "?"


def _path_to(document: DocumentNode, target: Node) -> list[str]:
    """graphql-ruby's error ``path``: the operation, then field names down to ``target``."""
    for definition in document.definitions:
        if not _contains(definition, target):
            continue
        if isinstance(definition, OperationDefinitionNode):
            head = definition.operation.value
            if definition.name:
                head = f"{head} {definition.name.value}"
        elif isinstance(definition, FragmentDefinitionNode):
            head = f"fragment {definition.name.value}"
        else:
            return []
        path = [head]
        selection_set = getattr(definition, "selection_set", None)
        while selection_set is not None:
            step = next((s for s in selection_set.selections if _contains(s, target)), None)
            if step is None:
                break
            if isinstance(step, FieldNode):
                path.append(step.name.value)
            elif isinstance(step, InlineFragmentNode) and step.type_condition:
                path.append(f"... on {step.type_condition.name.value}")
            if step is target:
                break
            selection_set = getattr(step, "selection_set", None)
        return path
    return []
