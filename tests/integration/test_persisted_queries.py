"""Automatic persisted queries (CARD-4; ADR 0012) over HTTP, in process, on real PostgreSQL:
miss, registration, hit by hash (POST and GET), hash mismatch, what may be registered, the
parse cache, shared-cache headers, and concurrent registration of one document.

The caller is anonymous, as a front end is before signing in, and the documents select only
what every caller may read."""

import asyncio
import hashlib
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any
from uuid import uuid4

import pytest
from graphql import DocumentNode, parse
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

import src.graphql.transport.http
import src.graphql.transport.limits.document
from src.adapters.postgres.persisted import PostgresPersistedDocuments
from src.adapters.postgres.tables import persisted_documents
from src.auth.principal import Principal
from src.auth.roles import Role
from src.auth.tokens import AccessTokens, SigningKey
from src.settings import Settings
from tests.conftest import FixedClock, Serve, database_on
from tests.in_process import Answer, GraphQLClient

QUERY = "query Probe { __typename }"
ANSWER = {"data": {"__typename": "Query"}}
GRAPHQL_RESPONSE = "application/graphql-response+json"


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def persisted(text: str, version: int = 1) -> dict[str, Any]:
    return {"persistedQuery": {"version": version, "sha256Hash": sha256(text)}}


async def stored(db: AsyncEngine) -> dict[str, str]:
    async with db.connect() as connection:
        rows = await connection.execute(select(persisted_documents))
        return {row.sha256: row.document for row in rows}


@pytest.fixture
async def anonymous(serve: Serve) -> AsyncIterator[GraphQLClient]:
    async with serve(db_pool_size=5) as [client]:
        yield client


def data_of(response: Answer) -> dict[str, Any]:
    """The answer without ``extensions`` (its cost report changes from call to call)."""
    return {k: v for k, v in response.body.items() if k != "extensions"}


async def test_card_4_unknown_hash_is_persisted_query_not_found(
    anonymous: GraphQLClient,
) -> None:
    """Apollo's link looks for this code (or this message) and retries with the text."""
    response = await anonymous.graphql(extensions=persisted(QUERY))
    assert response.status == 200
    assert response.body == {
        "errors": [
            {
                "message": "PersistedQueryNotFound",
                "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"},
            }
        ]
    }
    strict = await anonymous.graphql(
        extensions=persisted(QUERY), headers={"Accept": GRAPHQL_RESPONSE}
    )
    assert strict.status == 400
    assert strict.codes == ["PERSISTED_QUERY_NOT_FOUND"]
    by_get = await anonymous.graphql(extensions=persisted(QUERY), method="GET")
    assert by_get.codes == ["PERSISTED_QUERY_NOT_FOUND"]
    assert by_get.headers["cache-control"] == "no-store"


async def test_card_4_query_with_its_hash_is_stored_then_runs_by_hash_alone(
    anonymous: GraphQLClient, db: AsyncEngine
) -> None:
    first = await anonymous.graphql(QUERY, extensions=persisted(QUERY))
    assert data_of(first) == ANSWER
    assert await stored(db) == {sha256(QUERY): QUERY}

    by_post = await anonymous.graphql(extensions=persisted(QUERY))
    by_get = await anonymous.graphql(extensions=persisted(QUERY), method="GET")
    assert data_of(by_post) == data_of(by_get) == ANSWER
    assert by_get.headers["cache-control"] == "public, max-age=60"
    assert by_get.headers["vary"] == "Accept, Authorization"


async def test_card_4_hash_that_does_not_match_the_query_is_refused_and_not_stored(
    anonymous: GraphQLClient, db: AsyncEngine
) -> None:
    response = await anonymous.graphql(QUERY, extensions=persisted("{ __typename }"))
    assert response.status == 400
    assert response.codes == ["PERSISTED_QUERY_HASH_MISMATCH"]
    assert await stored(db) == {}


@pytest.mark.parametrize(
    ("extensions", "problem"),
    [
        (persisted(QUERY, version=2), "version"),
        ({"persistedQuery": {"version": 1, "sha256Hash": "ABC"}}, "hexadecimal"),
        ({"persistedQuery": "yes"}, "version"),
    ],
)
async def test_card_4_malformed_persisted_query_extension_is_a_bad_request(
    anonymous: GraphQLClient, extensions: dict[str, Any], problem: str
) -> None:
    response = await anonymous.graphql(extensions=extensions)
    assert response.status == 400
    assert response.codes == ["BAD_REQUEST"]
    assert problem in response.body["errors"][0]["message"]


async def test_card_4_documents_that_do_not_validate_are_not_stored(
    anonymous: GraphQLClient, db: AsyncEngine
) -> None:
    for text in ("{ noSuchField }", "{ broken"):
        response = await anonymous.graphql(text, extensions=persisted(text))
        assert response.codes in (["GRAPHQL_VALIDATION_FAILED"], ["GRAPHQL_PARSE_FAILED"])
    assert await stored(db) == {}


async def test_card_4_documents_over_the_size_limit_run_but_are_not_stored(
    serve: Serve, db: AsyncEngine
) -> None:
    assert len(QUERY) > 20
    async with serve(persisted_query_max_bytes=20) as [anonymous]:
        response = await anonymous.graphql(QUERY, extensions=persisted(QUERY))
    assert data_of(response) == ANSWER
    assert await stored(db) == {}


async def test_card_4_a_persisted_hit_skips_parsing_and_survives_a_restart(
    serve: Serve, db: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A hash the process has seen runs without parsing or validating again; a new process
    reads the document from PostgreSQL and parses it once."""
    parsed: list[str] = []

    def counting_parse(source: str, **kwargs: Any) -> DocumentNode:
        parsed.append(source)
        return parse(source, **kwargs)

    monkeypatch.setattr(src.graphql.transport.limits.document, "parse", counting_parse)
    async with serve(db_pool_size=5) as [anonymous]:
        await anonymous.graphql(QUERY, extensions=persisted(QUERY))
        for _ in range(3):
            hit = await anonymous.graphql(extensions=persisted(QUERY), method="GET")
            assert data_of(hit) == ANSWER
        assert parsed == [QUERY]
    async with serve(db_pool_size=5) as [restarted]:
        for _ in range(2):
            hit = await restarted.graphql(extensions=persisted(QUERY), method="GET")
            assert data_of(hit) == ANSWER
    assert parsed == [QUERY, QUERY]


async def test_card_4_persisted_get_with_credentials_or_errors_is_not_shared_cacheable(
    anonymous: GraphQLClient, db: AsyncEngine
) -> None:
    store = PostgresPersistedDocuments(database_on(db))
    await store.add(sha256(QUERY), QUERY)
    tokens = AccessTokens(
        tuple(SigningKey(kid, secret) for kid, secret in Settings().token_keys),
        timedelta(minutes=15),
    )
    token = tokens.issue(
        Principal(account_id=uuid4(), roles=frozenset({Role.OPERATOR})), FixedClock().now()
    )
    private = await anonymous.graphql(extensions=persisted(QUERY), token=token, method="GET")
    assert data_of(private) == ANSWER
    assert private.headers["cache-control"] == "no-store"

    failing = "query Failing { institutions(first: 500) { nodes { name } } }"
    await store.add(sha256(failing), failing)
    failed = await anonymous.graphql(extensions=persisted(failing), method="GET")
    assert "errors" in failed.body
    assert failed.headers["cache-control"] == "no-store"
    by_text = await anonymous.graphql(QUERY, method="GET")
    assert by_text.headers["cache-control"] == "no-store"


async def test_card_4_persisted_mutation_by_get_is_refused(
    anonymous: GraphQLClient, db: AsyncEngine
) -> None:
    mutation = 'mutation { closeEnterprise(input: {id: "x", reason: "r"}) { id } }'
    await PostgresPersistedDocuments(database_on(db)).add(sha256(mutation), mutation)
    response = await anonymous.graphql(extensions=persisted(mutation), method="GET")
    assert response.status == 405


async def test_card_4_document_id_is_only_for_partner_clients(
    anonymous: GraphQLClient,
) -> None:
    response = await anonymous.graphql(document_id="demo.enterprises.v1")
    assert response.status == 400
    assert response.codes == ["BAD_REQUEST"]


async def test_card_4_concurrent_registrations_of_one_document_leave_one_row(
    anonymous: GraphQLClient, db: AsyncEngine
) -> None:
    responses = await asyncio.gather(
        *(anonymous.graphql(QUERY, extensions=persisted(QUERY)) for _ in range(10))
    )
    assert [data_of(r) for r in responses] == [ANSWER] * 10
    store = PostgresPersistedDocuments(database_on(db))
    await asyncio.gather(*(store.add(sha256(QUERY), QUERY) for _ in range(10)))
    async with db.connect() as connection:
        count = await connection.scalar(select(func.count()).select_from(persisted_documents))
    assert count == 1
