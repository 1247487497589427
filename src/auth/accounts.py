"""Accounts: who can sign in, with which roles, for which organisation."""

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import NewType
from uuid import UUID

from ..domain.shared.errors import AlreadyExists, DomainError
from ..domain.shared.ids import new_id
from .roles import Role

AccountId = NewType("AccountId", UUID)


class InvalidCredentials(DomainError):
    """One answer for an unknown login, a wrong password and a locked account (no oracle)."""

    code = "INVALID_CREDENTIALS"
    default_message = "the login or password is wrong, or the account is locked"


class AccountExists(AlreadyExists):
    code = "ACCOUNT_EXISTS"
    default_message = "an account with this login exists"
    default_field = "login"


class Forbidden(DomainError):
    code = "FORBIDDEN"
    default_message = "your roles do not allow this"


class AccountStatus(enum.Enum):
    ACTIVE = "active"
    DISABLED = "disabled"


def normalised_login(login: str) -> str:
    return login.strip().lower()


@dataclass(slots=True)
class Account:
    id: AccountId
    login: str
    display_name: str
    password_hash: str
    roles: frozenset[Role]
    status: AccountStatus
    created_at: datetime
    organisation_id: UUID | None = None
    worker_id: UUID | None = None
    phone: str | None = None
    transaction_password_hash: str | None = None
    totp_secret: str | None = None
    totp_pending_secret: str | None = None
    totp_last_step: int | None = None

    @classmethod
    def open(
        cls,
        login: str,
        display_name: str,
        password_hash: str,
        roles: frozenset[Role],
        now: datetime,
        *,
        organisation_id: UUID | None = None,
        worker_id: UUID | None = None,
        phone: str | None = None,
    ) -> "Account":
        return cls(
            id=AccountId(new_id()),
            login=normalised_login(login),
            display_name=display_name,
            password_hash=password_hash,
            roles=roles,
            status=AccountStatus.ACTIVE,
            created_at=now,
            organisation_id=organisation_id,
            worker_id=worker_id,
            phone=phone,
        )

    @property
    def second_factors(self) -> tuple[str, ...]:
        """The step-up methods this account can use (SEC-04)."""
        return tuple(
            method
            for method, available in (
                ("totp", self.totp_secret is not None),
                ("sms", self.phone is not None),
                ("transaction_password", self.transaction_password_hash is not None),
            )
            if available
        )
