"""Requests built from the schema for the hostile-input corpus: one operation per root field with
its arguments as variables, plausible variables for it, and the paths to every text leaf."""

import base64
import copy
import itertools
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from graphql import (
    GraphQLArgument,
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    get_named_type,
    get_nullable_type,
    is_leaf_type,
)

from src.auth.policy import access_for
from src.auth.roles import Role
from src.demo import DEMO_PASSWORD, bank_card, credit_code, id_number
from src.graphql.schema import build_schema, graphql_core_schema
from tests.fuzz.client import STEPPED_UP

SCHEMA = graphql_core_schema(build_schema())
TEXT_SCALARS = {"String", "ID", "DateTime", "UUID"}
SAMPLES: dict[str, Any] = {
    "creditCode": credit_code("110105", 4242),
    "idNumber": id_number("110105", "19900307", 424),
    "bankCard": bank_card("622202", 4242),
    "phone": "13800138000",
    "accountNumber": "6222020200004242",
    "bankName": "中国工商银行",
    "name": "王芳",
    "legalRepresentative": "张伟",
    "businessScope": "软件开发",
    "address": "北京市朝阳区建国路1号",
    "reason": "fuzz",
    "login": "fuzz-nobody",  # guesses at a demo login would lock it
    "password": DEMO_PASSWORD,
    "currentPassword": DEMO_PASSWORD,
    "transactionPassword": "Tr4vel-Kite-Moon#9",
    "code": "123456",
    "refreshToken": "fuzz-refresh-token",
    "first": 5,
    "approve": False,
}
"""Valid values by input field name, so that the one hostile value is the only thing wrong."""
PREPARATIONS = {"confirmTotp": "mutation { enrolTotp { secret } }"}
"""Run first, so that the hostile value reaches the code behind the first check."""


def global_id(text: str | bytes) -> str:
    raw = text.encode() if isinstance(text, str) else text
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


NOBODY = uuid.UUID("0190f000-0000-7000-8000-000000000000")
HOSTILE_VALUES = {
    "lone high surrogate": "\ud800",
    "lone low surrogate inside": "13\udfff800138000",
    "NUL": "\x00",
    "NUL inside": "138\x000013800",
    "control characters": "\x01\x08\x1b\x7f\x85\x9f",
    "line separators": "\r\n\u2028\u2029",
    "zero-width and BOM": "\u200b\ufeff\u200e",
    "10k characters": "9" * 10_000,
    "1M characters": "x" * 1_000_000,  # with the rest of the body, just under the 1 MiB limit
    "full-width digits": "１３８００１３８０００",
    "Arabic-Indic digits": "٣٤٥٦٧٨",
    "Devanagari digits": "१२३४५६",
    "superscript digits": "¹²³⁴⁵⁶",
    "astral characters": "😀𠀋",
    "combining marks": "e\u0301\u0301\u0301",
    "empty": "",
    "blank": " \t ",
    "SQL and LIKE": "%_' OR 1=1 --\\",
    "format strings": "%s%n{0}{}${x}",
    "exponent": "-1e10",
    "base64 padding only": "====",
    "base64, no colon": global_id("foo"),
    "id with a bad UUID": global_id("Worker:not-a-uuid"),
    "id with invalid UTF-8": global_id(b"\xff\xfe:\x00"),
    "id of an unknown type": global_id(f"Nope:{NOBODY}"),
    "cursor as an id": global_id(f"cursor:{NOBODY}"),
    "id of nothing": global_id(f"Worker:{NOBODY}"),
    "a number": 42,
    "a fraction": 1.5,
    "a boolean": True,
    "null": None,
    "a list": ["13800138000"],
    "an object": {"value": "13800138000"},
}
"""Every text argument gets each of these, in the variables (docs/testing.md)."""


@dataclass(frozen=True)
class RootField:
    operation: str  # "query" or "mutation"
    name: str
    field: GraphQLField

    @property
    def document(self) -> str:
        """The field with every argument a variable, selecting only ``__typename``."""
        args = self.field.args
        definitions = ", ".join(f"${name}: {arg.type}" for name, arg in args.items())
        arguments = ", ".join(f"{name}: ${name}" for name in args)
        selection = "" if is_leaf_type(get_named_type(self.field.type)) else " { __typename }"
        head = f"{self.operation} Fuzz({definitions})" if args else self.operation
        call = f"{self.name}({arguments})" if args else self.name
        return f"{head} {{ {call}{selection} }}"

    @property
    def caller(self) -> str:
        """A caller the policy lets select the field, stepped up when there is one."""
        access = access_for(self.operation.capitalize(), self.name)
        assert access is not None
        if access.public:
            return "anonymous"
        stepped_up = [login for login in STEPPED_UP if Role(login) in access.roles]
        if stepped_up:
            return f"{stepped_up[0]}+stepped-up"
        return min(role.value for role in access.roles)

    @property
    def confirmed(self) -> bool:
        """Needs an ``Idempotency-Key`` and a confirmation (docs/security.md)."""
        access = access_for(self.operation.capitalize(), self.name)
        return access is not None and access.idempotent

    def variables(self, known_ids: dict[str, list[str]]) -> dict[str, Any]:
        """Valid-looking variables: every required argument, with real ids."""
        kind = "Worker" if "worker" in self.name.lower() else "Enterprise"
        return {
            name: _plausible(arg.type, name, known_ids[kind][0])
            for name, arg in self.field.args.items()
            if isinstance(arg.type, GraphQLNonNull) or name in SAMPLES
        }

    def text_leaves(self) -> Iterator[tuple[str | int, ...]]:
        """Paths into the variables of every text value the arguments can hold."""
        for name, arg in self.field.args.items():
            yield from _leaves(arg, (name,))


def root_fields() -> list[RootField]:
    return [
        RootField(operation, name, field)
        for operation, root in (("query", SCHEMA.query_type), ("mutation", SCHEMA.mutation_type))
        if root is not None
        for name, field in root.fields.items()
    ]


def _plausible(type_: GraphQLInputType, name: str, id: str) -> Any:
    named = get_nullable_type(type_)
    if isinstance(named, GraphQLList):
        return [_plausible(named.of_type, name, id)]
    if isinstance(named, GraphQLInputObjectType):
        return {
            field_name: _plausible(field.type, field_name, id)
            for field_name, field in named.fields.items()
            if isinstance(field.type, GraphQLNonNull)
        }
    if isinstance(named, GraphQLEnumType):
        return next(iter(named.values))
    if isinstance(named, GraphQLScalarType) and named.name == "ID":
        return id
    return SAMPLES.get(name, "fuzz")


def _leaves(
    holder: GraphQLArgument | GraphQLInputField, path: tuple[str | int, ...]
) -> Iterator[tuple[str | int, ...]]:
    type_ = get_nullable_type(holder.type)
    while isinstance(type_, GraphQLList):
        path, type_ = (*path, 0), get_nullable_type(type_.of_type)
    if isinstance(type_, GraphQLInputObjectType):
        for name, field in type_.fields.items():
            yield from _leaves(field, (*path, name))
    elif isinstance(type_, GraphQLScalarType) and type_.name in TEXT_SCALARS:
        yield path


def replaced(variables: dict[str, Any], path: tuple[str | int, ...], value: Any) -> dict[str, Any]:
    """A copy of ``variables`` with ``value`` at ``path`` (made where it was left out)."""
    result = copy.deepcopy(variables)
    holder: Any = result
    for step, next_step in itertools.pairwise(path):
        if isinstance(holder, dict) and step not in holder:
            holder[step] = [] if isinstance(next_step, int) else {}
        if isinstance(holder, list) and not holder:
            holder.append([] if isinstance(next_step, int) else {})
        holder = holder[step]
    if isinstance(holder, list) and not holder:
        holder.append(value)
    else:
        holder[path[-1]] = value
    return result
