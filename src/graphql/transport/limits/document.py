"""Static limits on a GraphQL document (docs/security.md "API limits and query cost", ADR
0014). They depend on the document text alone, so the verdict is cached with the parsed and
validated document:

- at most ``max_tokens`` tokens (comments included), counted while parsing;
- validation, with introspection refused and "Did you mean …" suggestions hidden when the
  limits say so (production);
- every operation at most ``max_depth`` fields deep and with at most ``max_aliases``
  aliases, fragments followed (a fragment spread twice counts twice). Introspection fields
  are not measured: tools need deep type references, and production refuses them anyway.
"""

from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSchema,
    GraphQLSyntaxError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationRule,
    get_named_type,
    is_introspection_type,
    parse,
    specified_rules,
    validate,
)

from ....domain.shared.errors import DomainError

INTROSPECTION_FIELDS = frozenset({"__schema", "__type"})


class QueryTooDeep(DomainError):
    code = "QUERY_TOO_DEEP"


class TooManyAliases(DomainError):
    code = "TOO_MANY_ALIASES"


class TooManyTokens(DomainError):
    code = "TOO_MANY_TOKENS"


class IntrospectionDisabled(DomainError):
    code = "INTROSPECTION_DISABLED"
    default_message = "introspection is disabled on this server"


@dataclass(frozen=True, slots=True)
class DocumentLimits:
    max_depth: int = 12
    max_aliases: int = 30
    max_tokens: int = 5000
    introspection: bool = True
    suggestions: bool = True


class NoIntrospection(ValidationRule):
    """Refuse ``__schema`` and ``__type`` (``__typename`` stays)."""

    def enter_field(self, node: FieldNode, *_args: Any) -> None:
        type_ = get_named_type(self.context.get_type())
        if type_ is not None and is_introspection_type(type_):
            refusal = IntrospectionDisabled()
            self.report_error(GraphQLError(refusal.message, node, original_error=refusal))


@dataclass(frozen=True, slots=True)
class _Size:
    depth: int
    aliases: int


class _Measure:
    """Depth and aliases of selection sets; each fragment is measured once."""

    def __init__(self, fragments: dict[str, FragmentDefinitionNode]) -> None:
        self._fragments = fragments
        self._known: dict[str, _Size] = {}

    def fragment(self, name: str) -> _Size:
        if name not in self._known:
            self._known[name] = self.selections(self._fragments[name].selection_set)
        return self._known[name]

    def selections(self, selection_set: SelectionSetNode) -> _Size:
        depth = aliases = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                below = (
                    self.selections(selection.selection_set)
                    if selection.selection_set and selection.name.value not in INTROSPECTION_FIELDS
                    else _Size(0, 0)
                )
                size = _Size(below.depth + 1, below.aliases + (selection.alias is not None))
            elif isinstance(selection, InlineFragmentNode):
                size = self.selections(selection.selection_set)
            else:
                assert isinstance(selection, FragmentSpreadNode)
                size = self.fragment(selection.name.value)
            depth, aliases = max(depth, size.depth), aliases + size.aliases
        return _Size(depth, aliases)


def _sizes(document: DocumentNode, limits: DocumentLimits) -> list[GraphQLError]:
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    measure = _Measure(fragments)
    errors = []
    for operation in document.definitions:
        if not isinstance(operation, OperationDefinitionNode):
            continue
        size = measure.selections(operation.selection_set)
        if size.depth > limits.max_depth:
            refusal: DomainError = QueryTooDeep(
                f"the operation is {size.depth} fields deep; at most {limits.max_depth} allowed"
            )
            errors.append(GraphQLError(refusal.message, operation, original_error=refusal))
        if size.aliases > limits.max_aliases:
            refusal = TooManyAliases(
                f"the operation has {size.aliases} aliases; at most {limits.max_aliases} allowed"
            )
            errors.append(GraphQLError(refusal.message, operation, original_error=refusal))
    return errors


def _parse(query: str, max_tokens: int) -> DocumentNode:
    try:
        return parse(query, max_tokens=max_tokens)
    except GraphQLSyntaxError as error:
        if not error.message.endswith(f"more than {max_tokens} tokens. Parsing aborted."):
            raise
        refusal = TooManyTokens(f"the document has more than {max_tokens} tokens")
        raise GraphQLError(
            refusal.message,
            source=error.source,
            positions=error.positions,
            original_error=refusal,
        ) from None


def checked_document(
    schema: GraphQLSchema, limits: DocumentLimits, query: str
) -> tuple[DocumentNode | None, list[GraphQLError]]:
    """The document, or the errors that keep it from running: syntax, token limit, validation,
    depth and aliases."""
    try:
        document = _parse(query, limits.max_tokens)
    except GraphQLError as error:
        return None, [error]
    rules = specified_rules if limits.introspection else (*specified_rules, NoIntrospection)
    errors = validate(schema, document, rules, hide_suggestions=not limits.suggestions)
    errors = errors or _sizes(document, limits)
    return (None, errors) if errors else (document, [])
