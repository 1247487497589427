"""What a validated operation selects at its root, named ``Type.field`` as the policy names
fields (``Mutation.closeEnterprise``), so rules about operations can be checked before it runs."""

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)


def root_fields(
    schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode
) -> frozenset[str]:
    """The root fields ``operation`` selects, through fragments too, whatever ``@skip`` or
    ``@include`` say (a field that might run counts). Meta fields (``__typename``) are left
    out. The document must have passed validation."""
    root = schema.get_root_type(operation.operation)
    assert root is not None, "a validated operation has a root type"
    fragments = {
        definition.name.value: definition
        for definition in document.definitions
        if isinstance(definition, FragmentDefinitionNode)
    }
    names: set[str] = set()

    def visit(selections: SelectionSetNode, seen: frozenset[str]) -> None:
        for selection in selections.selections:
            if isinstance(selection, FieldNode):
                if not selection.name.value.startswith("__"):
                    names.add(f"{root.name}.{selection.name.value}")
            elif isinstance(selection, InlineFragmentNode):
                visit(selection.selection_set, seen)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name not in seen:
                    visit(fragments[name].selection_set, seen | {name})

    visit(operation.selection_set, frozenset())
    return frozenset(names)
