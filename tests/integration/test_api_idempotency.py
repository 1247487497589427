"""No duplicate submission over HTTP, in process, on real PostgreSQL (SEC-04, ORD-03): a key
replays its first answer, refuses other input, answers IDEMPOTENCY_IN_PROGRESS while the
first request runs, and belongs to one caller; concurrent duplicates run once. Expiry is
tested on the adapter with the clock moved (test_idempotency_postgres.py)."""

import asyncio
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from src.adapters.postgres.tables import idempotency_records
from tests.integration.sensitive import CHANGE_CARD, NEW_CARD, send
from tests.integration.test_api_parties import REGISTER, count, gql, worker_input
from tests.integration.test_parties_postgres import count_rows


def registration(name: str = "王芳") -> dict[str, Any]:
    return {"input": worker_input(name=name)}


def other_registration() -> dict[str, Any]:
    return {"input": worker_input("110105199003070025", name="李四")}


def code_of(response: httpx.Response) -> str:
    body = response.json()
    assert "data" not in body
    code: str = body["errors"][0]["extensions"]["code"]
    return code


def executed(response: httpx.Response) -> bool:
    return response.status_code == 200 and "idempotent-replayed" not in response.headers


async def test_ord_03_same_key_and_input_replays_the_first_answer_and_runs_once(
    api: httpx.AsyncClient,
) -> None:
    first = await send(api, REGISTER, registration(), key="order-1")
    again = await send(api, REGISTER, registration(), key="order-1")
    assert executed(first)
    assert first.json()["data"]["registerWorker"]["name"] == "王芳"
    assert again.status_code == 200
    assert again.headers["idempotent-replayed"] == "true"
    assert again.content == first.content
    assert await count(api, "workers") == 1


async def test_ord_03_an_answer_with_a_domain_error_is_replayed_too(
    api: httpx.AsyncClient,
) -> None:
    await gql(api, REGISTER, **registration())
    refused = await send(api, REGISTER, registration(), key="order-2")
    assert refused.json()["errors"][0]["extensions"]["code"] == "WORKER_ALREADY_REGISTERED"
    again = await send(api, REGISTER, registration(), key="order-2")
    assert (again.content, again.headers["idempotent-replayed"]) == (refused.content, "true")


async def test_ord_03_the_same_document_written_differently_is_the_same_input(
    api: httpx.AsyncClient,
) -> None:
    first = await send(api, REGISTER, registration(), key="order-3")
    spaced = "# the same registration\n" + REGISTER.replace(" ", "   ")
    again = await send(api, spaced, registration(), key="order-3")
    assert again.headers["idempotent-replayed"] == "true"
    assert again.content == first.content


async def test_ord_03_same_key_with_other_input_is_refused(api: httpx.AsyncClient) -> None:
    await send(api, REGISTER, registration(), key="order-4")
    reused = await send(api, REGISTER, other_registration(), key="order-4")
    assert (reused.status_code, code_of(reused)) == (422, "IDEMPOTENCY_KEY_REUSED")
    assert await count(api, "workers") == 1


async def test_ord_03_ten_concurrent_duplicates_run_once(api: httpx.AsyncClient) -> None:
    responses = await asyncio.gather(
        *(send(api, REGISTER, registration(), key="order-5") for _ in range(10))
    )
    [first] = [response for response in responses if executed(response)]
    for response in responses:
        if response.status_code == 200:
            assert response.content == first.content
        else:
            assert (response.status_code, code_of(response)) == (409, "IDEMPOTENCY_IN_PROGRESS")
            assert response.headers["retry-after"] == "1"
    assert await count(api, "workers") == 1


async def test_ord_03_duplicates_while_the_first_runs_are_told_it_is_in_progress(
    api: httpx.AsyncClient, db: AsyncEngine
) -> None:
    async with db.connect() as blocker:
        # Hold back every insert into workers: the request that claims the key stops there.
        await blocker.execute(text("LOCK TABLE workers IN EXCLUSIVE MODE"))
        requests = [
            asyncio.create_task(send(api, REGISTER, registration(), key="order-6"))
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
    replayed = await send(api, REGISTER, registration(), key="order-6")
    assert replayed.content == first.content
    assert await count(api, "workers") == 1


async def test_sec_04_a_sensitive_mutation_without_a_key_is_refused_before_it_runs(
    api: httpx.AsyncClient,
) -> None:
    worker = (await gql(api, REGISTER, **registration()))["data"]["registerWorker"]
    change = {"input": {"id": worker["id"], "bankCard": NEW_CARD}}
    refused = await send(api, CHANGE_CARD, change)
    assert (refused.status_code, code_of(refused)) == (400, "IDEMPOTENCY_KEY_REQUIRED")
    card = await gql(
        api, "query($id: ID!) { node(id: $id) { ... on Worker { bankCard } } }", id=worker["id"]
    )
    assert card["data"]["node"]["bankCard"] == worker["bankCard"]


@pytest.mark.parametrize("key", ["", "has space", "a" * 256, "tab\tinside"])
async def test_sec_04_malformed_keys_are_refused(api: httpx.AsyncClient, key: str) -> None:
    refused = await send(api, REGISTER, registration(), key=key)
    assert (refused.status_code, code_of(refused)) == (400, "IDEMPOTENCY_KEY_INVALID")
    assert await count(api, "workers") == 0


async def test_ord_03_keys_of_different_callers_do_not_collide(
    api: httpx.AsyncClient, another_caller: dict[str, str]
) -> None:
    assert executed(await send(api, REGISTER, registration(), key="same"))
    theirs = await send(api, REGISTER, other_registration(), key="same", headers=another_caller)
    assert executed(theirs)
    assert await count(api, "workers") == 2


async def test_ord_03_a_request_that_failed_unexpectedly_frees_its_key(
    api: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from src.domain.parties import service

    async def broken(*args: object) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(service, "register_worker", broken)
    crashed = await send(api, REGISTER, registration(), key="order-8")
    assert crashed.json()["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    monkeypatch.undo()
    assert executed(await send(api, REGISTER, registration(), key="order-8"))
    assert await count(api, "workers") == 1


async def test_ord_03_a_request_that_never_executed_frees_its_key(
    api: httpx.AsyncClient,
) -> None:
    uncoerced = await send(api, REGISTER, {"input": {"name": "王芳"}}, key="order-9")
    assert code_of(uncoerced) == "BAD_USER_INPUT"
    assert executed(await send(api, REGISTER, registration(), key="order-9"))


async def test_ord_03_queries_ignore_the_key(api: httpx.AsyncClient, db: AsyncEngine) -> None:
    for _ in range(2):
        read = await send(api, "{ workers { nodes { id } } }", key="read-1")
        assert executed(read)
    assert await count_rows(db, idempotency_records) == 0
