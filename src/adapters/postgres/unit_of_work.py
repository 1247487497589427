"""The PostgreSQL unit of work: one connection, one transaction, rolled back unless committed."""

from types import TracebackType
from typing import Self
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncTransaction

from ...controls.auditing import AuditScope
from ..crypto import FieldCipher
from .audit import PostgresAuditTrail
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

    audit: PostgresAuditTrail

    def __init__(
        self,
        engine: AsyncEngine,
        cipher: FieldCipher,
        audit_scope: AuditScope | None = None,
        *,
        dry_run: bool = False,
    ) -> None:
        """Made for an ``audit_scope``, ``commit()`` appends the scope's ``ok`` record, naming
        the ids the repositories touched, in the same transaction (SEC-07). With ``dry_run``
        (a preview, ADR 0016) ``commit()`` does nothing and everything rolls back."""
        self._engine = engine
        self._cipher = cipher
        self._audit_scope = audit_scope
        self._dry_run = dry_run
        self._connection: AsyncConnection | None = None
        self._transaction: AsyncTransaction | None = None
        self.seen: set[UUID] = set()
        """Ids the repositories added, saved or locked for update: the audit targets."""

    async def __aenter__(self) -> Self:
        connection = await self._engine.connect()
        self._connection = connection
        self._transaction = await connection.begin()
        self.enterprises = PostgresEnterpriseRepository(connection, self.seen, self._cipher)
        self.workers = PostgresWorkerRepository(connection, self.seen, self._cipher)
        self.institutions = PostgresInstitutionRepository(connection, self.seen, self._cipher)
        self.accounts = PostgresAccountRepository(connection, self.seen, self._cipher)
        self.guards = PostgresGuardRepository(connection)
        self.sessions = PostgresSessionRepository(connection)
        self.login_log = PostgresLoginLog(connection)
        self.challenges = PostgresChallengeStore(connection)
        self.notifier = OutboxNotifier(connection)
        self.one_time_codes = PostgresOneTimeCodeStore(connection)
        self.role_grants = PostgresRoleGrantStore(connection)
        self.audit = PostgresAuditTrail(connection)
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
            if self._audit_scope is not None:
                self._audit_scope.saw(self.seen)

    async def commit(self) -> None:
        assert self._transaction is not None, "commit() outside the unit of work"
        if self._dry_run:
            if self._audit_scope is not None:
                self._audit_scope.saw(self.seen)
                self._audit_scope.previewed = True
            return
        if self._audit_scope is not None and (record := self._audit_scope.committed(self.seen)):
            await self.audit.append(record)
        await self._transaction.commit()

    def ending(self, code: str) -> None:
        if self._audit_scope is not None:
            self._audit_scope.ending = code
