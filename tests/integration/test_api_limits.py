"""API limits over HTTP on real PostgreSQL (issue 3 item 14, SEC-10): static limits with the
endpoint's status rules, `extensions.cost` on every GraphQL response, the per-principal budget
(429 + Retry-After), exact under concurrent requests from two server instances, no batching,
and production mode without introspection or suggestions."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import pytest

from src.auth.roles import Role
from tests.conftest import FixedClock, Serve, SignIn
from tests.in_process import Answer, GraphQLClient
from tests.integration.test_api_parties import worker_input

GRAPHQL_RESPONSE = "application/graphql-response+json"
WORKERS = "query($n: Int!) { workers(first: $n) { nodes { id } } }"


@pytest.fixture
def signed_in(serve: Serve, sign_in: SignIn) -> Serve:
    """``serve`` with each client signed in as its own operator (fresh second factor)."""

    @contextlib.asynccontextmanager
    async def start(*addresses: str, **settings: Any) -> AsyncIterator[list[GraphQLClient]]:
        async with serve(*addresses, **settings) as clients:
            for client in clients:
                client.headers.update(await sign_in(Role.OPERATOR, stepped_up=True))
            yield clients

    return start


async def post(
    client: GraphQLClient, query: str, accept: str = GRAPHQL_RESPONSE, **variables: Any
) -> Answer:
    return await client.graphql(query, variables, headers={"accept": accept})


def cost(response: Answer) -> dict[str, Any]:
    extension: dict[str, Any] = response.body["extensions"]["cost"]
    return extension


async def test_sec_10_every_graphql_response_reports_its_cost(api: GraphQLClient) -> None:
    listed = await post(api, WORKERS, n=10)
    assert listed.status == 200
    assert listed.body["data"] == {"workers": {"nodes": []}}
    assert cost(listed) == {
        "requestedQueryCost": 12,
        "actualQueryCost": 12,
        "throttleStatus": {"maximumAvailable": 1000, "currentlyAvailable": 988, "restoreRate": 50},
    }
    field_error = await post(api, WORKERS, n=101)
    assert field_error.code == "INVALID_INPUT"
    assert cost(field_error)["requestedQueryCost"] == 2
    null_first = await post(api, "query($n: Int) { workers(first: $n) { nodes { id } } }", n=None)
    assert (null_first.status, null_first.code) == (200, "BAD_USER_INPUT")
    assert cost(null_first)["requestedQueryCost"] == 1
    for broken in ("{ workers(", "{ nope }"):
        refused = await post(api, broken)
        assert refused.status == 400
        assert cost(refused)["actualQueryCost"] == 1
    assert cost(refused)["throttleStatus"]["currentlyAvailable"] == 1000 - 12 - 2 - 1 - 1 - 1


@pytest.mark.parametrize(("accept", "status"), [(GRAPHQL_RESPONSE, 400), ("application/json", 200)])
async def test_sec_10_a_query_over_the_single_query_maximum_is_refused_before_it_runs(
    signed_in: Serve, accept: str, status: int
) -> None:
    async with signed_in(max_query_cost=100) as [client]:
        assert (await post(client, WORKERS, accept, n=98)).body["data"] is not None
        refused = await post(client, WORKERS, accept, n=99)
        assert refused.status == status
        assert "data" not in refused.body
        assert refused.code == "MAX_COST_EXCEEDED"
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
    signed_in: Serve, limit: dict[str, Any], under: str, over: str, refusal: str
) -> None:
    async with signed_in(**limit) as [client]:
        assert (await post(client, under)).body["data"] is not None
        for accept, status in (
            (GRAPHQL_RESPONSE, 400),
            ("application/json", 200),
            (GRAPHQL_RESPONSE, 400),
        ):
            refused = await post(client, over, accept)
            assert refused.status == status
            assert "data" not in refused.body
            assert refused.code == refusal
            assert cost(refused)["actualQueryCost"] == 1


REGISTER = """mutation($input: RegisterWorkerInput!) { registerWorker(input: $input) { id } }"""


async def test_sec_10_an_empty_budget_throttles_until_it_refills(
    signed_in: Serve, clock: FixedClock
) -> None:
    async with signed_in(cost_budget=50, max_query_cost=50, cost_restore_rate=4) as [client]:
        for _ in range(5):
            assert (await post(client, REGISTER, input=worker_input())).status == 200
        throttled = await post(client, REGISTER, "application/json", input=worker_input())
        assert throttled.status == 429
        assert throttled.headers["retry-after"] == "3"  # 10 points at 4 a second
        assert "data" not in throttled.body
        assert throttled.code == "THROTTLED"
        assert cost(throttled) == {
            "requestedQueryCost": 10,
            "actualQueryCost": 0,
            "throttleStatus": {"maximumAvailable": 50, "currentlyAvailable": 0, "restoreRate": 4},
        }
        clock.advance(seconds=2)
        again = await post(client, "{ __typename }")
        assert again.status == 200
        assert cost(again)["throttleStatus"]["currentlyAvailable"] == 7
        assert (await post(client, REGISTER, input=worker_input())).headers["retry-after"] == "1"
        clock.advance(seconds=1)
        assert (await post(client, REGISTER, input=worker_input())).status == 200
        clock.advance(minutes=1)  # long enough to refill; short of the token's expiry
        assert (
            cost(await post(client, "{ __typename }"))["throttleStatus"]["currentlyAvailable"] == 49
        )


CHALLENGE = "mutation { loginChallenge { id } }"
"""Public, so anonymous callers can spend points: a mutation costs 10."""


async def test_sec_10_budgets_are_per_principal_and_per_address_for_anonymous_callers(
    serve: Serve, sign_in: SignIn
) -> None:
    limits: dict[str, Any] = {"cost_budget": 12, "max_query_cost": 12}
    async with serve("10.0.0.1", "10.0.0.2", **limits) as [one, two]:
        assert (await post(one, CHALLENGE)).status == 200
        assert (await post(one, CHALLENGE)).status == 429
        assert (await post(two, CHALLENGE)).status == 200
        operator = await one.graphql(WORKERS, {"n": 10}, headers=await sign_in(Role.OPERATOR))
        assert operator.status == 200
        assert cost(operator)["throttleStatus"]["currentlyAvailable"] == 0


async def test_sec_10_concurrent_requests_to_two_servers_spend_one_budget_exactly(
    serve: Serve,
) -> None:
    """12 requests of 10 points at once, half to each of two app instances (two processes'
    worth of engines and pools) sharing the database; the budget holds exactly 5 of them."""
    limits: dict[str, Any] = {"cost_budget": 51, "max_query_cost": 51}
    async with (
        serve(**limits) as [first],
        serve(**limits) as [second],
    ):
        assert (await post(first, "{ __typename }")).status == 200  # 1 point: 50 left
        responses = await asyncio.gather(
            *(post(client, CHALLENGE) for client in (first, second) * 6)
        )
    statuses = sorted(response.status for response in responses)
    assert statuses == [200] * 5 + [429] * 7
    assert all(r.code == "THROTTLED" for r in responses if r.status == 429)


@pytest.mark.parametrize("body", [[{"query": "{ __typename }"}], []])
async def test_batches_are_refused_with_a_clear_code(api: GraphQLClient, body: list[Any]) -> None:
    response = await api.post("/graphql", json=body)
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"] == {"code": "BATCHING_NOT_SUPPORTED"}


@pytest.fixture
async def production(signed_in: Serve) -> AsyncIterator[GraphQLClient]:
    async with signed_in(environment="production") as [client]:
        yield client


async def test_sec_10_production_refuses_introspection_but_keeps_typename(
    production: GraphQLClient, api: GraphQLClient
) -> None:
    introspection = "{ __schema { queryType { name } } }"
    refused = await post(production, introspection)
    assert refused.status == 400
    assert refused.code == "INTROSPECTION_DISABLED"
    assert (await post(production, "{ __typename }")).body["data"] == {"__typename": "Query"}
    assert (await post(api, introspection)).body["data"]["__schema"]["queryType"]["name"] == "Query"


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
    production: GraphQLClient, api: GraphQLClient, query: str, variables: dict[str, Any]
) -> None:
    async def message(client: GraphQLClient) -> str:
        return str((await post(client, query, **variables)).body["errors"][0]["message"])

    assert "Did you mean" in await message(api)
    assert "Did you mean" not in await message(production)
