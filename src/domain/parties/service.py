"""Use cases of the parties module: one handler per command, each in one unit of work that
commits once."""

from collections.abc import Callable
from typing import Any, Protocol, TypeVar
from uuid import UUID

from ..shared.clock import Clock
from ..shared.errors import NotFound, checked
from . import commands
from .identifiers import BankAccount, BankCardNumber, CreditCode, IdNumber, Phone
from .model import (
    Enterprise,
    EnterpriseAlreadyOnboarded,
    EnterpriseId,
    EnterpriseProfile,
    Institution,
    InstitutionAlreadyRegistered,
    Worker,
    WorkerAlreadyRegistered,
    WorkerId,
)
from .ports import PartiesUnitOfWork

E = TypeVar("E")


def _profile(details: commands.EnterpriseProfileDetails) -> EnterpriseProfile:
    return EnterpriseProfile(
        name=details.name,
        legal_representative=details.legal_representative,
        address=details.address,
        business_scope=details.business_scope,
        phone=checked("phone", Phone, details.phone),
    )


def _paying_account(details: commands.BankAccountDetails) -> BankAccount:
    return checked("paying_account", BankAccount, details.bank_name, details.account_number)


async def onboard_enterprise(
    command: commands.OnboardEnterprise, uow: PartiesUnitOfWork, clock: Clock
) -> Enterprise:
    """PARTY-01: onboard an enterprise with its profile and paying bank account."""
    credit_code = checked("credit_code", CreditCode, command.credit_code)
    enterprise = Enterprise.onboard(
        credit_code,
        checked("profile", _profile, command.profile),
        _paying_account(command.paying_account),
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
    uow: PartiesUnitOfWork,
    store: Callable[[PartiesUnitOfWork], _Changeable[E]],
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


def _enterprises(uow: PartiesUnitOfWork) -> _Changeable[Enterprise]:
    return uow.enterprises


def _workers(uow: PartiesUnitOfWork) -> _Changeable[Worker]:
    return uow.workers


async def change_enterprise_profile(
    id: EnterpriseId, command: commands.ChangeEnterpriseProfile, uow: PartiesUnitOfWork
) -> Enterprise:
    """PARTY-01 account change: name, legal representative, address, scope, phone."""
    profile = checked("profile", _profile, command.profile)
    return await _change(uow, _enterprises, id, lambda e: e.change_profile(profile))


async def change_enterprise_paying_account(
    id: EnterpriseId, command: commands.ChangeEnterprisePayingAccount, uow: PartiesUnitOfWork
) -> Enterprise:
    """PARTY-01 account change: the bank account the enterprise pays in from."""
    account = _paying_account(command.paying_account)
    return await _change(uow, _enterprises, id, lambda e: e.change_paying_account(account))


async def close_enterprise(
    id: EnterpriseId, command: commands.CloseEnterprise, uow: PartiesUnitOfWork, clock: Clock
) -> Enterprise:
    """PARTY-01 account closure."""
    now = clock.now()
    return await _change(uow, _enterprises, id, lambda e: e.close(command.reason, now))


async def register_worker(
    command: commands.RegisterWorker, uow: PartiesUnitOfWork, clock: Clock
) -> Worker:
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


async def change_worker_contact(
    id: WorkerId, command: commands.ChangeWorkerContact, uow: PartiesUnitOfWork
) -> Worker:
    phone = checked("phone", Phone, command.phone)
    return await _change(uow, _workers, id, lambda w: w.change_contact(phone, command.address))


async def change_worker_bank_card(
    id: WorkerId, command: commands.ChangeWorkerBankCard, uow: PartiesUnitOfWork
) -> Worker:
    """The payout card changes; real-name ownership checks of the card come with PARTY-04."""
    card = checked("bank_card", BankCardNumber, command.bank_card)
    return await _change(uow, _workers, id, lambda w: w.change_bank_card(card))


async def register_institution(
    command: commands.RegisterInstitution, uow: PartiesUnitOfWork, clock: Clock
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
