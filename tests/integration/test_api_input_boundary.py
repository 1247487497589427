"""Issue 6, "No input crashes the server" (SEC-11): the fuzz run's reproducers, through the
app in process on real PostgreSQL. Every String and ID argument meets its text rule before
anything runs; JSON nests at most 64 levels; internal errors are logged and counted."""

import json
import logging
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from src.app import create_app
from src.auth.challenges import Challenges
from src.graphql.transport import http
from src.settings import Settings
from tests.conftest import FixedClock
from tests.in_process import GraphQLClient, in_process
from tests.integration.test_api_parties import (
    ONBOARD,
    REGISTER,
    enterprise_input,
    worker_input,
)

GRAPHQL_RESPONSE = "application/graphql-response+json"
LOGIN = """mutation($input: LoginInput!) { login(input: $input) { accessToken } }"""
INSTITUTION = """mutation($input: RegisterInstitutionInput!) {
  registerInstitution(input: $input) { id } }"""
CHANGE_PROFILE = """mutation($input: ChangeEnterpriseProfileInput!) {
  changeEnterpriseProfile(input: $input) { id } }"""
CHANGE_CONTACT = """mutation($input: ChangeWorkerContactInput!) {
  changeWorkerContact(input: $input) { id } }"""


async def post(client: httpx.AsyncClient, body: Any, accept: str = "application/json") -> Any:
    """Post ``body`` as Python's json.dumps writes it: a lone surrogate becomes the raw
    escape ``\\ud800``, as a fuzzer sends it (httpx's own encoder would refuse it)."""
    return await client.post(
        "/graphql",
        content=json.dumps(body),
        headers={"content-type": "application/json", "accept": accept},
    )


def refusal(response: httpx.Response) -> dict[str, Any]:
    """The one error of a request refused before anything ran."""
    body = response.json()
    assert "data" not in body, body
    [error] = body["errors"]
    extensions: dict[str, Any] = error["extensions"]
    return extensions


def nested(levels: int) -> str:
    return "[" * levels + "]" * levels


@pytest.mark.parametrize(
    "body",
    [nested(1000), '{"query": "{ __typename }", "variables": {"x": ' + nested(1000) + "}}"],
)
async def test_json_nested_1000_levels_is_a_bad_request_not_a_crash(
    app_client: GraphQLClient, body: str
) -> None:
    response = await app_client.post(
        "/graphql", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert refusal(response)["code"] == "JSON_TOO_DEEP"


async def test_json_within_the_nesting_limit_is_read(app_client: GraphQLClient) -> None:
    variables = {"x": json.loads(nested(60))}
    response = await post(app_client, {"query": "{ __typename }", "variables": variables})
    assert response.json() == {
        "data": {"__typename": "Query"},
        "extensions": response.json()["extensions"],
    }


async def test_a_lone_surrogate_in_a_filter_is_invalid_text(api: GraphQLClient) -> None:
    query = "query($name: String) { workers(where: {nameContains: $name}) { nodes { id } } }"
    response = await post(
        api, {"query": query, "variables": {"name": "王\ud800"}}, GRAPHQL_RESPONSE
    )
    assert response.status_code == 400
    assert refusal(response) == {"code": "INVALID_TEXT", "field": "where.nameContains"}


async def test_a_lone_surrogate_in_an_input_is_invalid_text(api: GraphQLClient) -> None:
    response = await post(
        api, {"query": REGISTER, "variables": {"input": worker_input(name="\ud800")}}
    )
    assert response.status_code == 200  # application/json: read the errors
    assert refusal(response) == {"code": "INVALID_TEXT", "field": "input.name"}


async def test_nul_in_the_login_name_is_invalid_text_for_anyone(
    app_client: GraphQLClient, db: AsyncEngine
) -> None:
    login = {"login": "admin\u0000", "password": "x"}
    response = await post(app_client, {"query": LOGIN, "variables": {"input": login}})
    assert refusal(response) == {"code": "INVALID_TEXT", "field": "input.login"}


async def test_a_login_name_over_its_limit_is_too_long_and_writes_nothing(
    app_client: GraphQLClient, db: AsyncEngine
) -> None:
    login = {"login": "a" * 161, "password": "x"}
    response = await post(app_client, {"query": LOGIN, "variables": {"input": login}})
    assert refusal(response) == {"code": "TOO_LONG", "field": "input.login"}
    async with db.connect() as connection:
        guards = await connection.scalar(text("SELECT count(*) FROM login_guards"))
    assert guards == 0


async def test_nul_is_invalid_text_in_every_input_that_reached_postgresql(
    api: GraphQLClient,
) -> None:
    enterprise = (await api.ok(ONBOARD, input=enterprise_input()))["data"]["onboardEnterprise"]
    worker = (await api.ok(REGISTER, input=worker_input()))["data"]["registerWorker"]
    nul = "北京\u0000"
    cases = [
        (REGISTER, {"input": worker_input(address=nul)}, "input.address"),
        (ONBOARD, {"input": enterprise_input(name=nul)}, "input.profile.name"),
        (
            INSTITUTION,
            {
                "input": {
                    "kind": "BANK",
                    "name": nul,
                    "creditCode": "91110000600037341L",
                    "address": "北京",
                    "phone": "13900000001",
                }
            },
            "input.name",
        ),
        (
            CHANGE_PROFILE,
            {
                "input": {
                    "id": enterprise["id"],
                    "profile": enterprise_input(address=nul)["profile"],
                }
            },
            "input.profile.address",
        ),
        (
            CHANGE_CONTACT,
            {"input": {"id": worker["id"], "phone": "13812345678", "address": nul}},
            "input.address",
        ),
        *(
            (
                f"query($n: String) {{ {connection}(where: {{nameContains: $n}}) {{ nodes {{ id }} }} }}",
                {"n": nul},
                "where.nameContains",
            )
            for connection in ("enterprises", "workers", "institutions")
        ),
    ]
    for query, variables, field in cases:
        response = await post(api, {"query": query, "variables": variables})
        assert refusal(response) == {"code": "INVALID_TEXT", "field": field}, query


async def test_literals_and_fragments_meet_the_rules_too(api: GraphQLClient) -> None:
    literal = '{ workers(where: {nameContains: "\\u0000"}) { nodes { id } } }'
    assert refusal(await post(api, {"query": literal}))["field"] == "where.nameContains"
    spread = """query($ids: [ID!]!) { ...Nodes }
                fragment Nodes on Query { ... on Query { nodes(ids: $ids) { id } } }"""
    ids = ["x", "y" * 101]
    response = await post(api, {"query": spread, "variables": {"ids": ids}})
    assert refusal(response) == {"code": "TOO_LONG", "field": "ids.1"}


async def test_a_bad_second_mutation_keeps_the_first_from_running(
    api: GraphQLClient, db: AsyncEngine
) -> None:
    both = """mutation($e: OnboardEnterpriseInput!, $w: RegisterWorkerInput!) {
                onboardEnterprise(input: $e) { id }
                registerWorker(input: $w) { id } }"""
    variables = {"e": enterprise_input(), "w": worker_input(name="王\u0000芳")}
    response = await post(api, {"query": both, "variables": variables})
    assert refusal(response) == {"code": "INVALID_TEXT", "field": "input.name"}
    async with db.connect() as connection:
        enterprises = await connection.scalar(text("SELECT count(*) FROM enterprises"))
        done = await connection.scalar(
            text("SELECT count(*) FROM audit_records WHERE outcome = 'ok'")
        )
    assert (enterprises, done) == (0, 0)


async def test_resolvers_see_text_in_its_normal_form(api: GraphQLClient) -> None:
    decomposed = "Zoe\u0301"  # e + combining acute: NFC makes it one é
    made = await api.ok(REGISTER, input=worker_input(name=decomposed))
    assert made["data"]["registerWorker"]["name"] == "Zo\u00e9"


async def test_descriptions_state_the_limits(app_client: GraphQLClient) -> None:
    query = '{ __type(name: "LoginInput") { inputFields { name description } } }'
    fields = (await app_client.ok(query))["data"]["__type"]["inputFields"]
    described = {field["name"]: field["description"] for field in fields}
    assert described["login"] == "At most 64 characters."
    assert described["password"] == "At most 128 characters."


async def test_internal_errors_are_logged_with_the_request_id_and_counted(
    db: AsyncEngine, database_url: str, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    def broken() -> str:
        raise RuntimeError("the captcha font is missing")

    app = create_app(
        Settings(database_url=database_url, db_pool_size=2),
        clock=clock,
        challenges=Challenges(b"c" * 32, answers=broken),
    )
    async with in_process(app, "127.0.0.1") as [client]:
        before = await internal_errors(client)
        response = await client.post(
            "/graphql",
            json={"query": "mutation { loginChallenge { id } }"},
            headers={"X-Request-ID": "fuzz-42"},
        )
        assert response.json()["errors"][0]["extensions"] == {
            "code": "INTERNAL_SERVER_ERROR",
            "requestId": "fuzz-42",
        }
        assert await internal_errors(client) == before + 1
    [logged] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert logged.request_id == "fuzz-42"  # type: ignore[attr-defined]
    assert logged.exc_info is not None


async def test_a_failure_outside_execution_is_logged_and_counted_too(
    app_client: GraphQLClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(request: object) -> None:
        raise RuntimeError("the body reader broke")

    monkeypatch.setattr(http, "read_params", broken)
    before = await internal_errors(app_client)
    app = app_client._transport.app  # type: ignore[attr-defined]
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.post("/graphql", json={}, headers={"X-Request-ID": "outer-7"})
    assert response.status_code == 500
    assert response.json()["errors"][0]["extensions"]["requestId"] == "outer-7"
    assert await internal_errors(app_client) == before + 1
    assert any(getattr(r, "request_id", None) == "outer-7" for r in caplog.records)


@pytest.mark.parametrize(
    "body",
    [
        {"query": "query Q { __typename }", "operationName": "\ud800"},
        {
            "query": "query($s: EnterpriseStatus) { enterprises(where: {status: $s}) { nodes { id } } }",
            "variables": {"s": "\ud800"},
        },
    ],
)
async def test_a_lone_surrogate_echoed_in_an_error_is_escaped(
    api: GraphQLClient, body: dict[str, Any]
) -> None:
    response = await post(api, body)
    assert response.status_code == 200
    assert "\\ud800" in response.text  # the JSON escape: UTF-8 cannot carry a lone surrogate
    assert "\ud800" in response.json()["errors"][0]["message"]  # and decodes back to it


async def internal_errors(client: httpx.AsyncClient) -> int:
    response = await client.get("/metrics")
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    [sample] = [line for line in response.text.splitlines() if not line.startswith("#")]
    name, value = sample.split()
    assert name == "flexfin_internal_errors_total"
    return int(value)
