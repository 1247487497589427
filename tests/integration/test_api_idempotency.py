"""No duplicate submission over HTTP, in process, on real PostgreSQL (SEC-04, ORD-03): a key
replays its first answer, refuses other input, answers IDEMPOTENCY_IN_PROGRESS while the
first request runs, and belongs to one caller; concurrent duplicates run once. Expiry is
tested on the adapter with the clock moved (test_idempotency_postgres.py), and exactly-once
with a counted, held-back execution in test_mutation_guard.py."""

import asyncio

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from src.adapters.postgres.tables import idempotency_records
from tests.in_process import Answer, GraphQLClient
from tests.integration.sensitive import CHANGE_CARD, confirmation
from tests.integration.test_api_confirmation import card_change, card_of
from tests.integration.test_api_parties import (
    ONBOARD,
    REGISTER,
    count,
    enterprise_input,
    worker_input,
)
from tests.integration.test_parties_postgres import count_rows

CLOSE = """mutation Close($input: CloseEnterpriseInput!) {
  closeEnterprise(input: $input) { id status closureReason } }"""


def code_of(response: Answer) -> str:
    assert "data" not in response.body
    return response.code


def executed(response: Answer) -> bool:
    return response.status == 200 and "idempotent-replayed" not in response.headers


async def test_ord_03_same_key_and_input_replays_the_first_answer(api: GraphQLClient) -> None:
    change, worker_id = await card_change(api)
    confirm = await confirmation(api, CHANGE_CARD, change)
    first = await api.graphql(CHANGE_CARD, change, idempotency_key="order-1", extensions=confirm)
    again = await api.graphql(CHANGE_CARD, change, idempotency_key="order-1", extensions=confirm)
    assert executed(first)
    assert first.body["data"]["changeWorkerBankCard"]["bankCard"] == "**** 8903"
    assert (again.status, again.headers["idempotent-replayed"]) == (200, "true")
    assert again.content == first.content
    # Written differently (a comment, other spacing), it is still the same request.
    spaced = "# the same change\n" + CHANGE_CARD.replace(" ", "   ")
    third = await api.graphql(spaced, change, idempotency_key="order-1", extensions=confirm)
    assert (third.content, third.headers["idempotent-replayed"]) == (first.content, "true")
    assert await card_of(api, worker_id) == "**** 8903"


async def test_ord_03_an_answer_with_a_business_error_is_replayed_too(
    api: GraphQLClient,
) -> None:
    made = (await api.ok(ONBOARD, input=enterprise_input()))["data"]["onboardEnterprise"]
    late = {"input": {"id": made["id"], "reason": "业务终止"}}
    first = {"input": {"id": made["id"], "reason": "合同到期"}}
    confirm_late = await confirmation(api, CLOSE, late)
    closed = await api.graphql(
        CLOSE, first, idempotency_key="close-1", extensions=await confirmation(api, CLOSE, first)
    )
    assert closed.body["data"]["closeEnterprise"]["status"] == "CLOSED"
    refused = await api.graphql(CLOSE, late, idempotency_key="close-2", extensions=confirm_late)
    assert refused.body["errors"][0]["extensions"]["code"] == "ENTERPRISE_CLOSED"
    again = await api.graphql(CLOSE, late, idempotency_key="close-2", extensions=confirm_late)
    assert (again.content, again.headers["idempotent-replayed"]) == (refused.content, "true")


async def test_ord_03_same_key_with_other_input_is_refused(api: GraphQLClient) -> None:
    change, worker_id = await card_change(api)
    confirm = await confirmation(api, CHANGE_CARD, change)
    await api.graphql(CHANGE_CARD, change, idempotency_key="order-2", extensions=confirm)
    change["input"]["bankCard"] = "6222021234567890128"
    reused = await api.graphql(CHANGE_CARD, change, idempotency_key="order-2", extensions=confirm)
    assert (reused.status, code_of(reused)) == (422, "IDEMPOTENCY_KEY_REUSED")
    assert await card_of(api, worker_id) == "**** 8903"


async def test_ord_03_ten_concurrent_duplicates_run_once(api: GraphQLClient) -> None:
    change, _ = await card_change(api)
    confirm = await confirmation(api, CHANGE_CARD, change)
    responses = await asyncio.gather(
        *(
            api.graphql(CHANGE_CARD, change, idempotency_key="order-3", extensions=confirm)
            for _ in range(10)
        )
    )
    # A second execution would have reached the single-use token: a 403, not a replay.
    [first] = [response for response in responses if executed(response)]
    for response in responses:
        if response.status == 200:
            assert response.content == first.content
        else:
            assert (response.status, code_of(response)) == (409, "IDEMPOTENCY_IN_PROGRESS")
            assert response.headers["retry-after"] == "1"


async def test_ord_03_duplicates_while_the_first_runs_are_told_it_is_in_progress(
    api: GraphQLClient, db: AsyncEngine
) -> None:
    change, worker_id = await card_change(api)
    confirm = await confirmation(api, CHANGE_CARD, change)
    async with db.connect() as blocker:
        # Hold back every change of a worker: the request that claims the key waits there.
        await blocker.execute(text("LOCK TABLE workers IN EXCLUSIVE MODE"))
        requests = [
            asyncio.create_task(
                api.graphql(CHANGE_CARD, change, idempotency_key="order-4", extensions=confirm)
            )
            for _ in range(10)
        ]
        duplicates = []
        for answered in asyncio.as_completed(requests):
            duplicates.append(await answered)
            if len(duplicates) == 9:
                break
        [running] = [request for request in requests if not request.done()]
        await blocker.rollback()
    first = await running
    assert all(code_of(duplicate) == "IDEMPOTENCY_IN_PROGRESS" for duplicate in duplicates)
    assert executed(first)
    replayed = await api.graphql(CHANGE_CARD, change, idempotency_key="order-4", extensions=confirm)
    assert replayed.content == first.content
    assert await card_of(api, worker_id) == "**** 8903"


async def test_sec_04_a_sensitive_mutation_without_a_key_is_refused_before_it_runs(
    api: GraphQLClient,
) -> None:
    change, worker_id = await card_change(api)
    confirm = await confirmation(api, CHANGE_CARD, change)
    refused = await api.graphql(CHANGE_CARD, change, extensions=confirm)
    assert (refused.status, code_of(refused)) == (400, "IDEMPOTENCY_KEY_REQUIRED")
    assert await card_of(api, worker_id) == "**** 0128"


@pytest.mark.parametrize("key", ["", "has space", "a" * 256, "tab\tinside"])
async def test_sec_04_malformed_keys_are_refused(api: GraphQLClient, key: str) -> None:
    change, _ = await card_change(api)
    refused = await api.graphql(CHANGE_CARD, change, idempotency_key=key)
    assert (refused.status, code_of(refused)) == (400, "IDEMPOTENCY_KEY_INVALID")


async def test_ord_03_a_keyed_mutation_travels_alone(api: GraphQLClient) -> None:
    change, _ = await card_change(api)
    both = """mutation($input: ChangeWorkerBankCardInput!, $other: RegisterWorkerInput!) {
      changeWorkerBankCard(input: $input) { id } registerWorker(input: $other) { id } }"""
    variables = {**change, "other": worker_input("110105199003070025")}
    refused = await api.graphql(both, variables, idempotency_key="order-5")
    assert (refused.status, code_of(refused)) == (400, "IDEMPOTENT_MUTATION_NOT_ALONE")
    assert await count(api, "workers") == 1


async def test_ord_03_keys_of_different_callers_do_not_collide(
    api: GraphQLClient, another_caller: dict[str, str]
) -> None:
    change, _ = await card_change(api)
    confirm = await confirmation(api, CHANGE_CARD, change)
    assert executed(
        await api.graphql(CHANGE_CARD, change, idempotency_key="same", extensions=confirm)
    )
    theirs, _ = await card_change(api, "110105199003070025")
    their_confirm = await confirmation(api, CHANGE_CARD, theirs, headers=another_caller)
    their_change = await api.graphql(
        CHANGE_CARD,
        theirs,
        idempotency_key="same",
        extensions=their_confirm,
        headers=another_caller,
    )
    assert executed(their_change)


async def test_ord_03_a_request_that_failed_unexpectedly_frees_its_key(
    api: GraphQLClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from src.domain.parties import service

    async def broken(*args: object) -> None:
        raise RuntimeError("the database went away")

    change, worker_id = await card_change(api)
    confirm = await confirmation(api, CHANGE_CARD, change)
    monkeypatch.setattr(service, "change_worker_bank_card", broken)
    crashed = await api.graphql(CHANGE_CARD, change, idempotency_key="order-6", extensions=confirm)
    assert crashed.body["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    monkeypatch.undo()
    # Its token is spent, but the key is free: preview again and retry under the same key.
    retried = await api.graphql(
        CHANGE_CARD,
        change,
        idempotency_key="order-6",
        extensions=await confirmation(api, CHANGE_CARD, change),
    )
    assert executed(retried)
    assert await card_of(api, worker_id) == "**** 8903"


async def test_ord_03_other_mutations_and_queries_ignore_the_key(
    api: GraphQLClient, db: AsyncEngine
) -> None:
    """Their answers may carry secrets (a sign-in's tokens): they are never stored."""
    first = await api.graphql(REGISTER, {"input": worker_input()}, idempotency_key="other-1")
    again = await api.graphql(REGISTER, {"input": worker_input()}, idempotency_key="other-1")
    assert executed(first)
    assert again.body["errors"][0]["extensions"]["code"] == "WORKER_ALREADY_REGISTERED"
    assert executed(await api.graphql("{ workers { nodes { id } } }", idempotency_key="other-1"))
    assert await count_rows(db, idempotency_records) == 0
