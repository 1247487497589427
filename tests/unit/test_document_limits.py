"""Static document limits (issue 3 item 14, SEC-10): depth, aliases and tokens, each just under
and just over; introspection and "Did you mean" suggestions off in production."""

import pytest
from graphql import GraphQLSchema, build_schema, get_introspection_query
from hypothesis import given
from hypothesis import strategies as st

from src.domain.shared.errors import DomainError
from src.graphql.schema import build_schema as build_api_schema
from src.graphql.schema import graphql_core_schema
from src.graphql.transport.limits.document import DocumentLimits, checked_document

API = graphql_core_schema(build_api_schema())
TREE = build_schema("type Query { node(ids: [Int]): Tree } type Tree { child: Tree name: String }")
DEVELOPMENT = DocumentLimits()
PRODUCTION = DocumentLimits(introspection=False, suggestions=False)


def codes(
    query: str, limits: DocumentLimits = DEVELOPMENT, schema: GraphQLSchema = TREE
) -> list[str]:
    document, errors = checked_document(schema, limits, query)
    assert (document is None) == bool(errors)
    found = []
    for error in errors:
        assert isinstance(error.original_error, DomainError), error
        found.append(error.original_error.code)
    return found


def nested(depth: int) -> str:
    """A query ``depth`` fields deep: node, then child…, then name."""
    return "{ node " + "{ child " * (depth - 2) + "{ name }" + " }" * (depth - 2) + " }"


def test_sec_10_depth_12_passes_and_13_is_refused() -> None:
    assert codes(nested(12)) == []
    assert codes(nested(13)) == ["QUERY_TOO_DEEP"]


def test_sec_10_depth_follows_fragments_and_inline_fragments() -> None:
    query = """{ node { child { ...Deep } } }
               fragment Deep on Tree { ... on Tree { child { child { name } } } }"""
    assert codes(query, DocumentLimits(max_depth=5)) == []
    assert codes(query, DocumentLimits(max_depth=4)) == ["QUERY_TOO_DEEP"]


@given(st.integers(min_value=2, max_value=40), st.integers(min_value=2, max_value=40))
def test_sec_10_a_document_is_refused_exactly_when_deeper_than_the_limit(
    depth: int, limit: int
) -> None:
    refused = codes(nested(depth), DocumentLimits(max_depth=limit)) == ["QUERY_TOO_DEEP"]
    assert refused == (depth > limit)


def aliased(count: int) -> str:
    return "{ " + " ".join(f"a{i}: __typename" for i in range(count)) + " }"


def test_sec_10_30_aliases_pass_and_31_are_refused() -> None:
    assert codes(aliased(30)) == []
    assert codes(aliased(31)) == ["TOO_MANY_ALIASES"]


def test_sec_10_aliases_in_a_fragment_count_each_time_it_is_spread() -> None:
    query = """{ node { ...Two child { ...Two } } }
               fragment Two on Tree { a: name b: name }"""
    assert codes(query, DocumentLimits(max_aliases=4)) == []
    assert codes(query, DocumentLimits(max_aliases=3)) == ["TOO_MANY_ALIASES"]


def test_sec_10_5000_tokens_pass_and_5001_are_refused() -> None:
    def listing(count: int) -> str:  # 12 tokens around ``count`` list items
        return "{ node(ids: [" + "1 " * count + "]) { name } }"

    assert codes(listing(4988)) == []
    assert codes(listing(4989)) == ["TOO_MANY_TOKENS"]
    assert codes("{ __typename " + "# padding\n" * 5000 + "}") == ["TOO_MANY_TOKENS"]
    [syntax] = checked_document(TREE, DEVELOPMENT, "{ node { ")[1]
    assert syntax.original_error is None  # a plain syntax error is not about tokens


@pytest.mark.parametrize(
    "query",
    [
        "{ __schema { types { name } } }",
        '{ __type(name: "Worker") { name } }',
        "{ ...Peek } fragment Peek on Query { __schema { queryType { name } } }",
        "{ workers { nodes { __typename } } __schema { queryType { name } } }",
    ],
)
def test_sec_10_introspection_is_refused_in_production(query: str) -> None:
    assert "INTROSPECTION_DISABLED" in codes(query, PRODUCTION, API)
    assert codes(query, DEVELOPMENT, API) == []


def test_typename_stays_in_production() -> None:
    assert codes("{ __typename workers { nodes { __typename } } }", PRODUCTION, API) == []


def test_the_explorer_s_deep_introspection_query_passes_in_development() -> None:
    """Its type references are nested 9 deep; introspection is not measured for depth."""
    assert codes(get_introspection_query(descriptions=True), DEVELOPMENT, API) == []


def test_sec_10_suggestions_are_hidden_in_production_only() -> None:
    def message(limits: DocumentLimits) -> str:
        _, errors = checked_document(API, limits, "{ workrs { nodes { id } } }")
        return errors[0].message

    assert "Did you mean 'workers'?" in message(DEVELOPMENT)
    assert message(PRODUCTION) == "Cannot query field 'workrs' on type 'Query'."
