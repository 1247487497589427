"""Use cases of the parties module. Each runs in one unit of work and commits once."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar
from uuid import UUID

from ..shared.clock import Clock
from ..shared.errors import NotFound, checked
from ..unit_of_work import UnitOfWork
from .identifiers import BankAccount, BankCardNumber, CreditCode, IdNumber, Phone
from .model import (
    Enterprise,
    EnterpriseAlreadyOnboarded,
    EnterpriseId,
    EnterpriseProfile,
    Institution,
    InstitutionAlreadyRegistered,
    InstitutionKind,
    Worker,
    WorkerAlreadyRegistered,
    WorkerId,
)

E = TypeVar("E")


@dataclass(frozen=True, slots=True)
class EnterpriseProfileInput:
    name: str
    legal_representative: str
    address: str
    business_scope: str
    phone: str

    def checked(self) -> EnterpriseProfile:
        return EnterpriseProfile(
            name=self.name,
            legal_representative=self.legal_representative,
            address=self.address,
            business_scope=self.business_scope,
            phone=checked("phone", Phone, self.phone),
        )


def _paying_account(bank_name: str, account_number: str) -> BankAccount:
    return checked("paying_account", BankAccount, bank_name, account_number)


@dataclass(frozen=True, slots=True)
class OnboardEnterprise:
    credit_code: str
    profile: EnterpriseProfileInput
    bank_name: str
    account_number: str


async def onboard_enterprise(
    command: OnboardEnterprise, uow: UnitOfWork, clock: Clock
) -> Enterprise:
    """PARTY-01: onboard an enterprise with its profile and paying bank account."""
    credit_code = checked("credit_code", CreditCode, command.credit_code)
    enterprise = Enterprise.onboard(
        credit_code,
        checked("profile", command.profile.checked),
        _paying_account(command.bank_name, command.account_number),
        clock.now(),
    )
    async with uow:
        if await uow.enterprises.exists_with_credit_code(credit_code):
            raise EnterpriseAlreadyOnboarded()
        await uow.enterprises.add(enterprise)
        await uow.commit()
    return enterprise


class _Changeable(Protocol[E]):
    async def get(self, id: Any, *, for_update: bool = False) -> E | None: ...
    async def save(self, entity: E) -> None: ...


async def _change(
    uow: UnitOfWork,
    store: Callable[[UnitOfWork], _Changeable[E]],
    id: UUID,
    change: Callable[[E], None],
) -> E:
    """Load one aggregate locked for update, apply ``change``, save and commit."""
    async with uow:
        repository = store(uow)
        entity = await repository.get(id, for_update=True)
        if entity is None:
            raise NotFound("there is no such record", field="id")
        change(entity)
        await repository.save(entity)
        await uow.commit()
    return entity


def _enterprises(uow: UnitOfWork) -> _Changeable[Enterprise]:
    return uow.enterprises


def _workers(uow: UnitOfWork) -> _Changeable[Worker]:
    return uow.workers


async def change_enterprise_profile(
    id: EnterpriseId, profile: EnterpriseProfileInput, uow: UnitOfWork
) -> Enterprise:
    """PARTY-01 account change: name, legal representative, address, scope, phone."""
    checked_profile = checked("profile", profile.checked)
    return await _change(uow, _enterprises, id, lambda e: e.change_profile(checked_profile))


async def change_enterprise_paying_account(
    id: EnterpriseId, bank_name: str, account_number: str, uow: UnitOfWork
) -> Enterprise:
    """PARTY-01 account change: the bank account the enterprise pays in from."""
    account = _paying_account(bank_name, account_number)
    return await _change(uow, _enterprises, id, lambda e: e.change_paying_account(account))


async def close_enterprise(
    id: EnterpriseId, reason: str, uow: UnitOfWork, clock: Clock
) -> Enterprise:
    """PARTY-01 account closure."""
    now = clock.now()
    return await _change(uow, _enterprises, id, lambda e: e.close(reason, now))


@dataclass(frozen=True, slots=True)
class RegisterWorker:
    name: str
    id_number: str
    phone: str
    bank_card: str
    address: str


async def register_worker(command: RegisterWorker, uow: UnitOfWork, clock: Clock) -> Worker:
    """PARTY-03: register a gig worker; one registration per resident ID number."""
    now = clock.now()
    id_number = checked("id_number", IdNumber.parse, command.id_number, now.date())
    worker = Worker.register(
        name=command.name,
        id_number=id_number,
        phone=checked("phone", Phone, command.phone),
        bank_card=checked("bank_card", BankCardNumber, command.bank_card),
        address=command.address,
        now=now,
    )
    async with uow:
        if await uow.workers.exists_with_id_number(id_number):
            raise WorkerAlreadyRegistered()
        await uow.workers.add(worker)
        await uow.commit()
    return worker


async def change_worker_contact(id: WorkerId, phone: str, address: str, uow: UnitOfWork) -> Worker:
    checked_phone = checked("phone", Phone, phone)
    return await _change(uow, _workers, id, lambda w: w.change_contact(checked_phone, address))


async def change_worker_bank_card(id: WorkerId, bank_card: str, uow: UnitOfWork) -> Worker:
    """The payout card changes; real-name ownership checks of the card come with PARTY-04."""
    card = checked("bank_card", BankCardNumber, bank_card)
    return await _change(uow, _workers, id, lambda w: w.change_bank_card(card))


@dataclass(frozen=True, slots=True)
class RegisterInstitution:
    kind: InstitutionKind
    name: str
    credit_code: str
    address: str
    phone: str


async def register_institution(
    command: RegisterInstitution, uow: UnitOfWork, clock: Clock
) -> Institution:
    """PARTY-05: a bank, insurer or guarantor joins the marketplace."""
    credit_code = checked("credit_code", CreditCode, command.credit_code)
    institution = Institution.register(
        kind=command.kind,
        name=command.name,
        credit_code=credit_code,
        address=command.address,
        phone=checked("phone", Phone, command.phone),
        now=clock.now(),
    )
    async with uow:
        if await uow.institutions.exists_with_credit_code(credit_code):
            raise InstitutionAlreadyRegistered()
        await uow.institutions.add(institution)
        await uow.commit()
    return institution
