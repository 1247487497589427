"""An in-memory fake of the identity unit of work (the ``IdentityUnitOfWork`` and
``GrantsUnitOfWork`` ports): accounts, guards, sessions and refresh tokens, the login log,
challenges, one-time codes, role grants and the notifier's outbox. Like ``FakeUnitOfWork``,
a unit of work works on a copy of the committed tables and keeps nothing without
``commit()``; entities come out as copies, so a change counts only once it is saved. No row
locks: these fakes serve one use case at a time."""

import copy
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from types import TracebackType
from typing import Self, TypeVar
from uuid import UUID

from src.auth.accounts import Account, AccountExists
from src.auth.factors import OneTimeCode
from src.auth.grants import GrantStatus, RoleGrant
from src.auth.lockout import Guard
from src.auth.sessions import LoginEvent, RefreshTokenRecord, Session, SessionId
from src.domain.shared.pagination import Page, PageRequest

T = TypeVar("T")


@dataclass
class StoredChallenge:
    answer_hash: bytes
    expires_at: datetime
    used_at: datetime | None = None


@dataclass(frozen=True)
class Notification:
    channel: str
    recipient: str
    template: str
    body: str
    created_at: datetime


@dataclass
class IdentityTables:
    accounts: dict[UUID, Account] = field(default_factory=dict)
    guards: dict[str, Guard] = field(default_factory=dict)
    sessions: dict[UUID, Session] = field(default_factory=dict)
    refresh_tokens: dict[bytes, RefreshTokenRecord] = field(default_factory=dict)
    login_log: list[LoginEvent] = field(default_factory=list)
    challenges: dict[UUID, StoredChallenge] = field(default_factory=dict)
    one_time_codes: dict[UUID, OneTimeCode] = field(default_factory=dict)
    role_grants: dict[UUID, RoleGrant] = field(default_factory=dict)
    outbox: list[Notification] = field(default_factory=list)


def _page(
    items: Iterable[T], key: Callable[[T], UUID], request: PageRequest, *, newest_first: bool
) -> Page[T]:
    """Keyset pagination by a UUIDv7 ``key``, as ``keyset_page`` does in SQL."""
    ordered = sorted(items, key=key, reverse=newest_first)
    if request.after is not None:
        after = request.after
        ordered = [i for i in ordered if (key(i) < after if newest_first else key(i) > after)]
    return Page(copy.deepcopy(ordered[: request.first]), len(ordered) > request.first)


class FakeAccounts:
    def __init__(self, tables: IdentityTables) -> None:
        self._rows = tables.accounts

    async def get(self, id: UUID, *, for_update: bool = False) -> Account | None:
        return copy.deepcopy(self._rows.get(id))

    async def by_login(self, login: str, *, for_update: bool = False) -> Account | None:
        found = (account for account in self._rows.values() if account.login == login)
        return copy.deepcopy(next(found, None))

    async def add(self, account: Account) -> None:
        if await self.by_login(account.login) is not None:
            raise AccountExists()  # the unique login, as PostgreSQL's constraint
        self._rows[account.id] = copy.deepcopy(account)

    async def save(self, account: Account) -> None:
        assert account.id in self._rows
        self._rows[account.id] = copy.deepcopy(account)


class FakeGuards:
    def __init__(self, tables: IdentityTables) -> None:
        self._rows = tables.guards

    async def get(self, key: str) -> Guard:
        return copy.deepcopy(self._rows.get(key, Guard(key)))

    async def lock(self, key: str) -> Guard:
        return copy.deepcopy(self._rows.setdefault(key, Guard(key)))

    async def save(self, guard: Guard) -> None:
        self._rows[guard.key] = copy.deepcopy(guard)


class FakeSessions:
    def __init__(self, tables: IdentityTables) -> None:
        self._rows = tables.sessions
        self._tokens = tables.refresh_tokens

    async def add(self, session: Session) -> None:
        self._rows[session.id] = copy.deepcopy(session)

    async def get(self, id: UUID, *, for_update: bool = False) -> Session | None:
        return copy.deepcopy(self._rows.get(id))

    async def save(self, session: Session) -> None:
        assert session.id in self._rows
        self._rows[session.id] = copy.deepcopy(session)

    async def of_account(self, account_id: UUID, request: PageRequest) -> Page[Session]:
        mine = (s for s in self._rows.values() if s.account_id == account_id)
        return _page(mine, lambda s: s.id, request, newest_first=True)

    async def add_refresh_token(self, digest: bytes, session_id: UUID, now: datetime) -> None:
        self._tokens[digest] = RefreshTokenRecord(SessionId(session_id), now)

    async def refresh_token(self, digest: bytes) -> RefreshTokenRecord | None:
        return self._tokens.get(digest)

    async def use_refresh_token(self, digest: bytes, now: datetime) -> None:
        self._tokens[digest] = replace(self._tokens[digest], used_at=now)


class FakeLoginLog:
    def __init__(self, tables: IdentityTables) -> None:
        self._events = tables.login_log

    async def append(self, event: LoginEvent) -> None:
        self._events.append(event)

    async def page(self, account_id: UUID, request: PageRequest) -> Page[LoginEvent]:
        mine = (e for e in self._events if e.account_id == account_id)
        return _page(mine, lambda e: e.id, request, newest_first=True)


class FakeChallenges:
    def __init__(self, tables: IdentityTables) -> None:
        self._rows = tables.challenges

    async def add(self, id: UUID, answer_hash: bytes, expires_at: datetime) -> None:
        self._rows[id] = StoredChallenge(answer_hash, expires_at)

    async def take(self, id: UUID, now: datetime) -> bytes | None:
        stored = self._rows.get(id)
        if stored is None or stored.used_at is not None or stored.expires_at <= now:
            return None
        stored.used_at = now
        return stored.answer_hash


class FakeNotifier:
    def __init__(self, tables: IdentityTables) -> None:
        self._outbox = tables.outbox

    async def notify(
        self, channel: str, recipient: str, template: str, body: str, now: datetime
    ) -> None:
        self._outbox.append(Notification(channel, recipient, template, body, now))


class FakeOneTimeCodes:
    def __init__(self, tables: IdentityTables) -> None:
        self._rows = tables.one_time_codes

    async def add(self, code: OneTimeCode) -> None:
        self._rows[code.id] = copy.deepcopy(code)

    async def latest(self, account_id: UUID, purpose: str) -> OneTimeCode | None:
        mine = [
            c for c in self._rows.values() if (c.account_id, c.purpose) == (account_id, purpose)
        ]
        return copy.deepcopy(max(mine, key=lambda c: c.id, default=None))

    async def save(self, code: OneTimeCode) -> None:
        assert code.id in self._rows
        self._rows[code.id] = copy.deepcopy(code)


class FakeRoleGrants:
    def __init__(self, tables: IdentityTables) -> None:
        self._rows = tables.role_grants

    async def add(self, grant: RoleGrant) -> None:
        self._rows[grant.id] = copy.deepcopy(grant)

    async def get(self, id: UUID) -> RoleGrant | None:
        return copy.deepcopy(self._rows.get(id))

    async def save(self, grant: RoleGrant) -> None:
        assert grant.id in self._rows
        self._rows[grant.id] = copy.deepcopy(grant)

    async def pending(self, request: PageRequest) -> Page[RoleGrant]:
        waiting = (g for g in self._rows.values() if g.status is GrantStatus.PENDING)
        return _page(waiting, lambda g: g.id, request, newest_first=False)


class FakeIdentityUnitOfWork:
    """Committed state is shared by every unit of work made from one ``FakeIdentityDatabase``."""

    def __init__(self, database: "FakeIdentityDatabase") -> None:
        self._database = database
        self._working: IdentityTables | None = None
        self.committed = False
        self.ended_with: str | None = None
        """The error code the use case said it would end with (``ending``) after committing."""

    async def __aenter__(self) -> Self:
        self._working = copy.deepcopy(self._database.tables)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._working = None

    async def commit(self) -> None:
        self._database.tables = copy.deepcopy(self._tables)
        self._database.commits += 1
        self.committed = True

    def ending(self, code: str) -> None:
        self.ended_with = code

    @property
    def _tables(self) -> IdentityTables:
        assert self._working is not None, "the unit of work is not open"
        return self._working

    @property
    def accounts(self) -> FakeAccounts:
        return FakeAccounts(self._tables)

    @property
    def guards(self) -> FakeGuards:
        return FakeGuards(self._tables)

    @property
    def sessions(self) -> FakeSessions:
        return FakeSessions(self._tables)

    @property
    def login_log(self) -> FakeLoginLog:
        return FakeLoginLog(self._tables)

    @property
    def challenges(self) -> FakeChallenges:
        return FakeChallenges(self._tables)

    @property
    def notifier(self) -> FakeNotifier:
        return FakeNotifier(self._tables)

    @property
    def one_time_codes(self) -> FakeOneTimeCodes:
        return FakeOneTimeCodes(self._tables)

    @property
    def role_grants(self) -> FakeRoleGrants:
        return FakeRoleGrants(self._tables)


class FakeIdentityDatabase:
    def __init__(self) -> None:
        self.tables = IdentityTables()
        self.commits = 0

    def unit_of_work(self) -> FakeIdentityUnitOfWork:
        return FakeIdentityUnitOfWork(self)
