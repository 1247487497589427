"""Query cost (issue 3 item 14, SEC-10 external interfaces): the requested cost of an
operation, from the document and the variables, before anything runs (Shopify's model)."""

from typing import Any

import pytest
from graphql import (
    GraphQLList,
    GraphQLObjectType,
    GraphQLSchema,
    build_schema,
    get_named_type,
    get_nullable_type,
    is_composite_type,
    parse,
)

from src.graphql.schema import build_schema as build_api_schema
from src.graphql.schema import graphql_core_schema
from src.graphql.transport.limits.cost import is_connection, requested_cost
from tests.integration.test_api_parties import worker_input

API = graphql_core_schema(build_api_schema())

# A schema with the relationships the API will grow: connections inside connections.
NESTED = build_schema("""
    interface Node { id: ID! }
    type PageInfo { hasNextPage: Boolean! endCursor: String }
    type Worker implements Node { id: ID! name: String! }
    type WorkerEdge { cursor: String! node: Worker! }
    type WorkerConnection { edges: [WorkerEdge!]! pageInfo: PageInfo! nodes: [Worker!]! }
    type Enterprise implements Node {
      id: ID!
      name: String!
      workers(first: Int! = 20, after: String): WorkerConnection!
    }
    type EnterpriseConnection { edges: [EnterpriseEdge!]! pageInfo: PageInfo! nodes: [Enterprise!]! }
    type EnterpriseEdge { cursor: String! node: Enterprise! }
    type Query { enterprises(first: Int! = 20, after: String): EnterpriseConnection! }
""")


def cost(query: str, schema: GraphQLSchema = API, name: str | None = None, **variables: Any) -> int:
    return requested_cost(schema, parse(query), name, variables)


def test_a_nested_connection_costs_first_times_its_items() -> None:
    query = """{ enterprises(first: 10) {
                   pageInfo { hasNextPage }
                   edges { cursor node { name workers(first: 5) { nodes { name } } } } } }"""
    # 2 + 10 × (enterprise 1 + its workers: 2 + 5 × worker 1)
    assert cost(query, NESTED) == 2 + 10 * (1 + 2 + 5 * 1) == 82


def test_connections_default_to_20_and_take_first_from_variables() -> None:
    listing = "query($n: Int!) { workers(first: $n) { nodes { id name } } }"
    assert cost(listing, n=50) == 52
    assert cost("{ workers { nodes { id } } }") == 22
    assert cost("query($n: Int! = 7) { workers(first: $n) { nodes { id } } }") == 9
    both = "{ workers(first: 10) { edges { node { id } } nodes { id } } }"
    assert cost(both) == 2 + 10 * 2


def test_objects_cost_one_and_scalars_nothing() -> None:
    assert cost("{ enterprises(first: 4) { nodes { name payingAccount { bankName } } } }") == 10
    assert cost("{ __typename }") == 1  # the minimum
    assert cost('{ node(id: "x") { id ... on Worker { name } } }') == 1


def test_a_mutation_costs_10_plus_its_selection() -> None:
    register = """mutation($input: RegisterWorkerInput!) { registerWorker(input: $input) { id } }"""
    worker = worker_input()
    assert cost(register, input=worker) == 10
    twice = """mutation($input: RegisterWorkerInput!) {
                 a: registerWorker(input: $input) { id } b: registerWorker(input: $input) { id } }"""
    assert cost(twice, input=worker) == 20


def test_nodes_costs_one_object_per_id_and_the_dearest_possible_type() -> None:
    query = """query($ids: [ID!]!) { nodes(ids: $ids) {
                 id ... on Enterprise { payingAccount { bankName } } ... on Worker { name } } }"""
    assert cost(query, ids=["a", "b", "c"]) == 3 * (1 + 1)


@pytest.mark.parametrize("first", [101, 1_000_000, -1])
def test_first_out_of_range_is_invalid_not_costed(first: int) -> None:
    """The resolver refuses it (INVALID_INPUT on `first`), so it never multiplies."""
    assert cost("query($n: Int!) { workers(first: $n) { nodes { id } } }", n=first) == 2
    assert cost("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", ids=["x"] * 101) == 1
    null_into_a_default = "query($n: Int) { workers(first: $n) { nodes { id } } }"
    assert cost(null_into_a_default) == 22
    assert cost(null_into_a_default, n=None) == 1  # execution refuses the argument


def test_skip_include_and_fragments_count_as_execution_would() -> None:
    query = """query($big: Boolean!) {
                 small: workers(first: 1) { ...W }
                 big: workers(first: 90) @include(if: $big) { ...W ...W }
               }
               fragment W on WorkerConnection { nodes { id } }"""
    assert cost(query, big=False) == 3
    assert cost(query, big=True) == 3 + 92


def test_operations_that_will_not_run_cost_the_minimum() -> None:
    listing = "query L($n: Int!) { workers(first: $n) { nodes { id } } }"
    assert cost(listing, name="Other", n=10) == 1
    assert cost(listing, n="ten") == 1


def test_a_fragment_bomb_is_costed_quickly() -> None:
    """Each fragment spreads the next one twice: 2^40 expansions if nothing is remembered."""
    fragments = "".join(
        f"fragment F{i} on Worker {{ name ...F{i + 1} ...F{i + 1} }}\n" for i in range(40)
    )
    query = "{ workers(first: 3) { nodes { ...F0 } } }\n" + fragments
    query += "fragment F40 on Worker { id }"
    assert cost(query) == 5


def test_every_list_in_the_schema_is_sized_for_the_cost_analysis() -> None:
    """A list of objects is a connection's edges or nodes, or takes `ids`; every connection
    takes `first`. A plain list would be costed as one item, so none may exist."""
    for type_ in API.type_map.values():
        if not isinstance(type_, GraphQLObjectType) or type_.name.startswith("__"):
            continue
        for name, field in type_.fields.items():
            target = get_named_type(field.type)
            if is_connection(target):
                assert "first" in field.args, f"{type_.name}.{name}"
            listed = isinstance(get_nullable_type(field.type), GraphQLList)
            if listed and is_composite_type(target):
                assert is_connection(type_) or "ids" in field.args, f"{type_.name}.{name}"
