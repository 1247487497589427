"""Root fields of an operation, through fragments, as the sensitive-mutation markers and the
policy name them; and the markers name mutations that exist (SEC-04, ORD-03)."""

import pytest
from graphql import get_operation_ast, parse, validate

from src.auth.policy import CONFIRMATION_RISKS, IDEMPOTENT_MUTATIONS
from src.graphql.schema import build_schema, graphql_core_schema
from src.graphql.transport.operations import root_fields

SCHEMA = graphql_core_schema(build_schema())


def fields_of(query: str, operation_name: str | None = None) -> frozenset[str]:
    document = parse(query)
    assert validate(SCHEMA, document) == []
    operation = get_operation_ast(document, operation_name)
    assert operation is not None
    return root_fields(SCHEMA, document, operation)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (
            """mutation { closeEnterprise(input: {id: "1", reason: "r"}) { id } }""",
            {"Mutation.closeEnterprise"},
        ),
        (
            """mutation { a: closeEnterprise(input: {id: "1", reason: "r"}) { id } __typename
                          ... on Mutation { ...Card } }
               fragment Card on Mutation { ...Deeper }
               fragment Deeper on Mutation {
                 changeWorkerBankCard(input: {id: "1", bankCard: "1"}) @skip(if: true) { id } }""",
            {"Mutation.closeEnterprise", "Mutation.changeWorkerBankCard"},
        ),
        ("{ workers { nodes { id } } __typename }", {"Query.workers"}),
    ],
)
def test_root_fields_are_found_through_aliases_and_fragments(
    query: str, expected: set[str]
) -> None:
    assert fields_of(query) == expected


def test_only_the_chosen_operation_counts() -> None:
    query = """query Read { workers { nodes { id } } }
               mutation Close { closeEnterprise(input: {id: "1", reason: "r"}) { id } }"""
    assert fields_of(query, "Read") == {"Query.workers"}
    assert fields_of(query, "Close") == {"Mutation.closeEnterprise"}


def test_sec_04_every_sensitive_marker_names_a_mutation_of_the_schema() -> None:
    mutation = SCHEMA.mutation_type
    assert mutation is not None
    offered = {f"Mutation.{name}" for name in mutation.fields}
    assert offered >= IDEMPOTENT_MUTATIONS | CONFIRMATION_RISKS.keys()
