"""Idempotency records and used confirmation tokens in PostgreSQL (ADR 0016). Each call is a
transaction of its own, committed at once, apart from the mutation's: a claim must be seen by
every other request, whatever becomes of the mutation."""

from datetime import datetime
from uuid import UUID

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from ...controls.confirmation import previewing
from ...controls.idempotency import IdempotencyRecord, StoredResponse
from .database import Database
from .tables import confirmation_uses, idempotency_records
from .unit_of_work import PostgresUnitOfWork

records = idempotency_records.c


class PostgresIdempotencyRecords:
    def __init__(self, database: Database) -> None:
        self._database = database

    async def claim(
        self,
        scope: str,
        key: str,
        fingerprint: str,
        claim_id: UUID,
        now: datetime,
        until: datetime,
    ) -> bool:
        """One statement: insert, or take over a record that expired; PostgreSQL lets
        exactly one of many concurrent claims of a key win."""
        fresh = insert(idempotency_records).values(
            principal_key=scope,
            key=key,
            fingerprint=fingerprint,
            claim_id=claim_id,
            status="in_progress",
            response_status=None,
            response_body=None,
            created_at=now,
            expires_at=until,
        )
        excluded = fresh.excluded
        claimed = fresh.on_conflict_do_update(
            index_elements=[records.principal_key, records.key],
            set_={
                name: excluded[name]
                for name in (
                    "fingerprint",
                    "claim_id",
                    "status",
                    "response_status",
                    "response_body",
                    "created_at",
                    "expires_at",
                )
            },
            where=records.expires_at <= now,
        ).returning(records.claim_id)
        async with self._database.begin() as connection:
            return (await connection.execute(claimed)).first() is not None

    async def get(self, scope: str, key: str) -> IdempotencyRecord | None:
        async with self._database.read() as connection:
            row = (
                await connection.execute(
                    select(idempotency_records).where(
                        records.principal_key == scope, records.key == key
                    )
                )
            ).first()
        if row is None:
            return None
        response = (
            None
            if row.status == "in_progress"
            else StoredResponse(row.response_status, row.response_body)
        )
        return IdempotencyRecord(row.fingerprint, response, row.expires_at)

    async def complete(
        self, scope: str, key: str, claim_id: UUID, response: StoredResponse, until: datetime
    ) -> None:
        async with self._database.begin() as connection:
            await connection.execute(
                update(idempotency_records)
                .where(
                    records.principal_key == scope,
                    records.key == key,
                    records.claim_id == claim_id,
                )
                .values(
                    status="completed",
                    response_status=response.status,
                    response_body=response.body,
                    expires_at=until,
                )
            )

    async def release(self, scope: str, key: str, claim_id: UUID) -> None:
        async with self._database.begin() as connection:
            await connection.execute(
                delete(idempotency_records).where(
                    records.principal_key == scope,
                    records.key == key,
                    records.claim_id == claim_id,
                )
            )


class PostgresConfirmationUses:
    def __init__(self, database: Database) -> None:
        self._database = database

    async def consume(self, token_id: UUID, until: datetime) -> bool:
        used = (
            insert(confirmation_uses)
            .values(token_id=token_id, expires_at=until)
            .on_conflict_do_nothing()
            .returning(confirmation_uses.c.token_id)
        )
        async with self._database.begin() as connection:
            return (await connection.execute(used)).first() is not None


async def purge_expired(engine: AsyncEngine, now: datetime) -> int:
    """Delete expired idempotency records and used confirmation tokens whose tokens have
    expired (``flexfin purge-idempotency``); the number of rows deleted."""
    async with engine.begin() as connection:
        deleted = 0
        for table in (idempotency_records, confirmation_uses):
            result = await connection.execute(delete(table).where(table.c.expires_at <= now))
            deleted += result.rowcount
        return deleted


def discard_previews(uow: PostgresUnitOfWork) -> None:
    """Opener (ADR 0016): a unit of work opened while a preview runs keeps nothing."""
    if previewing():
        uow.keep = False
