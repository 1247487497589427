"""Sessions and rotating refresh tokens (SEC-09). A session is one sign-in on one device; its
refresh tokens form one family: each use returns a new token, and presenting a used one again
(a stolen copy) revokes the whole session."""

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import NewType
from uuid import UUID

from ..domain.shared.errors import DomainError
from ..domain.shared.ids import new_id
from ..domain.shared.text import utf8

SessionId = NewType("SessionId", UUID)


class RefreshTokenReused(DomainError):
    code = "REFRESH_TOKEN_REUSED"
    default_message = "this refresh token was used before; the session is revoked, sign in again"


def new_refresh_token() -> str:
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> bytes:
    """Refresh tokens are stored only as their SHA-256 (they are random, 256 bits)."""
    return hashlib.sha256(utf8(token)).digest()


@dataclass(frozen=True, slots=True)
class Client:
    """Where a request comes from, for sessions and the login log."""

    ip: str
    user_agent: str


@dataclass(slots=True)
class Session:
    id: SessionId
    account_id: UUID
    created_at: datetime
    last_seen_at: datetime
    ip: str
    user_agent: str
    expires_at: datetime
    amr: tuple[str, ...] = ("pwd",)
    stepped_up_at: datetime | None = None
    revoked_at: datetime | None = None
    revoked_reason: str | None = None

    @classmethod
    def start(
        cls, account_id: UUID, client: Client, now: datetime, expires_at: datetime
    ) -> "Session":
        return cls(
            id=SessionId(new_id()),
            account_id=account_id,
            created_at=now,
            last_seen_at=now,
            ip=client.ip,
            user_agent=client.user_agent[:500],
            expires_at=expires_at,
        )

    def is_active(self, now: datetime) -> bool:
        return self.revoked_at is None and now < self.expires_at

    def revoke(self, reason: str, now: datetime) -> None:
        if self.revoked_at is None:
            self.revoked_at, self.revoked_reason = now, reason

    def step_up(self, method: str, now: datetime) -> None:
        self.stepped_up_at = now
        if method not in self.amr:
            self.amr = (*self.amr, method)


@dataclass(frozen=True, slots=True)
class RefreshTokenRecord:
    session_id: SessionId
    issued_at: datetime
    used_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class LoginEvent:
    """One line of a user's login log (SEC-09)."""

    account_id: UUID | None
    occurred_at: datetime
    ip: str
    user_agent: str
    result: str
    id: UUID = field(default_factory=new_id)
