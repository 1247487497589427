"""API limits over HTTP on real PostgreSQL (issue 3 item 14, SEC-10): static limits with the
endpoint's status rules, `extensions.cost` on every GraphQL response, the per-principal budget
(429 + Retry-After), exact under concurrent requests from two server instances, no batching,
and production mode without introspection or suggestions."""

import asyncio
import contextlib
import dataclasses
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from src.app import create_app
from src.auth.roles import Role
from src.settings import Settings
from tests.conftest import FixedClock, SignIn, serving
from tests.integration.test_api_parties import worker_input

GRAPHQL_RESPONSE = "application/graphql-response+json"
WORKERS = "query($n: Int!) { workers(first: $n) { nodes { id } } }"

Serve = Callable[..., contextlib.AbstractAsyncContextManager[list[httpx.AsyncClient]]]


@pytest.fixture
def serve(db: AsyncEngine, database_url: str, clock: FixedClock, sign_in: SignIn) -> Serve:
    """``serve(*client_ips, anonymous=False, **settings)``: clients of an app with these
    settings, each signed in as its own operator (with a fresh second factor) unless
    ``anonymous``."""

    @contextlib.asynccontextmanager
    async def start(
        *client_ips: str, anonymous: bool = False, **changes: Any
    ) -> AsyncIterator[list[httpx.AsyncClient]]:
        settings = dataclasses.replace(
            Settings(database_url=database_url, db_pool_size=2), **changes
        )
        app = create_app(settings, clock=clock)
        async with serving(app, *(client_ips or ("127.0.0.1",))) as clients:
            for client in clients if not anonymous else []:
                client.headers.update(await sign_in(Role.OPERATOR, stepped_up=True))
            yield clients

    return start


async def post(
    client: httpx.AsyncClient, query: str, accept: str = GRAPHQL_RESPONSE, **variables: Any
) -> httpx.Response:
    return await client.post(
        "/graphql", json={"query": query, "variables": variables}, headers={"accept": accept}
    )


def cost(response: httpx.Response) -> dict[str, Any]:
    extension: dict[str, Any] = response.json()["extensions"]["cost"]
    return extension


def code(response: httpx.Response) -> str:
    return str(response.json()["errors"][0]["extensions"]["code"])


async def test_sec_10_every_graphql_response_reports_its_cost(api: httpx.AsyncClient) -> None:
    listed = await post(api, WORKERS, n=10)
    assert listed.status_code == 200
    assert listed.json()["data"] == {"workers": {"nodes": []}}
    assert cost(listed) == {
        "requestedQueryCost": 12,
        "actualQueryCost": 12,
        "throttleStatus": {"maximumAvailable": 1000, "currentlyAvailable": 988, "restoreRate": 50},
    }
    field_error = await post(api, WORKERS, n=101)
    assert code(field_error) == "INVALID_INPUT"
    assert cost(field_error)["requestedQueryCost"] == 2
    null_first = await post(api, "query($n: Int) { workers(first: $n) { nodes { id } } }", n=None)
    assert (null_first.status_code, code(null_first)) == (200, "BAD_USER_INPUT")
    assert cost(null_first)["requestedQueryCost"] == 1
    for broken in ("{ workers(", "{ nope }"):
        refused = await post(api, broken)
        assert refused.status_code == 400
        assert cost(refused)["actualQueryCost"] == 1
    assert cost(refused)["throttleStatus"]["currentlyAvailable"] == 1000 - 12 - 2 - 1 - 1 - 1


@pytest.mark.parametrize(("accept", "status"), [(GRAPHQL_RESPONSE, 400), ("application/json", 200)])
async def test_sec_10_a_query_over_the_single_query_maximum_is_refused_before_it_runs(
    serve: Serve, accept: str, status: int
) -> None:
    async with serve(max_query_cost=100) as [client]:
        assert (await post(client, WORKERS, accept, n=98)).json()["data"] is not None
        refused = await post(client, WORKERS, accept, n=99)
        assert refused.status_code == status
        assert "data" not in refused.json()
        assert code(refused) == "MAX_COST_EXCEEDED"
        assert cost(refused)["requestedQueryCost"] == 101
        assert cost(refused)["actualQueryCost"] == 1
        assert cost(refused)["throttleStatus"]["currentlyAvailable"] == 1000 - 100 - 1


@pytest.mark.parametrize(
    ("limit", "under", "over", "refusal"),
    [
        (
            {"max_query_depth": 3},
            "{ workers { nodes { id } } }",
            "{ workers { edges { node { id } } } }",
            "QUERY_TOO_DEEP",
        ),
        (
            {"max_aliases": 2},
            "{ a: __typename b: __typename }",
            "{ a: __typename b: __typename c: __typename }",
            "TOO_MANY_ALIASES",
        ),
        (
            {"max_tokens": 10},
            "{ workers { nodes { id name } } }",
            "{ workers { nodes { id name address } } }",
            "TOO_MANY_TOKENS",
        ),
    ],
)
async def test_sec_10_static_limits_refuse_just_over_and_stay_refused_from_the_cache(
    serve: Serve, limit: dict[str, int], under: str, over: str, refusal: str
) -> None:
    async with serve(**limit) as [client]:
        assert (await post(client, under)).json()["data"] is not None
        for accept, status in (
            (GRAPHQL_RESPONSE, 400),
            ("application/json", 200),
            (GRAPHQL_RESPONSE, 400),
        ):
            refused = await post(client, over, accept)
            assert refused.status_code == status
            assert "data" not in refused.json()
            assert code(refused) == refusal
            assert cost(refused)["actualQueryCost"] == 1


REGISTER = """mutation($input: RegisterWorkerInput!) { registerWorker(input: $input) { id } }"""


async def test_sec_10_an_empty_budget_throttles_until_it_refills(
    serve: Serve, clock: FixedClock
) -> None:
    async with serve(cost_budget=50, max_query_cost=50, cost_restore_rate=4) as [client]:
        for _ in range(5):
            assert (await post(client, REGISTER, input=worker_input())).status_code == 200
        throttled = await post(client, REGISTER, "application/json", input=worker_input())
        assert throttled.status_code == 429
        assert throttled.headers["retry-after"] == "3"  # 10 points at 4 a second
        assert "data" not in throttled.json()
        assert code(throttled) == "THROTTLED"
        assert cost(throttled) == {
            "requestedQueryCost": 10,
            "actualQueryCost": 0,
            "throttleStatus": {"maximumAvailable": 50, "currentlyAvailable": 0, "restoreRate": 4},
        }
        clock.advance(seconds=2)
        again = await post(client, "{ __typename }")
        assert again.status_code == 200
        assert cost(again)["throttleStatus"]["currentlyAvailable"] == 7
        assert (await post(client, REGISTER, input=worker_input())).headers["retry-after"] == "1"
        clock.advance(seconds=1)
        assert (await post(client, REGISTER, input=worker_input())).status_code == 200
        clock.advance(minutes=1)  # long enough to refill; short of the token's expiry
        assert (
            cost(await post(client, "{ __typename }"))["throttleStatus"]["currentlyAvailable"] == 49
        )


CHALLENGE = "mutation { loginChallenge { id } }"
"""Public, so anonymous callers can spend points: a mutation costs 10."""


async def test_sec_10_budgets_are_per_principal_and_per_address_for_anonymous_callers(
    serve: Serve, sign_in: SignIn
) -> None:
    limits = {"cost_budget": 12, "max_query_cost": 12}
    async with serve("10.0.0.1", "10.0.0.2", anonymous=True, **limits) as [one, two]:
        assert (await post(one, CHALLENGE)).status_code == 200
        assert (await post(one, CHALLENGE)).status_code == 429
        assert (await post(two, CHALLENGE)).status_code == 200
        signed_in = await one.post(
            "/graphql",
            json={"query": WORKERS, "variables": {"n": 10}},
            headers=await sign_in(Role.OPERATOR),
        )
        assert signed_in.status_code == 200
        assert cost(signed_in)["throttleStatus"]["currentlyAvailable"] == 0


async def test_sec_10_concurrent_requests_to_two_servers_spend_one_budget_exactly(
    serve: Serve,
) -> None:
    """12 requests of 10 points at once, half to each of two app instances (two processes'
    worth of engines and pools) sharing the database; the budget holds exactly 5 of them."""
    limits = {"cost_budget": 51, "max_query_cost": 51}
    async with (
        serve(anonymous=True, **limits) as [first],
        serve(anonymous=True, **limits) as [second],
    ):
        assert (await post(first, "{ __typename }")).status_code == 200  # 1 point: 50 left
        responses = await asyncio.gather(
            *(post(client, CHALLENGE) for client in (first, second) * 6)
        )
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200] * 5 + [429] * 7
    assert all(code(r) == "THROTTLED" for r in responses if r.status_code == 429)


@pytest.mark.parametrize("body", [[{"query": "{ __typename }"}], []])
async def test_batches_are_refused_with_a_clear_code(
    api: httpx.AsyncClient, body: list[Any]
) -> None:
    response = await api.post("/graphql", json=body)
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"] == {"code": "BATCHING_NOT_SUPPORTED"}


@pytest.fixture
async def production(serve: Serve) -> AsyncIterator[httpx.AsyncClient]:
    async with serve(environment="production") as [client]:
        yield client


async def test_sec_10_production_refuses_introspection_but_keeps_typename(
    production: httpx.AsyncClient, api: httpx.AsyncClient
) -> None:
    introspection = "{ __schema { queryType { name } } }"
    refused = await post(production, introspection)
    assert refused.status_code == 400
    assert code(refused) == "INTROSPECTION_DISABLED"
    assert (await post(production, "{ __typename }")).json()["data"] == {"__typename": "Query"}
    assert (await post(api, introspection)).json()["data"]["__schema"]["queryType"][
        "name"
    ] == "Query"


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        ("{ workrs { nodes { id } } }", {}),
        (
            "query($s: EnterpriseStatus) { enterprises(where: {status: $s}) { nodes { id } } }",
            {"s": "ACTIV"},
        ),
    ],
)
async def test_sec_10_production_gives_no_did_you_mean_suggestions(
    production: httpx.AsyncClient, api: httpx.AsyncClient, query: str, variables: dict[str, Any]
) -> None:
    async def message(client: httpx.AsyncClient) -> str:
        return str((await post(client, query, **variables)).json()["errors"][0]["message"])

    assert "Did you mean" in await message(api)
    assert "Did you mean" not in await message(production)
