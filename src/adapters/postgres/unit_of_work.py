"""The PostgreSQL unit of work: one connection, one transaction, rolled back unless committed."""

from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncTransaction

from ..crypto import FieldCipher
from .identity import (
    OutboxNotifier,
    PostgresAccountRepository,
    PostgresChallengeStore,
    PostgresGuardRepository,
    PostgresLoginLog,
    PostgresOneTimeCodeStore,
    PostgresRoleGrantStore,
    PostgresSessionRepository,
)
from .parties import (
    PostgresEnterpriseRepository,
    PostgresInstitutionRepository,
    PostgresWorkerRepository,
)


class PostgresUnitOfWork:
    enterprises: PostgresEnterpriseRepository
    workers: PostgresWorkerRepository
    institutions: PostgresInstitutionRepository
    accounts: PostgresAccountRepository
    guards: PostgresGuardRepository
    sessions: PostgresSessionRepository
    login_log: PostgresLoginLog
    challenges: PostgresChallengeStore
    notifier: OutboxNotifier
    one_time_codes: PostgresOneTimeCodeStore
    role_grants: PostgresRoleGrantStore

    def __init__(self, engine: AsyncEngine, cipher: FieldCipher) -> None:
        self._engine = engine
        self._cipher = cipher
        self._connection: AsyncConnection | None = None
        self._transaction: AsyncTransaction | None = None

    async def __aenter__(self) -> Self:
        connection = await self._engine.connect()
        self._connection = connection
        self._transaction = await connection.begin()
        self.enterprises = PostgresEnterpriseRepository(connection, self._cipher)
        self.workers = PostgresWorkerRepository(connection, self._cipher)
        self.institutions = PostgresInstitutionRepository(connection, self._cipher)
        self.accounts = PostgresAccountRepository(connection)
        self.guards = PostgresGuardRepository(connection)
        self.sessions = PostgresSessionRepository(connection)
        self.login_log = PostgresLoginLog(connection)
        self.challenges = PostgresChallengeStore(connection)
        self.notifier = OutboxNotifier(connection)
        self.one_time_codes = PostgresOneTimeCodeStore(connection)
        self.role_grants = PostgresRoleGrantStore(connection)
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
        await self._transaction.commit()
