"""Idempotency records and used confirmation tokens on real PostgreSQL (SEC-04, ORD-03): one
claim of a key wins however many arrive at once, a finished claim replays, records expire,
a claim past its lease cannot overwrite its successor, and a token is used once."""

import asyncio
import uuid
from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from src.adapters.crypto import FieldCipher
from src.adapters.postgres.idempotency import (
    PostgresConfirmationUses,
    PostgresIdempotencyRecords,
    purge_expired,
)
from src.adapters.postgres.tables import workers
from src.cli import main
from src.controls.confirmation import preview
from src.controls.idempotency import (
    Claim,
    Idempotency,
    IdempotencyInProgress,
    IdempotencyKeyReused,
    StoredResponse,
)
from src.domain.parties import service
from tests.conftest import FixedClock, database_on, unit_of_work_on
from tests.integration.test_parties_postgres import count_rows
from tests.unit.domain.test_parties_service import registration

ANSWER = StoredResponse(200, '{"data":{"registerWorker":{"name":"王芳"}}}')


@pytest.fixture
def idempotency(db: AsyncEngine) -> Idempotency:
    return Idempotency(
        PostgresIdempotencyRecords(database_on(db)),
        ttl=timedelta(hours=24),
        lease=timedelta(seconds=60),
    )


ME = "ip:192.0.2.1"


async def begin(
    idempotency: Idempotency, clock: FixedClock, fingerprint: str = "fp", scope: str = ME
) -> Claim | StoredResponse:
    return await idempotency.begin(scope, "k", fingerprint, clock.now())


async def claimed(idempotency: Idempotency, clock: FixedClock, fingerprint: str = "fp") -> Claim:
    claim = await begin(idempotency, clock, fingerprint)
    assert isinstance(claim, Claim)
    return claim


async def test_ord_03_of_ten_concurrent_claims_of_one_key_exactly_one_wins(
    idempotency: Idempotency, clock: FixedClock
) -> None:
    outcomes = await asyncio.gather(
        *(begin(idempotency, clock) for _ in range(10)), return_exceptions=True
    )
    claims = [outcome for outcome in outcomes if isinstance(outcome, Claim)]
    assert len(claims) == 1
    assert all(isinstance(o, IdempotencyInProgress) for o in outcomes if o is not claims[0])


async def test_ord_03_a_finished_claim_replays_and_refuses_other_input(
    idempotency: Idempotency, clock: FixedClock
) -> None:
    await idempotency.finish(await claimed(idempotency, clock), ANSWER, clock.now())
    assert await begin(idempotency, clock) == ANSWER
    with pytest.raises(IdempotencyKeyReused):
        await begin(idempotency, clock, "other input")
    other_caller = await begin(idempotency, clock, "other input", scope="ip:192.0.2.2")
    assert isinstance(other_caller, Claim)


async def test_ord_03_a_stored_answer_expires_after_the_ttl(
    idempotency: Idempotency, clock: FixedClock
) -> None:
    await idempotency.finish(await claimed(idempotency, clock), ANSWER, clock.now())
    clock.advance(hours=23, minutes=59)
    with pytest.raises(IdempotencyKeyReused):
        await begin(idempotency, clock, "other input")
    clock.advance(minutes=1)
    await claimed(idempotency, clock, "other input")


async def test_ord_03_a_claim_never_finished_frees_its_key_after_the_lease_only(
    idempotency: Idempotency, clock: FixedClock
) -> None:
    first = await claimed(idempotency, clock)
    clock.advance(seconds=59)
    with pytest.raises(IdempotencyInProgress):
        await begin(idempotency, clock)
    clock.advance(seconds=1)
    second = await claimed(idempotency, clock)
    # The first request, finishing late, can neither overwrite nor free its successor's claim.
    await idempotency.finish(first, StoredResponse(200, "late"), clock.now())
    await idempotency.release(first)
    with pytest.raises(IdempotencyInProgress):
        await begin(idempotency, clock)
    await idempotency.finish(second, ANSWER, clock.now())
    assert await begin(idempotency, clock) == ANSWER


async def test_ord_03_a_released_claim_frees_its_key_at_once(
    idempotency: Idempotency, clock: FixedClock
) -> None:
    await idempotency.release(await claimed(idempotency, clock))
    await claimed(idempotency, clock, "other input")


async def test_sec_04_of_ten_concurrent_uses_of_one_confirmation_token_one_counts(
    db: AsyncEngine, clock: FixedClock
) -> None:
    uses = PostgresConfirmationUses(database_on(db))
    token_id = uuid.uuid4()
    firsts = await asyncio.gather(*(uses.consume(token_id, clock.now()) for _ in range(10)))
    assert firsts.count(True) == 1


async def test_ord_03_purging_deletes_what_expired_and_nothing_else(
    db: AsyncEngine, idempotency: Idempotency, clock: FixedClock
) -> None:
    finished = await idempotency.begin("ip:192.0.2.1", "finished", "fp", clock.now())
    assert isinstance(finished, Claim)
    await idempotency.finish(finished, ANSWER, clock.now())
    await idempotency.begin("ip:192.0.2.1", "abandoned", "fp", clock.now())
    await PostgresConfirmationUses(database_on(db)).consume(
        uuid.uuid4(), clock.now() + timedelta(minutes=5)
    )
    assert await purge_expired(db, clock.now() + timedelta(minutes=10)) == 2
    assert await idempotency.begin("ip:192.0.2.1", "finished", "fp", clock.now()) == ANSWER
    assert await purge_expired(db, clock.now() + timedelta(hours=24)) == 1


def test_ord_03_the_purge_command_runs_on_the_database(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    assert main(["purge-idempotency"]) == 0
    assert "expired records" in capsys.readouterr().out


async def test_sec_04_a_dry_run_unit_of_work_keeps_nothing(
    db: AsyncEngine, clock: FixedClock, cipher: FieldCipher
) -> None:
    with preview(dry_run=True):
        registered = await service.register_worker(
            registration(), unit_of_work_on(db, cipher), clock
        )
    assert registered.name == "王芳"
    assert await count_rows(db, workers) == 0
