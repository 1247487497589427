"""Second confirmation over HTTP, in process, on real PostgreSQL (SEC-04): a preview states
what would change and the risks, changes nothing, and hands out a token that the real request
must carry; a missing, tampered, expired, foreign or used token is refused."""

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from src.adapters.postgres.tables import metadata
from src.auth.policy import CONFIRMATION_RISKS
from tests.conftest import FixedClock
from tests.in_process import GraphQLClient
from tests.integration.sensitive import CHANGE_CARD, NEW_CARD, preview
from tests.integration.test_api_parties import REGISTER, count, worker_input

CARD_OF = "query($id: ID!) { node(id: $id) { ... on Worker { bankCard } } }"
CHANGE_CARD_AND_REGISTER = """
mutation Both($input: ChangeWorkerBankCardInput!, $other: RegisterWorkerInput!) {
  changeWorkerBankCard(input: $input) { id }
  registerWorker(input: $other) { id } }"""


async def snapshot(db: AsyncEngine) -> dict[str, list[str]]:
    """Every row of every table."""
    async with db.connect() as connection:
        return {
            table.name: sorted(map(str, await connection.execute(select(table))))
            for table in metadata.sorted_tables
            # A preview is charged like any request, and recorded in the audit trail (SEC-07).
            if table.name not in ("cost_budgets", "audit_records")
        }


async def card_change(
    api: GraphQLClient, id_number: str | None = None
) -> tuple[dict[str, Any], str]:
    """Variables changing a newly registered worker's card to ``NEW_CARD``, and its id."""
    worker = (await api.ok(REGISTER, input=worker_input(id_number)))["data"]["registerWorker"]
    return {"input": {"id": worker["id"], "bankCard": NEW_CARD}}, worker["id"]


async def card_of(api: GraphQLClient, worker_id: str) -> str:
    card: str = (await api.ok(CARD_OF, id=worker_id))["data"]["node"]["bankCard"]
    return card


async def test_sec_04_a_preview_states_effects_and_risks_and_changes_nothing(
    api: GraphQLClient, db: AsyncEngine, clock: FixedClock
) -> None:
    change, worker_id = await card_change(api)
    before = await snapshot(db)
    # A preview neither needs nor uses up an idempotency key.
    response = await api.graphql(
        CHANGE_CARD, change, idempotency_key="k", extensions={"preview": True}
    )
    assert response.status == 200
    body = response.body
    assert body["data"]["changeWorkerBankCard"] == {"id": worker_id, "bankCard": "**** 8903"}
    confirmation = body["extensions"]["confirmation"]
    assert confirmation["effects"] == body["data"]
    assert confirmation["risks"] == list(CONFIRMATION_RISKS["Mutation.changeWorkerBankCard"])
    assert confirmation["expiresAt"] == "2026-11-23T09:35:00+00:00"
    assert confirmation["token"]
    assert await snapshot(db) == before


async def test_sec_04_only_mutations_that_need_confirmation_can_be_previewed(
    api: GraphQLClient,
) -> None:
    """A dry run of any other mutation (signing in, proving a second factor) could test
    guesses without them being counted."""
    change, _ = await card_change(api)
    newcomer = worker_input("110105199003070025")
    for query, variables in [
        (REGISTER, {"input": newcomer}),
        (CHANGE_CARD_AND_REGISTER, {**change, "other": newcomer}),
    ]:
        response = await api.graphql(query, variables, extensions={"preview": True})
        assert (response.status, response.code) == (400, "PREVIEW_NOT_AVAILABLE")
    assert await count(api, "workers") == 1


async def test_sec_04_the_mutation_runs_once_with_the_previews_token(
    api: GraphQLClient,
) -> None:
    change, worker_id = await card_change(api)
    token = (await preview(api, CHANGE_CARD, **change))["extensions"]["confirmation"]["token"]
    confirm = {"confirmationToken": token}
    done = await api.graphql(CHANGE_CARD, change, idempotency_key="k-1", extensions=confirm)
    assert done.status == 200
    assert done.body["data"]["changeWorkerBankCard"]["bankCard"] == "**** 8903"
    assert await card_of(api, worker_id) == "**** 8903"
    # A retry under the same key replays; the token itself confirms one request only.
    retried = await api.graphql(CHANGE_CARD, change, idempotency_key="k-1", extensions=confirm)
    assert (retried.content, retried.headers["idempotent-replayed"]) == (done.content, "true")
    used = await api.graphql(CHANGE_CARD, change, idempotency_key="k-2", extensions=confirm)
    assert (used.status, used.code) == (403, "CONFIRMATION_INVALID")


async def test_sec_04_without_a_token_the_mutation_asks_for_confirmation_and_frees_its_key(
    api: GraphQLClient,
) -> None:
    change, worker_id = await card_change(api)
    asked = await api.graphql(CHANGE_CARD, change, idempotency_key="k-1")
    assert (asked.status, asked.code) == (428, "CONFIRMATION_REQUIRED")
    assert await card_of(api, worker_id) == "**** 0128"
    token = (await preview(api, CHANGE_CARD, **change))["extensions"]["confirmation"]["token"]
    done = await api.graphql(
        CHANGE_CARD, change, idempotency_key="k-1", extensions={"confirmationToken": token}
    )
    assert done.status == 200
    assert "idempotent-replayed" not in done.headers


@pytest.mark.parametrize("spoil", ["tampered", "expired", "other input", "other caller", "42"])
async def test_sec_04_a_token_that_does_not_fit_is_refused_and_changes_nothing(
    api: GraphQLClient, another_caller: dict[str, str], clock: FixedClock, spoil: str
) -> None:
    change, worker_id = await card_change(api)
    token: object = (await preview(api, CHANGE_CARD, **change))["extensions"]["confirmation"][
        "token"
    ]
    headers = None
    if spoil == "tampered":
        token = f"{token}x"
    elif spoil == "expired":
        clock.advance(minutes=5)
    elif spoil == "other input":
        change["input"]["bankCard"] = "6222021234567890128"
    elif spoil == "other caller":
        headers = another_caller
    else:
        token = 42
    refused = await api.graphql(
        CHANGE_CARD,
        change,
        idempotency_key="k",
        headers=headers,
        extensions={"confirmationToken": token},
    )
    assert (refused.status, refused.code) == (403, "CONFIRMATION_INVALID")
    assert await card_of(api, worker_id) == "**** 0128"


async def test_sec_04_a_preview_that_fails_gives_no_token(api: GraphQLClient) -> None:
    close = """mutation($input: CloseEnterpriseInput!) { closeEnterprise(input: $input) { id } }"""
    unknown = "RW50ZXJwcmlzZTowMTkyMDAwMC0wMDAwLTcwMDAtODAwMC0wMDAwMDAwMDAwMDA"
    body = await preview(api, close, input={"id": unknown, "reason": "业务终止"})
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert "confirmation" not in body.get("extensions", {})


async def test_sec_04_the_preview_flag_must_be_true_or_false(api: GraphQLClient) -> None:
    response = await api.graphql(REGISTER, {"input": worker_input()}, extensions={"preview": "yes"})
    assert (response.status, response.code) == (400, "BAD_REQUEST")
    assert await count(api, "workers") == 0
