"""The identity and access commands: the only input objects of their use cases (SEC-01…SEC-09).
They carry what the caller typed; the handlers in ``service.py``, ``step_up.py`` and
``grants.py`` check it.

The GraphQL inputs subclass these (plain dataclasses, so that they can), adding at most the id
of the record a change is for: a field is declared once, here.
"""

from dataclasses import dataclass
from uuid import UUID

from .factors import StepUpMethod
from .roles import Role


@dataclass
class Login:
    login: str
    password: str
    challenge_id: str | None = None
    """The solved challenge (``issue_challenge``) a sign-in needs after two failures."""
    challenge_answer: str | None = None


@dataclass
class RefreshSession:
    refresh_token: str


@dataclass
class UnlockAccount:
    login: str


@dataclass
class OpenAccount:
    login: str
    display_name: str
    password: str
    roles: frozenset[Role]
    organisation_id: UUID | None = None
    worker_id: UUID | None = None
    phone: str | None = None


@dataclass
class ConfirmTotp:
    code: str


@dataclass
class SetTransactionPassword:
    current_password: str
    transaction_password: str


@dataclass
class StepUp:
    method: StepUpMethod
    code: str
    """The TOTP or SMS code, or the transaction password."""


@dataclass
class RequestRoleGrant:
    login: str
    role: Role


@dataclass
class DecideRoleGrant:
    approve: bool
