"""Who is calling: the principal every resolver and use case sees."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from .roles import Role


@dataclass(frozen=True, slots=True)
class Principal:
    account_id: UUID | None = None
    roles: frozenset[Role] = frozenset()
    organisation_id: UUID | None = None
    """The enterprise or institution whose staff the account belongs to."""
    worker_id: UUID | None = None
    """For a gig worker's own account."""
    session_id: UUID | None = None
    auth_time: datetime | None = None
    amr: tuple[str, ...] = ()
    """Authentication methods used (RFC 8176 values: pwd, otp, sms, …)."""
    stepped_up_at: datetime | None = None
    """When a second factor was last proven in this session (SEC-04)."""
    client_id: str | None = None
    """A partner system's OAuth client id."""

    @property
    def is_authenticated(self) -> bool:
        return self.account_id is not None or self.client_id is not None

    def stepped_up_within(self, max_age: timedelta, now: datetime) -> bool:
        return self.stepped_up_at is not None and now - self.stepped_up_at <= max_age

    @property
    def key(self) -> str:
        """A stable key for per-principal budgets and records."""
        if self.client_id is not None:
            return f"client:{self.client_id}"
        if self.account_id is not None:
            return f"account:{self.account_id}"
        return "anonymous"


ANONYMOUS = Principal()
