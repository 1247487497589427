"""The audit trail in PostgreSQL (SEC-07, SEC-08): appended in the caller's transaction,
chained one record at a time, read by the auditor, verified by ``flexfin audit-verify``; and
``audit_commits``, the opener that makes an audited operation's units of work append its
record as they commit."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Row, func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from ...controls.audit import (
    Anchor,
    AuditFilter,
    AuditRecord,
    ChainCheck,
    ChainedRecord,
    Outcome,
    Verification,
    current_scope,
    link,
    verify,
)
from ...domain.shared.pagination import Page, PageRequest
from .database import Database
from .tables import audit_records
from .unit_of_work import PostgresUnitOfWork

APPEND_LOCK = 0x464C5846_41554454  # "FLXFAUDT": the transaction-level advisory lock key
"""Held from an append until its transaction ends, so appends never fork the chain."""

BATCH = 1000


def _row(entry: ChainedRecord) -> dict[str, Any]:
    record = entry.record
    return {
        "seq": entry.seq,
        "id": record.id,
        "occurred_at": record.occurred_at,
        "operation": record.operation,
        "outcome": record.outcome.value,
        "actor_account_id": record.actor_account_id,
        "client_id": record.client_id,
        "roles": list(record.roles),
        "organisation_id": record.organisation_id,
        "target_ids": list(record.target_ids),
        "ip": record.ip,
        "user_agent": record.user_agent,
        "request_id": record.request_id,
        "detail": record.detail,
        "prev_hash": entry.prev_hash,
        "hash": entry.hash,
    }


def _entry(row: Row[Any]) -> ChainedRecord:
    record = AuditRecord(
        id=row.id,
        occurred_at=row.occurred_at,
        operation=row.operation,
        outcome=Outcome(row.outcome),
        actor_account_id=row.actor_account_id,
        client_id=row.client_id,
        roles=tuple(row.roles),
        organisation_id=row.organisation_id,
        target_ids=tuple(row.target_ids),
        ip=row.ip,
        user_agent=row.user_agent,
        request_id=row.request_id,
        detail=row.detail,
    )
    return ChainedRecord(row.seq, record, row.prev_hash, row.hash)


def _conditions(where: AuditFilter) -> Sequence[ColumnElement[bool]]:
    c = audit_records.c
    return [
        *([c.operation == where.operation] if where.operation else []),
        *([c.actor_account_id == where.actor_account_id] if where.actor_account_id else []),
        *([c.occurred_at >= where.occurred_from] if where.occurred_from else []),
        *([c.occurred_at < where.occurred_before] if where.occurred_before else []),
    ]


class PostgresAuditTrail:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def append(self, record: AuditRecord) -> ChainedRecord:
        await self._connection.execute(select(func.pg_advisory_xact_lock(APPEND_LOCK)))
        # Read after taking the lock: at READ COMMITTED this statement sees every append
        # committed before the lock was granted.
        last = (
            await self._connection.execute(
                select(audit_records.c.seq, audit_records.c.hash)
                .order_by(audit_records.c.seq.desc())
                .limit(1)
            )
        ).first()
        entry = link(record) if last is None else link(record, last.seq, last.hash)
        await self._connection.execute(insert(audit_records).values(_row(entry)))
        return entry

    async def page(self, where: AuditFilter, request: PageRequest) -> Page[ChainedRecord]:
        c = audit_records.c
        query = select(audit_records).where(*_conditions(where))
        if request.after is not None:
            query = query.where(
                c.seq > select(c.seq).where(c.id == request.after).scalar_subquery()
            )
        rows = (
            await self._connection.execute(query.order_by(c.seq).limit(request.first + 1))
        ).all()
        return Page(
            items=[_entry(row) for row in rows[: request.first]],
            has_next_page=len(rows) > request.first,
        )


class PostgresAuditLog:
    """The ``AuditLog`` port: records appended in a transaction of their own (never part of a
    preview), and the auditor's reading."""

    def __init__(self, database: Database) -> None:
        self._database = database

    async def append(self, record: AuditRecord) -> None:
        async with self._database.begin() as connection:
            await PostgresAuditTrail(connection).append(record)

    async def page(self, where: AuditFilter, request: PageRequest) -> Page[ChainedRecord]:
        async with self._database.read() as connection:
            return await PostgresAuditTrail(connection).page(where, request)


def audit_commits(uow: PostgresUnitOfWork) -> None:
    """Opener (SEC-07): a unit of work opened while an audited operation runs reports the ids
    it touched to the operation's scope and, when it commits, appends the operation's record
    last in its transaction, so the change and its record are kept together or not at all. A
    preview's unit of work keeps nothing: its record is written alone, saying PREVIEW."""
    scope = current_scope()
    if scope is None:
        return

    async def append() -> None:
        if not uow.keep:
            scope.previewed = True
        elif record := scope.committed(uow.seen):
            await PostgresAuditTrail(uow.connection).append(record)

    uow.before_commit.append(append)
    uow.on_close.append(lambda: scope.saw(uow.seen))


async def verify_audit_trail(engine: AsyncEngine, anchor: Anchor | None = None) -> Verification:
    """Stream the whole trail in ``seq`` order through the chain check."""
    check = ChainCheck(anchor)
    async with engine.connect() as connection:
        result = await connection.stream(
            select(audit_records).order_by(audit_records.c.seq).execution_options(yield_per=BATCH)
        )
        async for rows in result.partitions():
            broken_at = verify(map(_entry, rows), check)
            if broken_at is not None:
                return check.verification(broken_at)
    return check.verification(None)
