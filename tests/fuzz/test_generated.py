"""Schema-generated operations (hypothesis-graphql) for every root field of Query and Mutation,
valid ones and ones with one schema violation, sent as every caller; mutations also with an
``Idempotency-Key``, as previews, and confirmed after a preview (docs/security.md)."""

import functools
import uuid
from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis_graphql import Mode, mutations, nodes, queries

from src.graphql.schema import build_schema, graphql_core_schema
from tests.fuzz.client import CALLERS, Fuzzer
from tests.fuzz.runs import fuzzed

pytestmark = pytest.mark.fuzz

SCHEMA = graphql_core_schema(build_schema())
ROOT_FIELDS = [
    (kind, name)
    for kind, root in (("query", SCHEMA.query_type), ("mutation", SCHEMA.mutation_type))
    if root is not None
    for name in [None, *root.fields]
]
KEYS = st.one_of(
    st.sampled_from(["fuzz-key-1", "fuzz-key-2"]),
    st.uuids().map(str),
    st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=300),
)
"""Idempotency keys: shared ones (replays, reuse for another request), fresh ones, bad ones."""
PREVIEWS: st.SearchStrategy[object] = st.sampled_from([True, True, False, None, "true", 1, {}])


@functools.cache
def operations(kind: str, field: str | None, ids: tuple[str, ...]) -> st.SearchStrategy[str]:
    """Documents selecting ``field`` (any root fields when None); ids are sometimes real."""
    scalars = {
        "ID": st.one_of(st.sampled_from(ids), st.text()).map(nodes.String),
        "UUID": st.one_of(st.uuids().map(str), st.text()).map(nodes.String),
        "DateTime": st.one_of(st.datetimes().map(datetime.isoformat), st.text()).map(nodes.String),
    }
    build = queries if kind == "query" else mutations
    root = SCHEMA.query_type if kind == "query" else SCHEMA.mutation_type
    assert root is not None
    violable = field is None or bool(root.fields[field].args)
    modes = list(Mode) if violable else [Mode.POSITIVE]
    fields = None if field is None else [field]
    return st.one_of(
        *(build(SCHEMA, fields=fields, custom_scalars=scalars, mode=mode) for mode in modes)
    )


@pytest.mark.parametrize(("kind", "field"), ROOT_FIELDS, ids=lambda v: v or "any")
@fuzzed
@given(data=st.data())
async def test_generated_operations(
    fuzzer: Fuzzer,
    known_ids: dict[str, list[str]],
    kind: str,
    field: str | None,
    data: st.DataObject,
) -> None:
    ids = tuple(id for of_type in known_ids.values() for id in of_type)
    document = data.draw(operations(kind, field, ids), label="document")
    caller = data.draw(st.sampled_from(CALLERS), label="caller")
    if kind == "query":
        await fuzzer.graphql(caller, document)
        return
    how = data.draw(st.sampled_from(["plain", "key", "preview", "confirmed"]), label="how")
    if how == "plain":
        await fuzzer.graphql(caller, document)
    elif how == "key":
        key = data.draw(KEYS, label="Idempotency-Key")
        for _ in range(data.draw(st.integers(1, 2), label="times")):
            await fuzzer.graphql(caller, document, headers={"Idempotency-Key": key})
    else:
        preview = data.draw(PREVIEWS, label="preview")
        answer = await fuzzer.graphql(caller, document, extensions={"preview": preview})
        if how == "confirmed":
            confirmation = (answer.json().get("extensions") or {}).get("confirmation") or {}
            await fuzzer.graphql(
                caller,
                document,
                extensions={"confirmationToken": confirmation.get("token", "not-a-token")},
                headers={"Idempotency-Key": str(uuid.uuid4())},
            )
