"""Partner banks (CARD-4, SEC-10; ADR 0013) on real PostgreSQL, over HTTP in process: OAuth 2.0
client credentials at /oauth/token, the IP allow-list, and trusted documents as the only thing a
partner may run.

The test documents select only what any signed-in caller may read (``nodes``, ``node``, ``id``),
so they test the trusted-document gate, not the field policy."""

import asyncio
import base64
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any, Protocol
from uuid import UUID

import httpx
import pytest
from sqlalchemy import event, update
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncEngine

from src.adapters.postgres.partners import PostgresPartnerRegistry
from src.adapters.postgres.tables import partner_clients
from src.auth.partners import DocumentReference, TrustedDocument, secret_matches, sha256_hex
from src.demo import ENTERPRISES as DEMO_ENTERPRISES
from src.demo import credit_code, seed_demo
from src.domain.parties import commands, service
from src.domain.parties.model import InstitutionKind
from src.domain.shared.errors import AlreadyExists, InvalidInput, NotFound
from src.graphql.schema.relay import global_id
from src.partner_admin import (
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    DEMO_DOCUMENT,
    NewPartnerClient,
    add_partner_client,
    add_trusted_document,
    seed_demo_partner,
)
from tests.conftest import AnyUnitOfWork, FixedClock, Serve, database_on
from tests.in_process import Answer, GraphQLClient

TOKEN_URL = "https://testserver/oauth/token"
PARTNER_IP = "203.0.113.9"
FOREIGN_IP = "198.51.100.7"
NODES = TrustedDocument(
    "nodes.v1", "query Nodes($ids: [ID!]! = []) { nodes(ids: $ids) { id } }", "objects by id"
)
NODE = TrustedDocument("node.v1", "query Node($id: ID!) { node(id: $id) { id } }", "one object")


class Client(Protocol):
    def __call__(
        self, address: str = ..., **settings: Any
    ) -> AbstractAsyncContextManager[GraphQLClient]: ...


async def _bank(unit_of_work: Callable[[], AnyUnitOfWork], credit_code: str) -> UUID:
    institution = await service.register_institution(
        commands.RegisterInstitution(
            kind=InstitutionKind.BANK,
            name=f"银行 {credit_code[-4:]}",
            credit_code=credit_code,
            address="北京市西城区复兴门内大街55号",
            phone="13800000001",
        ),
        unit_of_work(),
        FixedClock(),
    )
    return institution.id


@pytest.fixture
async def partners(db: AsyncEngine, unit_of_work: Callable[[], AnyUnitOfWork]) -> dict[str, str]:
    """Two partner banks: ``bank-a`` may run NODES from 203.0.113.0/24, ``bank-b`` may run
    NODE from anywhere in IPv4. Returns their secrets."""
    registry = PostgresPartnerRegistry(database_on(db))

    for document in (NODES, NODE):
        await add_trusted_document(registry, document)
    secrets = {}
    for client_id, code, allow, document in (
        ("bank-a", credit_code("110105", 901), "203.0.113.0/24", NODES),
        ("bank-b", credit_code("310104", 902), "0.0.0.0/0", NODE),
    ):
        new = NewPartnerClient(
            client_id, client_id, await _bank(unit_of_work, code), [allow], [document.id]
        )
        secrets[client_id] = await add_partner_client(registry, unit_of_work, new)
    return secrets


@pytest.fixture
def client(serve: Serve) -> Client:
    """``client(address=…, trusted_proxies=…)``: an in-process client, over HTTPS, connecting
    from ``address``."""

    @asynccontextmanager
    async def connect(address: str = PARTNER_IP, **settings: Any) -> AsyncIterator[GraphQLClient]:
        async with serve(address, base_url="https://testserver", **settings) as [api]:
            yield api

    return connect


def basic(client_id: str, secret: str) -> dict[str, str]:
    credentials = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {credentials}"}


async def request_token(
    api: httpx.AsyncClient,
    client_id: str,
    secret: str,
    *,
    url: str = TOKEN_URL,
    grant_type: str = "client_credentials",
) -> httpx.Response:
    """A token request authenticated with HTTP Basic (``client_secret_basic``)."""
    return await api.post(url, data={"grant_type": grant_type}, headers=basic(client_id, secret))


async def token_for(api: httpx.AsyncClient, client_id: str, secret: str) -> str:
    response = await request_token(api, client_id, secret)
    assert response.status_code == 200, response.text
    access_token: str = response.json()["access_token"]
    return access_token


@pytest.fixture
async def token_a(partners: dict[str, str], client: Client) -> str:
    """An access token of ``bank-a``, issued at its allowed address."""
    async with client() as api:
        return await token_for(api, "bank-a", partners["bank-a"])


def by_hash(sha256: str) -> dict[str, Any]:
    """The ``extensions`` naming a document by its hash, as Apollo's persisted queries do."""
    return {"persistedQuery": {"version": 1, "sha256Hash": sha256}}


# The token endpoint ------------------------------------------------------------------------


async def test_sec_10_client_credentials_with_basic_or_post_authentication_get_a_bearer_token(
    partners: dict[str, str], client: Client
) -> None:
    """Also several at once: the checks run in worker threads that read the registry on the
    event loop."""
    async with client() as api:
        by_basic = await request_token(api, "bank-a", partners["bank-a"])
        by_post = await api.post(
            TOKEN_URL,
            data={
                "grant_type": "client_credentials",
                "client_id": "bank-a",
                "client_secret": partners["bank-a"],
            },
        )
        at_once = await asyncio.gather(
            *(request_token(api, "bank-a", partners["bank-a"]) for _ in range(6))
        )
    for response in (by_basic, by_post, *at_once):
        assert response.status_code == 200
        assert response.headers["cache-control"] == "no-store"
        body = response.json()
        assert body["token_type"] == "Bearer"
        assert body["expires_in"] == 900
        assert "refresh_token" not in body


async def test_sec_10_bad_credentials_or_a_foreign_address_get_the_same_invalid_client(
    partners: dict[str, str], client: Client
) -> None:
    """Wrong secret, unknown client, or the right secret from an address not on the allow-list:
    one answer, so a caller learns nothing about which it was."""
    answers = []
    for client_id, secret, address in (
        ("bank-a", "wrong secret", PARTNER_IP),
        ("no-such-bank", "anything", PARTNER_IP),
        ("bank-a", partners["bank-a"], FOREIGN_IP),
    ):
        async with client(address) as api:
            response = await request_token(api, client_id, secret)
        assert response.status_code == 401
        assert response.headers["www-authenticate"].startswith("Basic")
        answers.append(response.json())
    assert answers[0]["error"] == "invalid_client"
    assert answers == [answers[0]] * 3


async def test_sec_10_other_grant_types_and_malformed_requests_are_refused(
    partners: dict[str, str], client: Client
) -> None:
    async with client() as api:
        password = await request_token(api, "bank-a", partners["bank-a"], grant_type="password")
        as_json = await api.post(
            TOKEN_URL,
            json={"grant_type": "client_credentials"},
            headers=basic("bank-a", partners["bank-a"]),
        )
        plain_http = await request_token(
            api, "bank-a", partners["bank-a"], url="http://testserver/oauth/token"
        )
    assert (password.status_code, password.json()["error"]) == (400, "unsupported_grant_type")
    assert (as_json.status_code, as_json.json()["error"]) == (400, "invalid_request")
    assert (plain_http.status_code, plain_http.json()["error"]) == (400, "insecure_transport")


# Trusted documents -------------------------------------------------------------------------


async def test_sec_10_a_partner_runs_its_trusted_document_by_id_by_sha256_id_or_by_hash(
    token_a: str, client: Client
) -> None:
    async with client() as api:
        by_id = await api.graphql(variables={"ids": []}, document_id="nodes.v1", token=token_a)
        by_sha_id = await api.graphql(document_id=f"sha256:{NODES.sha256}", token=token_a)
        by_apq_hash = await api.graphql(extensions=by_hash(NODES.sha256), token=token_a)
        by_get = await api.get(
            "/graphql",
            params={"documentId": "nodes.v1"},
            headers={"Authorization": f"Bearer {token_a}"},
        )
    for response in (by_id, by_sha_id, by_apq_hash):
        assert response.status == 200
        assert response.body["data"] == {"nodes": []}
    assert by_get.status_code == 200
    assert by_get.json()["data"] == {"nodes": []}
    assert by_get.headers["cache-control"] == "no-store"


async def test_sec_10_a_partner_may_not_send_query_text_even_its_own_document(
    token_a: str, client: Client
) -> None:
    async with client() as api:
        raw = await api.graphql(NODES.document, token=token_a)
        with_hash = await api.graphql(
            NODES.document, extensions=by_hash(NODES.sha256), token=token_a
        )
        introspection = await api.graphql("{ __schema { types { name } } }", token=token_a)
    for response in (raw, with_hash, introspection):
        assert response.status == 403
        assert response.codes == ["TRUSTED_DOCUMENT_REQUIRED"]
        assert "data" not in response.body


async def test_sec_10_another_clients_document_or_an_unregistered_one_is_refused(
    token_a: str, client: Client
) -> None:
    unregistered = "{ workers(first: 1) { nodes { name } } }"
    async with client() as api:
        others = await api.graphql(document_id="node.v1", token=token_a)
        others_hash = await api.graphql(document_id=f"sha256:{NODE.sha256}", token=token_a)
        unknown = await api.graphql(document_id="no.such.document", token=token_a)
        apq = await api.graphql(extensions=by_hash(sha256_hex(unregistered)), token=token_a)
    for response in (others, others_hash, unknown, apq):
        assert response.status == 403
        assert response.codes == ["TRUSTED_DOCUMENT_REQUIRED"]


async def test_sec_10_a_partner_token_used_from_a_foreign_address_is_refused(
    token_a: str, client: Client
) -> None:
    async with client(FOREIGN_IP) as elsewhere:
        response = await elsewhere.graphql(document_id="nodes.v1", token=token_a)
        spoofed = await elsewhere.graphql(
            document_id="nodes.v1", token=token_a, headers={"X-Forwarded-For": PARTNER_IP}
        )
    for refused in (response, spoofed):
        assert refused.status == 403
        assert refused.codes == ["IP_NOT_ALLOWED"]


async def test_sec_10_forwarded_for_counts_only_from_a_trusted_proxy(
    token_a: str, client: Client
) -> None:
    forwarded = {"X-Forwarded-For": PARTNER_IP, "X-Forwarded-Proto": "https"}
    async with client("10.0.0.2", trusted_proxies=("10.0.0.0/24",)) as proxy:
        through_proxy = await proxy.graphql(
            document_id="nodes.v1", token=token_a, headers=forwarded
        )
    async with client("10.0.0.2") as untrusted_proxy:
        not_believed = await untrusted_proxy.graphql(
            document_id="nodes.v1", token=token_a, headers=forwarded
        )
    async with client(FOREIGN_IP, trusted_proxies=("10.0.0.0/24",)) as direct:
        spoofed = await direct.graphql(document_id="nodes.v1", token=token_a, headers=forwarded)
    assert through_proxy.status == 200
    assert not_believed.codes == spoofed.codes == ["IP_NOT_ALLOWED"]


async def test_sec_10_a_suspended_clients_tokens_stop_working(
    token_a: str, partners: dict[str, str], client: Client, db: AsyncEngine
) -> None:
    async with client() as api:
        async with db.begin() as connection:
            await connection.execute(update(partner_clients).values(status="suspended"))
        response = await api.graphql(document_id="nodes.v1", token=token_a)
        again = await request_token(api, "bank-a", partners["bank-a"])
    assert response.status == 401
    assert response.codes == ["UNAUTHENTICATED"]
    assert (again.status_code, again.json()["error"]) == (401, "invalid_client")


async def test_clients_and_documents_are_kept_in_memory_until_they_change(
    token_a: str, client: Client, db: AsyncEngine
) -> None:
    """Issue 7: a partner's repeated requests read neither its client nor its document
    again; a change announced by the tables' trigger (here a suspension made straight in
    SQL, as an operator might) empties the memory, so the next request sees it."""
    statements: list[str] = []

    async def nodes(api: GraphQLClient) -> Answer:
        return await api.graphql(variables={"ids": []}, document_id="nodes.v1", token=token_a)

    def statement(conn: Any, cursor: Any, sql: str, *args: Any) -> None:
        statements.append(sql)

    async with client() as api:
        assert (await nodes(api)).status == 200
        event.listen(Engine, "before_cursor_execute", statement)
        try:
            assert (await nodes(api)).status == 200
        finally:
            event.remove(Engine, "before_cursor_execute", statement)
        assert not [sql for sql in statements if "partner_client" in sql or "trusted_doc" in sql]
        async with db.begin() as connection:
            await connection.execute(update(partner_clients).values(status="suspended"))
        for _ in range(100):  # the announcement arrives asynchronously, within milliseconds
            response = await nodes(api)
            if response.status == 401:
                break
            await asyncio.sleep(0.05)
    assert response.codes == ["UNAUTHENTICATED"]


# Operators' registration -------------------------------------------------------------------


async def test_sec_10_only_valid_documents_and_bank_clients_are_registered(
    partners: dict[str, str], db: AsyncEngine, unit_of_work: Callable[[], AnyUnitOfWork]
) -> None:
    registry = PostgresPartnerRegistry(database_on(db))
    with pytest.raises(InvalidInput, match="does not validate"):
        await add_trusted_document(registry, TrustedDocument("bad.v1", "{ nope }", "x"))
    with pytest.raises(InvalidInput):
        await add_trusted_document(registry, TrustedDocument(f"sha256:{'0' * 64}", "{ a }", "x"))
    with pytest.raises(AlreadyExists):
        await add_trusted_document(registry, NODES)
    insurer = await service.register_institution(
        commands.RegisterInstitution(
            kind=InstitutionKind.INSURER,
            name="保险公司",
            credit_code=credit_code("440305", 903),
            address="深圳市福田区",
            phone="13800000002",
        ),
        unit_of_work(),
        FixedClock(),
    )
    with pytest.raises(NotFound):
        await add_partner_client(
            registry, unit_of_work, NewPartnerClient("insurer", "x", insurer.id, ["10.0.0.0/8"], [])
        )
    bank_a = await registry.client("bank-a")
    assert bank_a is not None
    with pytest.raises(InvalidInput):
        await add_partner_client(
            registry,
            unit_of_work,
            NewPartnerClient("bank-c", "x", bank_a.institution_id, ["not an address"], []),
        )
    with pytest.raises(NotFound):
        await registry.grant("bank-a", ["no.such.document"])


async def test_sec_10_operators_register_documents_and_clients_from_the_command_line(
    db: AsyncEngine,
    unit_of_work: Callable[[], AnyUnitOfWork],
    database_url: str,
    tmp_path: Path,
) -> None:
    bank = await _bank(unit_of_work, credit_code("110105", 904))
    document = tmp_path / "nodes.graphql"
    document.write_text(NODES.document, encoding="utf-8")

    def flexfin(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "src.cli", *args],
            env={**os.environ, "DATABASE_URL": database_url, "FLEXFIN_LOG_LEVEL": "WARNING"},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    added = flexfin("trusted-document", "add", "nodes.v1", str(document), "--description", "d")
    client_added = flexfin(
        "partner-client", "add", "bank-cli", "--name", "CLI bank",
        "--institution", global_id("Institution", bank),
        "--allow", "203.0.113.0/24", "--document", "nodes.v1",
    )  # fmt: skip
    refused = flexfin("partner-client", "grant", "bank-cli", "--document", "no.such.document")
    assert (added.returncode, client_added.returncode, refused.returncode) == (0, 0, 1)
    secret = client_added.stdout.split("client_secret:")[1].split()[0]
    registry = PostgresPartnerRegistry(database_on(db))
    registered = await registry.client("bank-cli")
    assert registered is not None
    assert registered.institution_id == bank
    assert secret_matches(registered.secret_hash, secret)
    assert (
        await registry.granted_document("bank-cli", DocumentReference(document_id="nodes.v1"))
        == NODES.document
    )
    assert "refused" in refused.stdout


async def test_sec_10_the_demo_partner_bank_works_with_its_documented_secret(
    unit_of_work: Callable[[], AnyUnitOfWork], db: AsyncEngine, client: Client
) -> None:
    clock = FixedClock()
    await seed_demo(unit_of_work, clock)
    registry = PostgresPartnerRegistry(database_on(db))
    assert await seed_demo_partner(registry, unit_of_work) == 2
    assert await seed_demo_partner(registry, unit_of_work) == 0
    async with client("127.0.0.1") as api:
        token = await token_for(api, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET)
        response = await api.graphql(document_id=DEMO_DOCUMENT.id, token=token)
    assert response.status == 200
    assert len(response.body["data"]["enterprises"]["nodes"]) == len(DEMO_ENTERPRISES)
