"""Storage of identity and access: accounts, guards, sessions, the login log, challenges and
the notification outbox (the sandbox notifier)."""

from collections.abc import Sequence
from datetime import datetime
from types import MappingProxyType
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Row, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from ...auth.accounts import Account, AccountExists, AccountId, AccountStatus
from ...auth.factors import OneTimeCode
from ...auth.grants import GrantStatus, RoleGrant
from ...auth.lockout import Guard
from ...auth.roles import Role
from ...auth.sessions import LoginEvent, RefreshTokenRecord, Session, SessionId
from ...controls.audit import current_scope
from ...domain.shared.ids import new_id
from ...domain.shared.pagination import Page, PageRequest
from .repository import keyset_page
from .sealed import SealingRepository
from .tables import (
    accounts,
    login_challenges,
    login_events,
    login_guards,
    one_time_codes,
    outbox_messages,
    refresh_tokens,
    role_grants,
    sessions,
)
from .unit_of_work import PostgresUnitOfWork, repository


class PostgresAccountRepository(SealingRepository[Account, None]):
    """Phones and TOTP secrets are sealed (SEC-06)."""

    table = accounts
    unique_violations = MappingProxyType({"uq_accounts_login": AccountExists})

    def to_row(self, entity: Account) -> dict[str, Any]:
        return {
            "id": entity.id,
            "login": entity.login,
            "display_name": entity.display_name,
            "password_hash": entity.password_hash,
            "transaction_password_hash": entity.transaction_password_hash,
            "roles": sorted(entity.roles),
            "organisation_id": entity.organisation_id,
            "worker_id": entity.worker_id,
            "phone": self.sealed_optional("phone", entity.id, entity.phone),
            "totp_secret": self.sealed_optional("totp_secret", entity.id, entity.totp_secret),
            "totp_pending_secret": self.sealed_optional(
                "totp_pending_secret", entity.id, entity.totp_pending_secret
            ),
            "totp_last_step": entity.totp_last_step,
            "status": entity.status.value,
            "created_at": entity.created_at,
        }

    def from_row(self, row: Row[Any]) -> Account:
        return Account(
            id=AccountId(row.id),
            login=row.login,
            display_name=row.display_name,
            password_hash=row.password_hash,
            roles=frozenset(Role(r) for r in row.roles),
            status=AccountStatus(row.status),
            created_at=row.created_at,
            organisation_id=row.organisation_id,
            worker_id=row.worker_id,
            phone=self.opened_optional(row, "phone"),
            transaction_password_hash=row.transaction_password_hash,
            totp_secret=self.opened_optional(row, "totp_secret"),
            totp_pending_secret=self.opened_optional(row, "totp_pending_secret"),
            totp_last_step=row.totp_last_step,
        )

    def conditions(self, where: None) -> Sequence[ColumnElement[bool]]:
        return []

    async def by_login(self, login: str, *, for_update: bool = False) -> Account | None:
        query = select(accounts).where(accounts.c.login == login)
        if for_update:
            query = query.with_for_update()
        row = (await self._connection.execute(query)).first()
        if row is None:
            return None
        if for_update:
            self._seen.add(row.id)  # the account a sign-in is about: its audit record's target
        return self.from_row(row)


class PostgresGuardRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def get(self, key: str) -> Guard:
        row = (
            await self._connection.execute(select(login_guards).where(login_guards.c.key == key))
        ).first()
        return Guard(key) if row is None else _guard(row)

    async def lock(self, key: str) -> Guard:
        await self._connection.execute(
            pg_insert(login_guards)
            .values(key=key, failures=0, lockouts=0)
            .on_conflict_do_nothing(index_elements=["key"])
        )
        row = (
            await self._connection.execute(
                select(login_guards).where(login_guards.c.key == key).with_for_update()
            )
        ).one()
        return _guard(row)

    async def save(self, guard: Guard) -> None:
        await self._connection.execute(
            update(login_guards)
            .where(login_guards.c.key == guard.key)
            .values(
                failures=guard.failures,
                window_started_at=guard.window_started_at,
                locked_until=guard.locked_until,
                lockouts=guard.lockouts,
            )
        )


def _guard(row: Row[Any]) -> Guard:
    return Guard(row.key, row.failures, row.window_started_at, row.locked_until, row.lockouts)


def _session(row: Row[Any]) -> Session:
    return Session(
        id=SessionId(row.id),
        account_id=row.account_id,
        created_at=row.created_at,
        last_seen_at=row.last_seen_at,
        ip=row.ip,
        user_agent=row.user_agent,
        expires_at=row.expires_at,
        amr=tuple(row.amr),
        stepped_up_at=row.stepped_up_at,
        revoked_at=row.revoked_at,
        revoked_reason=row.revoked_reason,
    )


def _session_row(session: Session) -> dict[str, Any]:
    return {
        "id": session.id,
        "account_id": session.account_id,
        "created_at": session.created_at,
        "last_seen_at": session.last_seen_at,
        "ip": session.ip,
        "user_agent": session.user_agent,
        "expires_at": session.expires_at,
        "amr": list(session.amr),
        "stepped_up_at": session.stepped_up_at,
        "revoked_at": session.revoked_at,
        "revoked_reason": session.revoked_reason,
    }


class PostgresSessionRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def add(self, session: Session) -> None:
        await self._connection.execute(insert(sessions).values(_session_row(session)))

    async def get(self, id: UUID, *, for_update: bool = False) -> Session | None:
        query = select(sessions).where(sessions.c.id == id)
        if for_update:
            query = query.with_for_update()
        row = (await self._connection.execute(query)).first()
        return None if row is None else _session(row)

    async def save(self, session: Session) -> None:
        row = _session_row(session)
        await self._connection.execute(
            update(sessions).where(sessions.c.id == row.pop("id")).values(row)
        )

    async def of_account(self, account_id: UUID, request: PageRequest) -> Page[Session]:
        """Newest first."""
        query = select(sessions).where(sessions.c.account_id == account_id)
        return await keyset_page(
            self._connection, query, sessions.c.id, request, _session, newest_first=True
        )

    async def add_refresh_token(self, digest: bytes, session_id: UUID, now: datetime) -> None:
        await self._connection.execute(
            insert(refresh_tokens).values(token_hash=digest, session_id=session_id, issued_at=now)
        )

    async def refresh_token(self, digest: bytes) -> RefreshTokenRecord | None:
        row = (
            await self._connection.execute(
                select(refresh_tokens)
                .where(refresh_tokens.c.token_hash == digest)
                .with_for_update()
            )
        ).first()
        if row is None:
            return None
        return RefreshTokenRecord(SessionId(row.session_id), row.issued_at, row.used_at)

    async def use_refresh_token(self, digest: bytes, now: datetime) -> None:
        await self._connection.execute(
            update(refresh_tokens).where(refresh_tokens.c.token_hash == digest).values(used_at=now)
        )


class PostgresLoginLog:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def append(self, event: LoginEvent) -> None:
        await self._connection.execute(
            insert(login_events).values(
                id=event.id,
                account_id=event.account_id,
                occurred_at=event.occurred_at,
                ip=event.ip,
                user_agent=event.user_agent[:500],
                result=event.result,
            )
        )

    async def page(self, account_id: UUID, request: PageRequest) -> Page[LoginEvent]:
        """Newest first."""
        query = select(login_events).where(login_events.c.account_id == account_id)
        return await keyset_page(
            self._connection, query, login_events.c.id, request, _event, newest_first=True
        )


def _event(row: Row[Any]) -> LoginEvent:
    return LoginEvent(row.account_id, row.occurred_at, row.ip, row.user_agent, row.result, row.id)


class PostgresChallengeStore:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def add(self, id: UUID, answer_hash: bytes, expires_at: datetime) -> None:
        await self._connection.execute(
            insert(login_challenges).values(id=id, answer_hash=answer_hash, expires_at=expires_at)
        )

    async def take(self, id: UUID, now: datetime) -> bytes | None:
        row = (
            await self._connection.execute(
                update(login_challenges)
                .where(
                    login_challenges.c.id == id,
                    login_challenges.c.used_at.is_(None),
                    login_challenges.c.expires_at > now,
                )
                .values(used_at=now)
                .returning(login_challenges.c.answer_hash)
            )
        ).first()
        return None if row is None else bytes(row.answer_hash)


class OutboxNotifier:
    """The sandbox notifier: messages land in ``outbox_messages`` with the transaction."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def notify(
        self, channel: str, recipient: str, template: str, body: str, now: datetime
    ) -> None:
        await self._connection.execute(
            insert(outbox_messages).values(
                id=new_id(),
                channel=channel,
                recipient=recipient,
                template=template,
                body=body,
                created_at=now,
            )
        )


class PostgresOneTimeCodeStore:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def add(self, code: OneTimeCode) -> None:
        await self._connection.execute(
            insert(one_time_codes).values(
                id=code.id,
                account_id=code.account_id,
                purpose=code.purpose,
                code_hash=code.code_hash,
                expires_at=code.expires_at,
                attempts=code.attempts,
            )
        )

    async def latest(self, account_id: UUID, purpose: str) -> OneTimeCode | None:
        row = (
            await self._connection.execute(
                select(one_time_codes)
                .where(one_time_codes.c.account_id == account_id)
                .where(one_time_codes.c.purpose == purpose)
                .order_by(one_time_codes.c.id.desc())
                .limit(1)
                .with_for_update()
            )
        ).first()
        if row is None:
            return None
        return OneTimeCode(
            row.id,
            row.account_id,
            row.purpose,
            bytes(row.code_hash),
            row.expires_at,
            row.attempts,
            row.used_at,
        )

    async def save(self, code: OneTimeCode) -> None:
        await self._connection.execute(
            update(one_time_codes)
            .where(one_time_codes.c.id == code.id)
            .values(attempts=code.attempts, used_at=code.used_at)
        )


def _grant(row: Row[Any]) -> RoleGrant:
    return RoleGrant(
        id=row.id,
        account_id=row.account_id,
        role=Role(row.role),
        requested_by=row.requested_by,
        requested_at=row.requested_at,
        status=GrantStatus(row.status),
        decided_by=row.decided_by,
        decided_at=row.decided_at,
    )


class PostgresRoleGrantStore:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def add(self, grant: RoleGrant) -> None:
        await self._connection.execute(
            insert(role_grants).values(
                id=grant.id,
                account_id=grant.account_id,
                role=grant.role.value,
                requested_by=grant.requested_by,
                requested_at=grant.requested_at,
                status=grant.status.value,
            )
        )

    async def get(self, id: UUID) -> RoleGrant | None:
        row = (
            await self._connection.execute(
                select(role_grants).where(role_grants.c.id == id).with_for_update()
            )
        ).first()
        return None if row is None else _grant(row)

    async def save(self, grant: RoleGrant) -> None:
        await self._connection.execute(
            update(role_grants)
            .where(role_grants.c.id == grant.id)
            .values(
                status=grant.status.value,
                decided_by=grant.decided_by,
                decided_at=grant.decided_at,
            )
        )

    async def pending(self, request: PageRequest) -> Page[RoleGrant]:
        """Oldest first."""
        query = select(role_grants).where(role_grants.c.status == "pending")
        return await keyset_page(self._connection, query, role_grants.c.id, request, _grant)


class PostgresIdentityUnitOfWork(PostgresUnitOfWork):
    """The ``IdentityUnitOfWork`` and ``GrantsUnitOfWork`` ports."""

    accounts = repository(
        lambda uow: PostgresAccountRepository(uow.connection, uow.seen, uow.cipher)
    )
    guards = repository(lambda uow: PostgresGuardRepository(uow.connection))
    sessions = repository(lambda uow: PostgresSessionRepository(uow.connection))
    login_log = repository(lambda uow: PostgresLoginLog(uow.connection))
    challenges = repository(lambda uow: PostgresChallengeStore(uow.connection))
    notifier = repository(lambda uow: OutboxNotifier(uow.connection))
    one_time_codes = repository(lambda uow: PostgresOneTimeCodeStore(uow.connection))
    role_grants = repository(lambda uow: PostgresRoleGrantStore(uow.connection))

    def ending(self, code: str) -> None:
        """The operation commits, then ends with error ``code``: its audit record says so."""
        scope = current_scope()
        if scope is not None:
            scope.ending = code
