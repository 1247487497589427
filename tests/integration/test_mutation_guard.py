"""The mutation guard on real PostgreSQL, around a mutation that counts its executions and
waits until it is let go (SEC-04, ORD-03): duplicates that arrive while the first runs are
told so, a retry afterwards gets the stored answer, and the mutation runs exactly once."""

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from src.adapters.postgres.idempotency import PostgresConfirmationUses, PostgresIdempotencyRecords
from src.auth.tokens import SigningKey
from src.controls.confirmation import ConfirmationTokens
from src.controls.idempotency import Fingerprints, Idempotency
from src.graphql.transport.mutation_guard import Answer, MutationGuard, MutationRequest
from tests.conftest import FixedClock, database_on

PAY = "Mutation.payWorker"
"""A mutation that takes an idempotency key and needs no confirmation."""


class HeldBackMutation:
    def __init__(self) -> None:
        self.executions = 0
        self.let_go = asyncio.Event()

    async def __call__(self, dry_run: bool) -> Answer:
        self.executions += 1
        await self.let_go.wait()
        return Answer(200, {"data": {"payWorker": {"payout": self.executions}}})


@pytest.fixture
def guard(db: AsyncEngine, clock: FixedClock) -> MutationGuard:
    return MutationGuard(
        Idempotency(
            PostgresIdempotencyRecords(database_on(db)),
            ttl=timedelta(hours=24),
            lease=timedelta(seconds=60),
        ),
        ConfirmationTokens((SigningKey("k", b"k" * 32),), timedelta(minutes=5)),
        PostgresConfirmationUses(database_on(db)),
        Fingerprints(SigningKey("k", b"k" * 32)),
        clock,
        idempotent=frozenset({PAY}),
        risks={},
    )


def payment(key: str = "pay-1") -> MutationRequest:
    return MutationRequest(
        fields=frozenset({PAY}),
        scope="account:a",
        fingerprint="payWorker",
        idempotency_key=key,
        extensions={},
    )


async def test_ord_03_ten_duplicates_at_once_run_the_mutation_exactly_once(
    guard: MutationGuard,
) -> None:
    mutation = HeldBackMutation()
    requests = [asyncio.create_task(guard.run(payment(), mutation)) for _ in range(10)]
    duplicates = []
    for answered in asyncio.as_completed(requests):
        duplicates.append(await answered)
        if len(duplicates) == 9:
            break
    assert {(d.status, d.body["errors"][0]["extensions"]["code"]) for d in duplicates} == {
        (409, "IDEMPOTENCY_IN_PROGRESS")
    }
    mutation.let_go.set()
    [first] = await asyncio.gather(*(r for r in requests if not r.done()))
    assert (first.status, first.headers) == (200, {})
    retried = await guard.run(payment(), mutation)
    assert (retried.body, retried.headers) == (first.body, {"Idempotent-Replayed": "true"})
    assert mutation.executions == 1
