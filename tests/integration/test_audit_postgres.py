"""The audit trail on real PostgreSQL (SEC-07, SEC-08): appended in the use case's
transaction, read back exactly as hashed, linear under concurrent appends, refused any
UPDATE, DELETE or TRUNCATE, and tampering found by ``flexfin audit-verify``."""

import asyncio
import os
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from uuid import UUID

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from src.adapters.crypto import FieldCipher
from src.adapters.postgres.audit import verify_audit_trail
from src.auth.principal import Principal
from src.auth.roles import Role
from src.controls.audit import (
    Anchor,
    AuditFilter,
    AuditRecord,
    AuditScope,
    ChainedRecord,
    Origin,
    Outcome,
    auditing,
)
from src.domain.parties import service
from src.domain.shared.ids import new_id
from src.domain.shared.pagination import PageRequest
from tests.conftest import ROOT, AnyUnitOfWork, FixedClock
from tests.unit.domain.test_parties_service import registration

UnitOfWorkFactory = Callable[[], AnyUnitOfWork]
BEIJING = timezone(timedelta(hours=8))
WRITTEN_AT = datetime(2026, 11, 23, 17, 30, 1, 123456, tzinfo=BEIJING)


def a_record(
    operation: str = "registerWorker",
    *,
    occurred_at: datetime = WRITTEN_AT,
    outcome: Outcome = Outcome.OK,
    detail: str | None = None,
    actor_account_id: UUID | None = None,
    organisation_id: UUID | None = None,
    client_id: str | None = None,
) -> AuditRecord:
    return AuditRecord(
        id=new_id(),
        occurred_at=occurred_at,
        operation=operation,
        outcome=outcome,
        actor_account_id=actor_account_id,
        client_id=client_id,
        roles=("enterprise_admin",),
        organisation_id=organisation_id,
        target_ids=(str(new_id()),),
        ip="2001:db8::1",
        user_agent="微信/8.0 (iPhone)",
        request_id="req-1",
        detail=detail,
    )


async def append(unit_of_work: UnitOfWorkFactory, *records: AuditRecord) -> list[ChainedRecord]:
    async with unit_of_work() as uow:
        entries = [await uow.audit.append(record) for record in records]
        await uow.commit()
    return entries


async def read_all(unit_of_work: UnitOfWorkFactory) -> list[ChainedRecord]:
    async with unit_of_work() as uow:
        return (await uow.audit.page(AuditFilter(), PageRequest(first=100))).items


async def sql(db: AsyncEngine, *statements: str) -> None:
    async with db.begin() as connection:
        for statement in statements:
            await connection.execute(text(statement))


async def test_sec_08_records_read_back_exactly_as_they_were_hashed(
    unit_of_work: UnitOfWorkFactory, db: AsyncEngine
) -> None:
    written = await append(
        unit_of_work,
        a_record(),
        a_record("closeEnterprise", outcome=Outcome.FAILED, detail="ENTERPRISE_CLOSED"),
        a_record("login", actor_account_id=new_id(), organisation_id=new_id(), client_id="x"),
    )
    assert [e.seq for e in written] == [1, 2, 3]
    assert await read_all(unit_of_work) == written
    verification = await verify_audit_trail(db)
    assert (verification.intact, verification.broken_at) == (3, None)
    assert verification.head == Anchor(3, written[-1].hash)


async def test_sec_07_a_record_rolls_back_with_its_transaction(
    unit_of_work: UnitOfWorkFactory,
) -> None:
    async with unit_of_work() as uow:
        await uow.audit.append(a_record("rolledBack"))
    (kept,) = await append(unit_of_work, a_record("kept"))
    assert kept.seq == 1
    assert [e.record.operation for e in await read_all(unit_of_work)] == ["kept"]


async def test_sec_07_a_unit_of_work_made_for_an_audit_scope_records_its_commit(
    db: AsyncEngine, unit_of_work: UnitOfWorkFactory, clock: FixedClock, cipher: FieldCipher
) -> None:
    principal = Principal(account_id=new_id(), roles=frozenset({Role.OPERATOR}))
    scope = AuditScope("registerWorker", principal, Origin("10.1.2.3", "ua", "req-9"), clock)
    with auditing(scope):
        worker = await service.register_worker(registration(), unit_of_work(), clock)
    (entry,) = await read_all(unit_of_work)
    record = entry.record
    assert (record.operation, record.outcome) == ("registerWorker", Outcome.OK)
    assert record.target_ids == (str(worker.id),)
    assert (record.actor_account_id, record.roles) == (principal.account_id, ("operator",))
    assert (record.ip, record.user_agent, record.request_id) == ("10.1.2.3", "ua", "req-9")


async def test_sec_08_concurrent_appends_keep_one_linear_chain(
    unit_of_work: UnitOfWorkFactory, db: AsyncEngine
) -> None:
    """Forty transactions append at once, some rolling back: the chain never forks and its
    seqs have no gaps."""

    async def one(n: int) -> None:
        async with unit_of_work() as uow:
            await uow.audit.append(a_record(f"op{n}"))
            if n % 4:
                await uow.commit()

    await asyncio.gather(*(one(n) for n in range(40)))
    entries = await read_all(unit_of_work)
    assert [e.seq for e in entries] == list(range(1, 31))
    assert {e.record.operation for e in entries} == {f"op{n}" for n in range(40) if n % 4}
    assert (await verify_audit_trail(db)).broken_at is None


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_records SET operation = 'forged'",
        "UPDATE audit_records SET operation = 'forged' WHERE false",
        "DELETE FROM audit_records WHERE seq = 1",
        "TRUNCATE audit_records",
    ],
)
async def test_sec_08_the_table_refuses_updates_deletes_and_truncation(
    unit_of_work: UnitOfWorkFactory, db: AsyncEngine, statement: str
) -> None:
    written = await append(unit_of_work, a_record())
    with pytest.raises(DBAPIError, match="audit_records is append-only"):
        await sql(db, statement)
    assert await read_all(unit_of_work) == written


async def tampered(db: AsyncEngine, statement: str) -> None:
    """Tamper as a superuser could: with the guarding trigger switched off meanwhile."""
    await sql(
        db,
        "ALTER TABLE audit_records DISABLE TRIGGER ALL",
        statement,
        "ALTER TABLE audit_records ENABLE TRIGGER ALL",
    )


@pytest.mark.parametrize(
    ("statement", "broken_at"),
    [
        ("UPDATE audit_records SET outcome = 'ok', detail = NULL WHERE seq = 2", 2),
        ("UPDATE audit_records SET target_ids = '{}' WHERE seq = 3", 3),
        (
            "UPDATE audit_records SET occurred_at = occurred_at + interval '1 microsecond' WHERE seq = 1",
            1,
        ),
        ("DELETE FROM audit_records WHERE seq = 2", 3),
        ("UPDATE audit_records SET seq = 10 + seq WHERE seq IN (1, 2)", 3),
    ],
)
async def test_sec_08_tampering_is_found_at_the_first_broken_seq(
    unit_of_work: UnitOfWorkFactory, db: AsyncEngine, statement: str, broken_at: int
) -> None:
    await append(
        unit_of_work,
        a_record(),
        a_record("closeEnterprise", outcome=Outcome.DENIED, detail="FORBIDDEN"),
        a_record(),
        a_record(),
    )
    await tampered(db, statement)
    assert (await verify_audit_trail(db)).broken_at == broken_at


async def audit_verify(database_url: str, *args: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "src.cli",
        "audit-verify",
        *args,
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url, "FLEXFIN_LOG_LEVEL": "WARNING"},
        stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await process.communicate()
    return process.returncode or 0, out.decode().strip()


async def test_sec_08_audit_verify_reports_an_intact_trail_and_its_anchor(
    unit_of_work: UnitOfWorkFactory, database_url: str
) -> None:
    *_, newest = await append(unit_of_work, a_record(), a_record(), a_record())
    assert await audit_verify(database_url) == (
        0,
        f"audit trail intact: 3 records; anchor 3:{newest.hash}",
    )
    assert (await audit_verify(database_url, "--anchor", f"3:{newest.hash}"))[0] == 0


async def test_sec_08_audit_verify_names_the_first_broken_seq(
    unit_of_work: UnitOfWorkFactory, db: AsyncEngine, database_url: str
) -> None:
    await append(unit_of_work, a_record(), a_record(), a_record())
    await tampered(db, "UPDATE audit_records SET ip = '10.0.0.1' WHERE seq = 2")
    assert await audit_verify(database_url) == (
        1,
        "audit trail broken at seq 2 (1 intact before it)",
    )


async def test_sec_08_audit_verify_against_an_anchor_finds_the_trail_cut_short(
    unit_of_work: UnitOfWorkFactory, db: AsyncEngine, database_url: str
) -> None:
    *_, newest = await append(unit_of_work, a_record(), a_record(), a_record())
    await tampered(db, "DELETE FROM audit_records WHERE seq = 3")
    assert (await audit_verify(database_url))[0] == 0  # the chain alone cannot tell
    assert await audit_verify(database_url, "--anchor", f"3:{newest.hash}") == (
        1,
        "audit trail broken at seq 3 (2 intact before it)",
    )


async def test_the_auditor_filters_and_pages_the_trail(
    unit_of_work: UnitOfWorkFactory,
) -> None:
    actor = new_id()
    start = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    written = await append(
        unit_of_work,
        *(
            a_record(
                "login" if n % 2 else "registerWorker",
                actor_account_id=actor if n < 4 else None,
                occurred_at=start + timedelta(minutes=n),
            )
            for n in range(6)
        ),
    )
    async with unit_of_work() as uow:
        logins = await uow.audit.page(AuditFilter(operation="login"), PageRequest())
        by_actor = await uow.audit.page(AuditFilter(actor_account_id=actor), PageRequest())
        window = await uow.audit.page(
            AuditFilter(
                occurred_from=start + timedelta(minutes=2),
                occurred_before=start + timedelta(minutes=4),
            ),
            PageRequest(),
        )
        first = await uow.audit.page(AuditFilter(), PageRequest(first=4))
        rest = await uow.audit.page(
            AuditFilter(), PageRequest(first=4, after=first.items[-1].record.id)
        )
    assert [e.seq for e in logins.items] == [2, 4, 6]
    assert [e.seq for e in by_actor.items] == [1, 2, 3, 4]
    assert [e.seq for e in window.items] == [3, 4]
    assert (first.items, first.has_next_page) == (written[:4], True)
    assert (rest.items, rest.has_next_page) == (written[4:], False)
