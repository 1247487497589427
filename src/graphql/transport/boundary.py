"""The input boundary, endpoint side (issue 6, SEC-11): after the policy and before anything
runs, every String and ID argument the operation passes (literals and variables, in
fragments too, at any depth) goes through its text rule (src/graphql/schema/text_rules.py).
One refusal refuses the operation whole, so no mutation of a document runs when another's
input is bad. Resolvers then get the normalised values from the wrapper the schema put on
them (src/graphql/schema/inputs.py)."""

from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    visit,
)
from graphql.execution.values import VariableValues, get_argument_values, get_variable_values
from graphql.validation import ASTValidationContext

from ...domain.shared.errors import DomainError
from ..schema.inputs import normalised_arguments


class _TextArguments(Visitor):
    def __init__(self, type_info: TypeInfo, variables: VariableValues) -> None:
        super().__init__()
        self.type_info = type_info
        self.variables = variables
        self.refusals: list[GraphQLError] = []

    def enter_field(self, node: FieldNode, *_args: Any) -> None:
        parent = self.type_info.get_parent_type()
        field = self.type_info.get_field_def()
        if parent is None or field is None or not field.args or node.name.value.startswith("__"):
            return  # introspection's arguments are the API limits' business
        try:
            arguments = get_argument_values(field, node, self.variables)
            normalised_arguments(parent.name, node.name.value, field, arguments)
        except DomainError as refusal:
            self.refusals.append(GraphQLError(refusal.message, node, original_error=refusal))
        except GraphQLError:
            pass  # an argument that does not coerce: execution reports it as before


def text_refusals(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    raw_variables: dict[str, Any] | None,
) -> list[GraphQLError]:
    """``INVALID_TEXT`` and ``TOO_LONG`` errors, one per field whose arguments break a rule,
    for a validated ``operation`` of ``document``."""
    variables = get_variable_values(
        schema, operation.variable_definitions or (), raw_variables or {}
    )
    if isinstance(variables, list):
        return []  # variables that do not fit their types: execution answers BAD_USER_INPUT
    type_info = TypeInfo(schema)
    arguments = _TextArguments(type_info, variables)
    fragments = ASTValidationContext(document, arguments.refusals.append)
    for definition in (operation, *fragments.get_recursively_referenced_fragments(operation)):
        visit(definition, TypeInfoVisitor(type_info, arguments))
    return arguments.refusals
