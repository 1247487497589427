"""The PostgreSQL unit of work: one connection, one transaction, rolled back unless committed."""

from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncTransaction

from .parties import (
    PostgresEnterpriseRepository,
    PostgresInstitutionRepository,
    PostgresWorkerRepository,
)


class PostgresUnitOfWork:
    enterprises: PostgresEnterpriseRepository
    workers: PostgresWorkerRepository
    institutions: PostgresInstitutionRepository

    def __init__(self, engine: AsyncEngine, *, dry_run: bool = False) -> None:
        self._engine = engine
        self._dry_run = dry_run  # a preview (ADR 0016): commit() does nothing, all rolls back
        self._connection: AsyncConnection | None = None
        self._transaction: AsyncTransaction | None = None

    async def __aenter__(self) -> Self:
        connection = await self._engine.connect()
        self._connection = connection
        self._transaction = await connection.begin()
        self.enterprises = PostgresEnterpriseRepository(connection)
        self.workers = PostgresWorkerRepository(connection)
        self.institutions = PostgresInstitutionRepository(connection)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._connection is not None
        assert self._transaction is not None
        try:
            if self._transaction.is_active:
                await self._transaction.rollback()
        finally:
            await self._connection.close()
            self._connection = self._transaction = None

    async def commit(self) -> None:
        assert self._transaction is not None, "commit() outside the unit of work"
        if not self._dry_run:
            await self._transaction.commit()
