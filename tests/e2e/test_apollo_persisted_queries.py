"""Automatic persisted queries (CARD-4) with the real Apollo Client and its persisted-queries
link against the running server: a miss registers the document, a hit sends only the hash,
by GET, and the document is stored in PostgreSQL."""

import asyncio
import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from src.adapters.postgres.engine import create_engine
from src.adapters.postgres.tables import persisted_documents
from tests.e2e.node import needs_node_package, run_script

CLIENT = Path(__file__).with_name("apq_client.mjs")

pytestmark = [pytest.mark.node, needs_node_package("@apollo/client")]


def _stored(database_url: str, sha256: str) -> str | None:
    async def read() -> str | None:
        engine = create_engine(database_url, pool_size=1)
        try:
            async with engine.connect() as connection:
                query = select(persisted_documents.c.document).where(
                    persisted_documents.c.sha256 == sha256
                )
                document: str | None = (await connection.execute(query)).scalar_one_or_none()
                return document
        finally:
            await engine.dispose()

    return asyncio.run(read())


def _url_parameters(exchange: dict[str, Any]) -> dict[str, Any]:
    return {k: v[0] for k, v in parse_qs(urlsplit(exchange["url"]).query).items()}


def test_card_4_apollo_client_registers_on_a_miss_then_sends_only_the_hash_by_get(
    live_server: str, live_database_url: str
) -> None:
    first, second = run_script(CLIENT, f"{live_server}/graphql")["results"]
    assert first["data"] == second["data"] == {"__typename": "Query"}
    assert first["error"] is second["error"] is None

    miss, register = first["exchanges"]
    assert miss["method"] == "GET"
    assert "query" not in _url_parameters(miss)
    assert [e["extensions"]["code"] for e in miss["responseBody"]["errors"]] == [
        "PERSISTED_QUERY_NOT_FOUND"
    ]
    assert miss["cacheControl"] == "no-store"
    sha256 = json.loads(_url_parameters(miss)["extensions"])["persistedQuery"]["sha256Hash"]
    assert register["method"] == "POST"
    assert register["requestBody"]["extensions"]["persistedQuery"]["sha256Hash"] == sha256
    assert register["responseBody"]["data"] == {"__typename": "Query"}

    [hit] = second["exchanges"]
    assert hit["method"] == "GET"
    assert "query" not in _url_parameters(hit)
    assert hit["status"] == 200
    assert hit["responseBody"]["data"] == {"__typename": "Query"}
    assert hit["cacheControl"].startswith("public, max-age=")

    assert _stored(live_database_url, sha256) == register["requestBody"]["query"]
