"""Plain fields read straight from their object (issue 7: a request costs what it should).

Strawberry gives every field a resolver of its own that builds its ``Info``, runs field
extensions and converts the result, even for a field that only returns an attribute. A page
of 100 workers has some 700 such fields. A field with no resolver function, no permission
classes and no extensions gets instead a resolver that just reads the attribute: the same
answer at a fraction of the cost."""

from typing import Any

from graphql import GraphQLObjectType, GraphQLResolveInfo, GraphQLSchema


def _attribute(name: str) -> Any:
    def resolve(source: Any, info: GraphQLResolveInfo[Any]) -> Any:
        return getattr(source, name)

    return resolve


def read_plain_fields_directly(schema: GraphQLSchema) -> None:
    for type_ in schema.type_map.values():
        if not isinstance(type_, GraphQLObjectType) or type_.name.startswith("__"):
            continue
        for field in type_.fields.values():
            definition = field.extensions.get("strawberry-definition")
            if (
                definition is not None
                and definition.base_resolver is None
                and not definition.permission_classes
                and not definition.extensions
                and not field.args
            ):
                field.resolve = _attribute(definition.python_name)
