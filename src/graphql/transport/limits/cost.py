"""The requested cost of an operation, in Shopify's model, computed from the document and the
variables before anything runs (docs/security.md "API limits and query cost", ADR 0014):

- a scalar or enum field costs 0, an object field 1 plus its selections;
- a connection (a type with ``edges`` and ``pageInfo``) costs 2 plus ``first`` (default 20)
  times one item; the item is its node (1) and the node's selections, while edges, cursors
  and page info are part of the 2;
- ``nodes(ids:)`` costs as many objects as it is given ids;
- a mutation field costs 10 plus its selections;
- a selection on an interface or union costs what its most expensive possible type costs;
- a connection whose ``first`` is out of range (0…100), or ``nodes`` with more than 100 ids,
  is refused by its resolver, so it is invalid rather than costed: only its own 2 (or 0);
  a field whose arguments execution will refuse costs 0;
- every request costs at least 1.
"""

from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLCompositeType,
    GraphQLError,
    GraphQLField,
    GraphQLIncludeDirective,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLSkipDirective,
    InlineFragmentNode,
    NamedTypeNode,
    SchemaMetaFieldDef,
    SelectionSetNode,
    TypeMetaFieldDef,
    TypeNameMetaFieldDef,
    get_argument_values,
    get_directive_values,
    get_named_type,
    get_operation_ast,
    get_variable_values,
    is_abstract_type,
    is_composite_type,
)
from graphql.execution.values import VariableValues

from ....domain.shared.pagination import MAX_PAGE_SIZE, PageRequest
from ...schema import MAX_NODES

OBJECT_COST = 1
CONNECTION_COST = 2
MUTATION_COST = 10
MINIMUM_COST = 1


def is_connection(type_: Any) -> bool:
    return isinstance(type_, GraphQLObjectType) and {"edges", "pageInfo"} <= type_.fields.keys()


def _is_free_wrapper(type_: GraphQLCompositeType) -> bool:
    """Edges and page info belong to their connection and cost nothing of their own."""
    return type_.name == "PageInfo" or (
        isinstance(type_, GraphQLObjectType) and {"cursor", "node"} <= type_.fields.keys()
    )


def _field_definition(schema: GraphQLSchema, parent: GraphQLObjectType, name: str) -> GraphQLField:
    if name == "__typename":
        return TypeNameMetaFieldDef
    if parent is schema.query_type and name in ("__schema", "__type"):
        return SchemaMetaFieldDef if name == "__schema" else TypeMetaFieldDef
    field: GraphQLField = parent.fields[name]
    return field


class _Analysis:
    """One walk over one operation with its variables. Costs of a type's selection sets are
    remembered, so a fragment spread many times is costed once."""

    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: dict[str, FragmentDefinitionNode],
        variables: VariableValues,
    ) -> None:
        self._schema = schema
        self._fragments = fragments
        self._variables = variables
        self._known: dict[tuple[str, tuple[int, ...]], int] = {}

    def selections(self, sets: tuple[SelectionSetNode, ...], type_: GraphQLCompositeType) -> int:
        key = (type_.name, tuple(map(id, sets)))
        if key not in self._known:
            objects = self._schema.get_possible_types(type_) if is_abstract_type(type_) else [type_]
            self._known[key] = max(
                (self._object(sets, object_type) for object_type in objects),  # type: ignore[arg-type]
                default=0,
            )
        return self._known[key]

    def _object(self, sets: tuple[SelectionSetNode, ...], object_type: GraphQLObjectType) -> int:
        fields: dict[str, list[FieldNode]] = {}
        visited: set[str] = set()
        for selection_set in sets:
            self._collect(selection_set, object_type, fields, visited)
        return sum(self._field(object_type, nodes) for nodes in fields.values())

    def _collect(
        self,
        selection_set: SelectionSetNode,
        object_type: GraphQLObjectType,
        fields: dict[str, list[FieldNode]],
        visited: set[str],
    ) -> None:
        """The fields that apply to ``object_type``, by response key, as execution would."""
        for selection in selection_set.selections:
            if not self._included(selection):
                continue
            if isinstance(selection, FieldNode):
                key = (selection.alias or selection.name).value
                fields.setdefault(key, []).append(selection)
            elif isinstance(selection, InlineFragmentNode):
                if self._applies(selection.type_condition, object_type):
                    self._collect(selection.selection_set, object_type, fields, visited)
            elif isinstance(selection, FragmentSpreadNode) and selection.name.value not in visited:
                visited.add(selection.name.value)
                fragment = self._fragments[selection.name.value]
                if self._applies(fragment.type_condition, object_type):
                    self._collect(fragment.selection_set, object_type, fields, visited)

    def _included(self, node: Any) -> bool:
        skip = get_directive_values(GraphQLSkipDirective, node, self._variables)
        include = get_directive_values(GraphQLIncludeDirective, node, self._variables)
        return not (skip and skip["if"]) and not (include and not include["if"])

    def _applies(self, condition: NamedTypeNode | None, object_type: GraphQLObjectType) -> bool:
        if condition is None or condition.name.value == object_type.name:
            return True
        type_ = self._schema.get_type(condition.name.value)
        return is_abstract_type(type_) and self._schema.is_sub_type(type_, object_type)

    def _field(self, parent: GraphQLObjectType, nodes: list[FieldNode]) -> int:
        definition = _field_definition(self._schema, parent, nodes[0].name.value)
        type_ = get_named_type(definition.type)
        if not is_composite_type(type_):
            return 0
        sets = tuple(node.selection_set for node in nodes if node.selection_set)
        below = self.selections(sets, type_)
        if parent is self._schema.mutation_type:
            return MUTATION_COST + below
        try:
            arguments = get_argument_values(definition, nodes[0], self._variables)
        except GraphQLError:  # e.g. null from a variable into `first: Int! = 20`
            return 0  # execution refuses the field
        if is_connection(type_):
            first = arguments.get("first", PageRequest().first)
            return CONNECTION_COST + (first * below if 0 <= first <= MAX_PAGE_SIZE else 0)
        count = len(arguments["ids"]) if "ids" in arguments else 1
        unit = 0 if _is_free_wrapper(type_) else OBJECT_COST
        return count * (unit + below) if count <= MAX_NODES else 0


def requested_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: dict[str, Any] | None,
) -> int:
    """The most the operation can cost. An operation that will not run (unknown, or with
    variables that do not fit) costs the minimum."""
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return MINIMUM_COST
    values = get_variable_values(schema, operation.variable_definitions or (), variables or {})
    root = schema.get_root_type(operation.operation)
    if isinstance(values, list) or root is None:
        return MINIMUM_COST
    fragments = {
        definition.name.value: definition
        for definition in document.definitions
        if isinstance(definition, FragmentDefinitionNode)
    }
    cost = _Analysis(schema, fragments, values).selections((operation.selection_set,), root)
    return max(MINIMUM_COST, cost)
