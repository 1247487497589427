"""The corpus of hostile inputs, sent as a caller the policy admits (stepped up where the field
needs it): every text argument of every root field gets each of ``HOSTILE_VALUES`` in its
variables; ``first`` gets bad numbers; arguments get wrong JSON types; variables and documents
get deep nesting. Each test reports every value that failed, not just the first."""

import json
import uuid
from collections.abc import Awaitable, Sequence
from typing import Any

import httpx
import pytest

from tests.fuzz.client import Fuzzer
from tests.fuzz.inputs import HOSTILE_VALUES, PREPARATIONS, RootField, replaced, root_fields

pytestmark = pytest.mark.fuzz

FIELDS = root_fields()
PAGED = [field for field in FIELDS if "first" in field.field.args]
BAD_NUMBERS: dict[str, Any] = {
    "1e10": 1e10,
    "-1": -1,
    "2^31": 2**31,
    "-2^31 - 1": -(2**31) - 1,
    "10^30": 10**30,
    "1.5": 1.5,
    "1.0": 1.0,
    "NaN": float("nan"),
    "Infinity": float("inf"),
    "a numeric string": "1",
    "full-width digit": "１",
    "Arabic-Indic digit": "٣",
    "a boolean": True,
    "a list": [1],
}
"""Sent as ``$first``; NaN and Infinity go as JSON's non-standard literals, which Python reads."""
BAD_LITERALS = ["1e10", "-1", "2147483648", "99999999999999999999", "1.0", '"1"', "null", "1e400"]
DEPTHS = [1_000, 10_000, 100_000]


async def failures(sends: Sequence[tuple[str, Awaitable[httpx.Response]]]) -> list[str]:
    """Await each send; the labels and messages of those whose answer failed the check."""
    found = []
    for label, send in sends:
        try:
            await send
        except AssertionError as error:
            found.append(f"{label}: {error}")
    return found


def ways(fuzzer: Fuzzer, field: RootField, variables: dict[str, Any]) -> list[Any]:
    """The requests that reach the field: previews and keyed requests for the confirmed ones."""
    if not field.confirmed:
        return [fuzzer.graphql(field.caller, field.document, variables)]
    return [
        fuzzer.graphql(field.caller, field.document, variables, {"preview": True}),
        fuzzer.graphql(
            field.caller,
            field.document,
            variables,
            headers={"Idempotency-Key": str(uuid.uuid4())},
        ),
    ]


@pytest.mark.parametrize(
    ("field", "path"),
    [(field, path) for field in FIELDS for path in field.text_leaves()],
    ids=lambda v: v.name if isinstance(v, RootField) else ".".join(map(str, v)),
)
async def test_hostile_text(
    fuzzer: Fuzzer, known_ids: dict[str, list[str]], field: RootField, path: tuple[str | int, ...]
) -> None:
    if field.name in PREPARATIONS:
        await fuzzer.graphql(field.caller, PREPARATIONS[field.name])
    base = field.variables(known_ids)
    sends = [
        (label, send)
        for label, value in HOSTILE_VALUES.items()
        for send in ways(fuzzer, field, replaced(base, path, value))
    ]
    found = await failures(sends)
    assert not found, "\n".join(found)


@pytest.mark.parametrize("field", PAGED, ids=lambda field: field.name)
async def test_bad_numbers_for_first(
    fuzzer: Fuzzer, known_ids: dict[str, list[str]], field: RootField
) -> None:
    base = field.variables(known_ids)
    inline = f"{field.operation} {{ {field.name}(first: %s) {{ __typename }} }}"
    sends = [
        *(
            (
                f"$first = {label}",
                fuzzer.graphql(field.caller, field.document, {**base, "first": n}),
            )
            for label, n in BAD_NUMBERS.items()
        ),
        *(
            (f"first: {literal}", fuzzer.graphql(field.caller, inline % literal))
            for literal in BAD_LITERALS
        ),
    ]
    found = await failures(sends)
    assert not found, "\n".join(found)


@pytest.mark.parametrize(
    "field", [field for field in FIELDS if field.field.args], ids=lambda field: field.name
)
async def test_wrong_json_types_for_arguments(
    fuzzer: Fuzzer, known_ids: dict[str, list[str]], field: RootField
) -> None:
    base = field.variables(known_ids)
    wrong: list[Any] = [None, 0, -1.5, True, "text", [], [[]], {}, {"nope": [None]}, [base]]
    sends = [
        (f"${name} = {value!r}", send)
        for name in field.field.args
        for value in wrong
        for send in ways(fuzzer, field, {**base, name: value})
    ]
    sends += [
        ("unknown variable", fuzzer.graphql(field.caller, field.document, {**base, "zzz": 1})),
        ("variables as a list", fuzzer.graphql(field.caller, field.document, [base])),
    ]
    found = await failures(sends)
    assert not found, "\n".join(found)


@pytest.mark.parametrize("depth", DEPTHS)
async def test_deep_nesting(fuzzer: Fuzzer, depth: int) -> None:
    """JSON nested ``depth`` levels, bare and in variables; GraphQL values and selections nested
    as deep in the document. (The JSON is written by hand: Python's encoder stops at ~1,000.)"""
    caller = "operator+stepped-up"
    deep_list, deep_object = "[" * depth + "]" * depth, '{"a":' * depth + "1" + "}" * depth
    nodes = json.dumps("query($ids: [ID!]!) { nodes(ids: $ids) { __typename } }")
    workers = json.dumps(
        "query($where: WorkerFilterInput) { workers(where: $where) { __typename } }"
    )

    def post(body: str) -> Awaitable[httpx.Response]:
        return fuzzer.send(
            caller, "/graphql", content=body.encode(), headers={"Content-Type": "application/json"}
        )

    sends = [
        ("a bare list", post(deep_list)),
        ("a bare object", post(deep_object)),
        ("a list in variables", post(f'{{"query": {nodes}, "variables": {{"ids": {deep_list}}}}}')),
        (
            "an object in variables",
            post(f'{{"query": {workers}, "variables": {{"where": {deep_object}}}}}'),
        ),
        ("a list literal", fuzzer.graphql(caller, f"{{ nodes(ids: {deep_list}) {{ id }} }}")),
        (
            "an object literal",
            fuzzer.graphql(
                caller,
                "{ workers(where: "
                + "{nameContains: " * depth
                + '"x"'
                + "}" * depth
                + ") { __typename } }",
            ),
        ),
        ("a selection", fuzzer.graphql(caller, "{ me " + "{ me " * depth + "}" * (depth + 1))),
        ("parentheses", fuzzer.graphql(caller, "{ me(" * depth)),
    ]
    found = await failures(sends)
    assert not found, "\n".join(found)
