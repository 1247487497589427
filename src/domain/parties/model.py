"""Entities of the parties module. Plain dataclasses with behaviour; every change of state
goes through a method that checks the rule it implements."""

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import NewType
from uuid import UUID

from ..shared.errors import AlreadyExists, InvalidInput, InvalidStateTransition
from ..shared.ids import new_id
from .identifiers import BankAccount, BankCardNumber, CreditCode, IdNumber, Phone

EnterpriseId = NewType("EnterpriseId", UUID)
WorkerId = NewType("WorkerId", UUID)
InstitutionId = NewType("InstitutionId", UUID)

MINIMUM_WORKING_AGE = 16
"""Labour Law of the PRC art. 15: no one under 16 may be engaged for work."""


class EnterpriseClosed(InvalidStateTransition):
    code = "ENTERPRISE_CLOSED"


class WorkerUnderage(InvalidInput):
    code = "WORKER_UNDERAGE"


class EnterpriseAlreadyOnboarded(AlreadyExists):
    code = "ENTERPRISE_ALREADY_ONBOARDED"
    default_message = "an enterprise with this credit code is already onboarded"
    default_field = "credit_code"


class WorkerAlreadyRegistered(AlreadyExists):
    code = "WORKER_ALREADY_REGISTERED"
    default_message = "a worker with this ID number is already registered"
    default_field = "id_number"


class InstitutionAlreadyRegistered(AlreadyExists):
    code = "INSTITUTION_ALREADY_REGISTERED"
    default_message = "an institution with this credit code is already registered"
    default_field = "credit_code"


def required_text(value: str, field: str, *, max_length: int = 200) -> str:
    """Trimmed, non-empty text of bounded length."""
    text = value.strip()
    if not text:
        raise InvalidInput(f"{field} must not be empty", field=field)
    if len(text) > max_length:
        raise InvalidInput(f"{field} is longer than {max_length} characters", field=field)
    return text


class EnterpriseStatus(enum.Enum):
    ACTIVE = "active"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class EnterpriseProfile:
    """What an enterprise may change about itself after onboarding (PARTY-01 account change)."""

    name: str
    legal_representative: str
    address: str
    business_scope: str
    phone: Phone

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", required_text(self.name, "name"))
        object.__setattr__(
            self,
            "legal_representative",
            required_text(self.legal_representative, "legal_representative", max_length=50),
        )
        object.__setattr__(self, "address", required_text(self.address, "address"))
        object.__setattr__(
            self,
            "business_scope",
            required_text(self.business_scope, "business_scope", max_length=2000),
        )


@dataclass(slots=True)
class Enterprise:
    """An enterprise (merchant) onboarded to the platform (PARTY-01)."""

    id: EnterpriseId
    credit_code: CreditCode
    profile: EnterpriseProfile
    paying_account: BankAccount
    status: EnterpriseStatus
    onboarded_at: datetime
    closed_at: datetime | None = None
    closure_reason: str | None = None

    @classmethod
    def onboard(
        cls,
        credit_code: CreditCode,
        profile: EnterpriseProfile,
        paying_account: BankAccount,
        now: datetime,
    ) -> "Enterprise":
        return cls(
            id=EnterpriseId(new_id()),
            credit_code=credit_code,
            profile=profile,
            paying_account=paying_account,
            status=EnterpriseStatus.ACTIVE,
            onboarded_at=now,
        )

    def _must_be_active(self) -> None:
        if self.status is EnterpriseStatus.CLOSED:
            raise EnterpriseClosed("the enterprise's account is closed")

    def change_profile(self, profile: EnterpriseProfile) -> None:
        self._must_be_active()
        self.profile = profile

    def change_paying_account(self, account: BankAccount) -> None:
        self._must_be_active()
        self.paying_account = account

    def close(self, reason: str, now: datetime) -> None:
        """Account closure (PARTY-01). A closed account is kept, never deleted: its history
        belongs to the enterprise's file."""
        self._must_be_active()
        self.closure_reason = required_text(reason, "reason", max_length=500)
        self.status = EnterpriseStatus.CLOSED
        self.closed_at = now


@dataclass(slots=True)
class Worker:
    """A gig worker registered on the platform (PARTY-03)."""

    id: WorkerId
    name: str
    id_number: IdNumber
    phone: Phone
    bank_card: BankCardNumber
    address: str
    registered_at: datetime

    @classmethod
    def register(
        cls,
        name: str,
        id_number: IdNumber,
        phone: Phone,
        bank_card: BankCardNumber,
        address: str,
        now: datetime,
    ) -> "Worker":
        if id_number.age_on(now.date()) < MINIMUM_WORKING_AGE:
            raise WorkerUnderage(
                f"a gig worker must be at least {MINIMUM_WORKING_AGE} years old",
                field="id_number",
            )
        return cls(
            id=WorkerId(new_id()),
            name=required_text(name, "name", max_length=50),
            id_number=id_number,
            phone=phone,
            bank_card=bank_card,
            address=required_text(address, "address"),
            registered_at=now,
        )

    def change_contact(self, phone: Phone, address: str) -> None:
        self.phone = phone
        self.address = required_text(address, "address")

    def change_bank_card(self, bank_card: BankCardNumber) -> None:
        self.bank_card = bank_card


class InstitutionKind(enum.Enum):
    BANK = "bank"
    INSURER = "insurer"
    GUARANTOR = "guarantor"


@dataclass(slots=True)
class Institution:
    """A financial institution offering products on the marketplace (PARTY-05)."""

    id: InstitutionId
    kind: InstitutionKind
    name: str
    credit_code: CreditCode
    address: str
    phone: Phone
    registered_at: datetime

    @classmethod
    def register(
        cls,
        kind: InstitutionKind,
        name: str,
        credit_code: CreditCode,
        address: str,
        phone: Phone,
        now: datetime,
    ) -> "Institution":
        return cls(
            id=InstitutionId(new_id()),
            kind=kind,
            name=required_text(name, "name"),
            credit_code=credit_code,
            address=required_text(address, "address"),
            phone=phone,
            registered_at=now,
        )
