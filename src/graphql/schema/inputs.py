"""The input boundary, schema side (issue 6, SEC-11): every String and ID a caller can send
(field arguments and input-object fields, at any depth, in lists too) goes through its rule
in ``text_rules.TEXT_RULES``.

``declare_text_rules`` runs when the schema is built. It refuses a schema with a String or ID
input that has no rule, appends the rule ("At most N characters.") to that input's
description for introspection, and wraps the resolver of every field that takes arguments so
that the resolver sees them normalised (``normalised_arguments``). The endpoint puts the
whole operation through the same function before anything runs
(``transport/boundary.py``), so the wrapper never refuses what came through it."""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from graphql import (
    GraphQLArgument,
    GraphQLField,
    GraphQLFieldResolver,
    GraphQLInputField,
    GraphQLInputType,
    GraphQLResolveInfo,
    GraphQLSchema,
    default_field_resolver,
    get_named_type,
    get_nullable_type,
    is_input_object_type,
    is_interface_type,
    is_list_type,
    is_object_type,
)

from .text_rules import TEXT_RULES

TEXT_SCALARS = frozenset({"String", "ID"})


def _takes_text(type_: GraphQLInputType) -> bool:
    return get_named_type(type_).name in TEXT_SCALARS


def text_inputs(
    schema: GraphQLSchema,
) -> Iterator[tuple[str, GraphQLArgument | GraphQLInputField]]:
    """Every String or ID input of the schema by its coordinate: ``InputType.field`` or
    ``Type.field(argument)`` (introspection's own are left out)."""
    for type_ in schema.type_map.values():
        if type_.name.startswith("__"):
            continue
        if is_input_object_type(type_):
            for name, field in type_.fields.items():
                if _takes_text(field.type):
                    yield f"{type_.name}.{name}", field
        elif is_object_type(type_) or is_interface_type(type_):
            for field_name, output_field in type_.fields.items():
                for name, argument in output_field.args.items():
                    if _takes_text(argument.type):
                        yield f"{type_.name}.{field_name}({name})", argument


def _normalised(type_: GraphQLInputType, value: Any, coordinate: str, path: str) -> Any:
    """A coerced input value with each string through the rule of the input holding it."""
    if value is None:
        return None
    nullable = get_nullable_type(type_)
    if is_list_type(nullable):
        return [
            _normalised(nullable.of_type, item, coordinate, f"{path}.{index}")
            for index, item in enumerate(value)
        ]
    if is_input_object_type(nullable):
        return {
            key: _normalised(field.type, value[key], f"{nullable.name}.{name}", f"{path}.{name}")
            for name, field in nullable.fields.items()
            if (key := field.out_name or name) in value
        }
    if _takes_text(type_):
        return TEXT_RULES[coordinate].applied(value, path)
    return value


def normalised_arguments(
    parent: str,
    field_name: str,
    field: GraphQLField,
    arguments: dict[str, Any],
) -> dict[str, Any]:
    """The coerced ``arguments`` of ``parent.field_name`` with every string normalised; a
    string its rule refuses raises ``InvalidText`` or ``TooLong`` naming its path
    (``input.profile.name``, ``ids.3``)."""
    return {
        key: _normalised(argument.type, arguments[key], f"{parent}.{field_name}({name})", name)
        for name, argument in field.args.items()
        if (key := argument.out_name or name) in arguments
    }


@dataclass(frozen=True, slots=True)
class NormalisingResolver:
    resolve: GraphQLFieldResolver
    parent: str
    field: GraphQLField

    def __call__(self, root: Any, info: GraphQLResolveInfo[Any], **arguments: Any) -> Any:
        normalised = normalised_arguments(self.parent, info.field_name, self.field, arguments)
        return self.resolve(root, info, **normalised)


def declare_text_rules(schema: GraphQLSchema) -> None:
    """Describe each text input's rule and normalise every field's arguments; a String or ID
    input without a rule is a ``LookupError``."""
    for coordinate, holder in text_inputs(schema):
        rule = TEXT_RULES.get(coordinate)
        if rule is None:
            raise LookupError(
                f"{coordinate} takes text but has no rule in src/graphql/schema/text_rules.py"
            )
        holder.description = " ".join(filter(None, (holder.description, rule.description)))
    for type_ in schema.type_map.values():
        if is_object_type(type_) and not type_.name.startswith("__"):
            for field in type_.fields.values():
                if field.args:
                    resolve = field.resolve or default_field_resolver
                    field.resolve = NormalisingResolver(resolve, type_.name, field)
