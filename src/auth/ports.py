"""What the identity use cases need from storage and the outside world."""

from collections.abc import Callable
from datetime import datetime
from typing import Protocol
from uuid import UUID

from ..domain.shared.pagination import Page, PageRequest
from ..domain.shared.transaction import Transaction
from ..domain.shared.wiring import Port
from .accounts import Account
from .factors import OneTimeCode
from .lockout import Guard
from .sessions import LoginEvent, RefreshTokenRecord, Session


class AccountRepository(Protocol):
    async def get(self, id: UUID, *, for_update: bool = False) -> Account | None: ...
    async def by_login(self, login: str, *, for_update: bool = False) -> Account | None: ...
    async def add(self, account: Account) -> None: ...
    async def save(self, account: Account) -> None: ...


class GuardRepository(Protocol):
    async def get(self, key: str) -> Guard:
        """The guard for ``key`` as last committed, not locked (a new one if there is none)."""
        ...

    async def lock(self, key: str) -> Guard:
        """The guard for ``key``, created if new, locked for update until the transaction ends."""
        ...

    async def save(self, guard: Guard) -> None: ...


class SessionRepository(Protocol):
    async def add(self, session: Session) -> None: ...
    async def get(self, id: UUID, *, for_update: bool = False) -> Session | None: ...
    async def save(self, session: Session) -> None: ...
    async def of_account(self, account_id: UUID, request: PageRequest) -> Page[Session]: ...
    async def add_refresh_token(self, digest: bytes, session_id: UUID, now: datetime) -> None: ...
    async def refresh_token(self, digest: bytes) -> RefreshTokenRecord | None:
        """The record for ``digest``, locked for update."""
        ...

    async def use_refresh_token(self, digest: bytes, now: datetime) -> None: ...


class LoginLog(Protocol):
    async def append(self, event: LoginEvent) -> None: ...
    async def page(self, account_id: UUID, request: PageRequest) -> Page[LoginEvent]: ...


class ChallengeStore(Protocol):
    async def add(self, id: UUID, answer_hash: bytes, expires_at: datetime) -> None: ...
    async def take(self, id: UUID, now: datetime) -> bytes | None:
        """The answer hash of an unexpired, unused challenge, marking it used; else None."""
        ...


class Notifier(Protocol):
    """SMS and e-mail (SEC-05). The sandbox adapter writes to an outbox table in the same
    transaction; a sender delivers after commit."""

    async def notify(
        self, channel: str, recipient: str, template: str, body: str, now: datetime
    ) -> None: ...


class IdentityUnitOfWork(Transaction, Protocol):
    def ending(self, code: str) -> None:
        """The use case commits, then ends with error ``code`` (a failed sign-in keeps its
        counters): the operation's audit record, written by the commit, says so."""
        ...

    @property
    def accounts(self) -> AccountRepository: ...
    @property
    def guards(self) -> GuardRepository: ...
    @property
    def sessions(self) -> SessionRepository: ...
    @property
    def login_log(self) -> LoginLog: ...
    @property
    def challenges(self) -> ChallengeStore: ...
    @property
    def notifier(self) -> Notifier: ...
    @property
    def one_time_codes(self) -> "OneTimeCodeStore": ...


class OneTimeCodeStore(Protocol):
    async def add(self, code: OneTimeCode) -> None: ...
    async def latest(self, account_id: UUID, purpose: str) -> OneTimeCode | None:
        """The newest code of ``purpose``, locked for update."""
        ...

    async def save(self, code: OneTimeCode) -> None: ...


IDENTITY: Port[Callable[[], IdentityUnitOfWork]] = Port("identity unit of work")
IDENTITY_READS: Port[Callable[[], IdentityUnitOfWork]] = Port("identity unit of work, reading")
"""Units of work that only read (the session check runs on every request): no transaction
around their one statement."""
