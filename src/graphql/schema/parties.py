"""GraphQL types, queries and mutations of the parties module (PARTY-01, PARTY-03, PARTY-05).

Inputs are the module's commands (``domain/parties/commands.py``), subclassed to add the id of
the record a change is for. Lists and ``node`` read views: only the fields asked for, personal
data masked (SEC-06); clear-text reads arrive with field permissions and step-up."""

import contextlib
from collections.abc import Iterator
from datetime import datetime
from typing import Self
from uuid import UUID

import strawberry

from ...auth.policy import row_scope
from ...controls.audit import current_scope
from ...domain.parties import commands, model, service
from ...domain.parties.identifiers import CreditCode, IdNumber
from ...domain.parties.ports import (
    PARTIES,
    PARTIES_VIEWS,
    EnterpriseFilter,
    InstitutionFilter,
    PartiesUnitOfWork,
    WorkerFilter,
)
from ...domain.shared.errors import DomainError, NotFound, checked
from ...domain.shared.views import View
from .audit import AUDITED
from .context import Info
from .relay import Connection, Node, global_id, parse_global_id
from .views import NodeType, connection, of_view

EnterpriseStatus = strawberry.enum(model.EnterpriseStatus, name="EnterpriseStatus")
InstitutionKind = strawberry.enum(model.InstitutionKind, name="InstitutionKind")


@contextlib.contextmanager
def reported_under(argument: str) -> Iterator[None]:
    """Report domain errors' fields as paths inside the mutation's ``argument``."""
    try:
        yield
    except DomainError as error:
        raise error.under(argument) from None


@strawberry.type(description="A bank account an enterprise pays in from.")
class BankAccount:
    bank_name: str
    account_number: str = strawberry.field(description="Masked.")


@strawberry.type(description="An enterprise (merchant) onboarded to the platform. PARTY-01")
class Enterprise(Node):
    credit_code: str = strawberry.field(description="Unified social credit code (GB 32100).")
    name: str
    legal_representative: str
    address: str
    business_scope: str
    phone: str = strawberry.field(description="Contact mobile, masked.")
    paying_account: BankAccount
    status: EnterpriseStatus  # type: ignore[valid-type]
    onboarded_at: datetime
    closed_at: datetime | None
    closure_reason: str | None

    @classmethod
    def of(cls, entity: model.Enterprise) -> Self:
        profile = entity.profile
        return cls(
            id=global_id("Enterprise", entity.id),
            credit_code=entity.credit_code.value,
            name=profile.name,
            legal_representative=profile.legal_representative,
            address=profile.address,
            business_scope=profile.business_scope,
            phone=profile.phone.masked(),
            paying_account=BankAccount(
                bank_name=entity.paying_account.bank_name,
                account_number=entity.paying_account.masked_number(),
            ),
            status=entity.status,
            onboarded_at=entity.onboarded_at,
            closed_at=entity.closed_at,
            closure_reason=entity.closure_reason,
        )

    @classmethod
    def of_view(cls, view: View) -> Self:
        account = view.get("paying_account")
        if not isinstance(account, dict):
            return of_view(cls, view)
        return of_view(cls, view, paying_account=BankAccount(**account))


@strawberry.type(description="A gig worker registered on the platform. PARTY-03")
class Worker(Node):
    name: str
    id_number: str = strawberry.field(description="Resident ID number (GB 11643), masked.")
    phone: str = strawberry.field(description="Mobile, masked.")
    bank_card: str = strawberry.field(description="Payout bank card, masked.")
    address: str
    registered_at: datetime

    @classmethod
    def of(cls, entity: model.Worker) -> Self:
        return cls(
            id=global_id("Worker", entity.id),
            name=entity.name,
            id_number=entity.id_number.masked(),
            phone=entity.phone.masked(),
            bank_card=entity.bank_card.masked(),
            address=entity.address,
            registered_at=entity.registered_at,
        )


@strawberry.type(
    description="A worker's personal data in clear text (SEC-06): reading it needs a fresh "
    "second factor and is recorded in the audit trail."
)
class WorkerPersonalData:
    id_number: str
    phone: str
    bank_card: str


@strawberry.type(description="A bank, insurer or guarantor on the marketplace. PARTY-05")
class Institution(Node):
    kind: InstitutionKind  # type: ignore[valid-type]
    name: str
    credit_code: str
    address: str
    phone: str = strawberry.field(description="Contact mobile, masked.")
    registered_at: datetime

    @classmethod
    def of(cls, entity: model.Institution) -> Self:
        return cls(
            id=global_id("Institution", entity.id),
            kind=entity.kind,
            name=entity.name,
            credit_code=entity.credit_code.value,
            address=entity.address,
            phone=entity.phone.masked(),
            registered_at=entity.registered_at,
        )


@strawberry.input
class EnterpriseFilterInput:
    name_contains: str | None = None
    status: EnterpriseStatus | None = None  # type: ignore[valid-type]
    credit_code: str | None = None


@strawberry.input
class WorkerFilterInput:
    name_contains: str | None = None
    id_number: str | None = strawberry.field(default=None, description="Exact resident ID number.")


@strawberry.input
class InstitutionFilterInput:
    name_contains: str | None = None
    kind: InstitutionKind | None = None  # type: ignore[valid-type]


def _scope(info: Info, type_name: str) -> frozenset[UUID] | None:
    return row_scope(info.context.principal, type_name).ids


@strawberry.type
class PartiesQuery:
    @strawberry.field(description="Enterprises, oldest first. `first` is at most 100.")
    async def enterprises(
        self,
        info: Info,
        first: int = 20,
        after: str | None = None,
        where: EnterpriseFilterInput | None = None,
    ) -> Connection[Enterprise]:
        where = where or EnterpriseFilterInput()
        condition = EnterpriseFilter(
            name_contains=where.name_contains,
            only=_scope(info, "Enterprise"),
            status=where.status,
            credit_code=(
                checked("where.credit_code", CreditCode, where.credit_code)
                if where.credit_code
                else None
            ),
        )
        views = info.context.wiring[PARTIES_VIEWS].enterprises
        return await connection(
            info, Enterprise, views, condition, first, after, Enterprise.of_view
        )

    @strawberry.field(description="Gig workers, oldest first. `first` is at most 100.")
    async def workers(
        self,
        info: Info,
        first: int = 20,
        after: str | None = None,
        where: WorkerFilterInput | None = None,
    ) -> Connection[Worker]:
        where = where or WorkerFilterInput()
        condition = WorkerFilter(
            name_contains=where.name_contains,
            only=_scope(info, "Worker"),
            id_number=(
                checked(
                    "where.id_number",
                    IdNumber.parse,
                    where.id_number,
                    info.context.clock.now().date(),
                )
                if where.id_number
                else None
            ),
        )
        views = info.context.wiring[PARTIES_VIEWS].workers
        return await connection(info, Worker, views, condition, first, after)

    @strawberry.field(
        description="A worker's ID number, phone and card unmasked (step-up; audited).",
        metadata=AUDITED,
    )
    async def worker_personal_data(self, info: Info, id: strawberry.ID) -> WorkerPersonalData:
        worker_id = _worker_id(info, id)
        async with _parties(info) as uow:
            worker = await uow.workers.get(worker_id)
        if worker is None:
            raise NotFound("there is no such worker", field="id")
        if scope := current_scope():
            scope.saw([worker.id])
        return WorkerPersonalData(
            id_number=worker.id_number.value,
            phone=worker.phone.value,
            bank_card=worker.bank_card.value,
        )

    @strawberry.field(description="Financial institutions, oldest first. `first` is at most 100.")
    async def institutions(
        self,
        info: Info,
        first: int = 20,
        after: str | None = None,
        where: InstitutionFilterInput | None = None,
    ) -> Connection[Institution]:
        where = where or InstitutionFilterInput()
        condition = InstitutionFilter(
            name_contains=where.name_contains,
            kind=where.kind,
            only=_scope(info, "Institution"),
        )
        views = info.context.wiring[PARTIES_VIEWS].institutions
        return await connection(info, Institution, views, condition, first, after)


@strawberry.input
class EnterpriseProfileInput(commands.EnterpriseProfileDetails):
    pass


@strawberry.input
class BankAccountInput(commands.BankAccountDetails):
    pass


@strawberry.input
class OnboardEnterpriseInput(commands.OnboardEnterprise):
    profile: EnterpriseProfileInput
    paying_account: BankAccountInput


@strawberry.input
class ChangeEnterpriseProfileInput(commands.ChangeEnterpriseProfile):
    id: strawberry.ID
    profile: EnterpriseProfileInput


@strawberry.input
class ChangeEnterprisePayingAccountInput(commands.ChangeEnterprisePayingAccount):
    id: strawberry.ID
    paying_account: BankAccountInput


@strawberry.input
class CloseEnterpriseInput(commands.CloseEnterprise):
    id: strawberry.ID


@strawberry.input
class RegisterWorkerInput(commands.RegisterWorker):
    pass


@strawberry.input
class ChangeWorkerContactInput(commands.ChangeWorkerContact):
    id: strawberry.ID


@strawberry.input
class ChangeWorkerBankCardInput(commands.ChangeWorkerBankCard):
    id: strawberry.ID


@strawberry.input
class RegisterInstitutionInput(commands.RegisterInstitution):
    pass


def _own(info: Info, type_name: str, value: str) -> UUID:
    """The id inside a global id of ``type_name`` — if the caller's row scope includes it;
    otherwise NOT_FOUND, as if it did not exist (CARD-3 row scoping)."""
    _, id = checked("id", parse_global_id, value, type_name)
    if not row_scope(info.context.principal, type_name).admits(id):
        raise NotFound(f"there is no such {type_name.lower()}", field="id")
    return id


def _enterprise_id(info: Info, value: str) -> model.EnterpriseId:
    return model.EnterpriseId(_own(info, "Enterprise", value))


def _worker_id(info: Info, value: str) -> model.WorkerId:
    return model.WorkerId(_own(info, "Worker", value))


def _parties(info: Info) -> PartiesUnitOfWork:
    return info.context.wiring[PARTIES]()


@strawberry.type
class PartiesMutation:
    @strawberry.mutation(description="Onboard an enterprise (PARTY-01).")
    async def onboard_enterprise(self, info: Info, input: OnboardEnterpriseInput) -> Enterprise:
        with reported_under("input"):
            return Enterprise.of(
                await service.onboard_enterprise(input, _parties(info), info.context.clock)
            )

    @strawberry.mutation(description="Change an enterprise's profile (PARTY-01 account change).")
    async def change_enterprise_profile(
        self, info: Info, input: ChangeEnterpriseProfileInput
    ) -> Enterprise:
        with reported_under("input"):
            id = _enterprise_id(info, input.id)
            return Enterprise.of(await service.change_enterprise_profile(id, input, _parties(info)))

    @strawberry.mutation(description="Change the bank account an enterprise pays in from.")
    async def change_enterprise_paying_account(
        self, info: Info, input: ChangeEnterprisePayingAccountInput
    ) -> Enterprise:
        with reported_under("input"):
            id = _enterprise_id(info, input.id)
            return Enterprise.of(
                await service.change_enterprise_paying_account(id, input, _parties(info))
            )

    @strawberry.mutation(description="Close an enterprise's account (PARTY-01 account closure).")
    async def close_enterprise(self, info: Info, input: CloseEnterpriseInput) -> Enterprise:
        with reported_under("input"):
            id = _enterprise_id(info, input.id)
            return Enterprise.of(
                await service.close_enterprise(id, input, _parties(info), info.context.clock)
            )

    @strawberry.mutation(description="Register a gig worker (PARTY-03).")
    async def register_worker(self, info: Info, input: RegisterWorkerInput) -> Worker:
        with reported_under("input"):
            return Worker.of(
                await service.register_worker(input, _parties(info), info.context.clock)
            )

    @strawberry.mutation(description="Change a worker's phone and address.")
    async def change_worker_contact(self, info: Info, input: ChangeWorkerContactInput) -> Worker:
        with reported_under("input"):
            id = _worker_id(info, input.id)
            return Worker.of(await service.change_worker_contact(id, input, _parties(info)))

    @strawberry.mutation(description="Change the bank card a worker is paid to.")
    async def change_worker_bank_card(self, info: Info, input: ChangeWorkerBankCardInput) -> Worker:
        with reported_under("input"):
            id = _worker_id(info, input.id)
            return Worker.of(await service.change_worker_bank_card(id, input, _parties(info)))

    @strawberry.mutation(description="Register a bank, insurer or guarantor (PARTY-05).")
    async def register_institution(
        self, info: Info, input: RegisterInstitutionInput
    ) -> Institution:
        with reported_under("input"):
            return Institution.of(
                await service.register_institution(input, _parties(info), info.context.clock)
            )


NODE_TYPES: dict[str, NodeType[Node]] = {
    "Enterprise": NodeType(
        Enterprise, lambda info: info.context.wiring[PARTIES_VIEWS].enterprises, Enterprise.of_view
    ),
    "Worker": NodeType(
        Worker,
        lambda info: info.context.wiring[PARTIES_VIEWS].workers,
        lambda view: of_view(Worker, view),
    ),
    "Institution": NodeType(
        Institution,
        lambda info: info.context.wiring[PARTIES_VIEWS].institutions,
        lambda view: of_view(Institution, view),
    ),
}
"""How ``node(id:)`` fetches each type: one query per type and level, through a DataLoader."""
