"""GraphQL types, queries and mutations of the parties module (PARTY-01, PARTY-03, PARTY-05).

Personal data leaves the API masked (SEC-06); clear-text reads arrive with field permissions
and step-up."""

import contextlib
from collections.abc import Awaitable, Callable, Iterator
from datetime import datetime
from typing import Self
from uuid import UUID

import strawberry

from ...auth.policy import row_scope
from ...domain.parties import model, service
from ...domain.parties.identifiers import CreditCode, IdNumber
from ...domain.parties.ports import EnterpriseFilter, InstitutionFilter, WorkerFilter
from ...domain.shared.errors import DomainError, NotFound, checked
from ...domain.unit_of_work import UnitOfWork
from .auditing import AUDITED
from .context import Info
from .relay import Connection, Node, global_id, page_request, parse_global_id

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
    account_number: str


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


def _key(entity: model.Enterprise | model.Worker | model.Institution) -> UUID:
    return entity.id


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
        request = page_request(first, after)
        where = where or EnterpriseFilterInput()
        condition = EnterpriseFilter(
            name_contains=where.name_contains,
            only=row_scope(info.context.principal, "Enterprise").ids,
            status=where.status,
            credit_code=(
                checked("where.credit_code", CreditCode, where.credit_code)
                if where.credit_code
                else None
            ),
        )
        async with info.context.unit_of_work() as uow:
            page = await uow.enterprises.page(condition, request)
        return Connection[Enterprise].of(page, request, Enterprise.of, _key)

    @strawberry.field(description="Gig workers, oldest first. `first` is at most 100.")
    async def workers(
        self,
        info: Info,
        first: int = 20,
        after: str | None = None,
        where: WorkerFilterInput | None = None,
    ) -> Connection[Worker]:
        request = page_request(first, after)
        where = where or WorkerFilterInput()
        condition = WorkerFilter(
            name_contains=where.name_contains,
            only=row_scope(info.context.principal, "Worker").ids,
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
        async with info.context.unit_of_work() as uow:
            page = await uow.workers.page(condition, request)
        return Connection[Worker].of(page, request, Worker.of, _key)

    @strawberry.field(
        description="A worker's ID number, phone and card unmasked (step-up; audited).",
        metadata=AUDITED,
    )
    async def worker_personal_data(self, info: Info, id: strawberry.ID) -> WorkerPersonalData:
        worker_id = _worker_id(info, id)
        async with info.context.unit_of_work() as uow:
            worker = await uow.workers.get(worker_id)
        if worker is None:
            raise NotFound("there is no such worker", field="id")
        if info.context.audit_scope is not None:
            info.context.audit_scope.saw([worker.id])
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
        request = page_request(first, after)
        where = where or InstitutionFilterInput()
        condition = InstitutionFilter(
            name_contains=where.name_contains,
            kind=where.kind,
            only=row_scope(info.context.principal, "Institution").ids,
        )
        async with info.context.unit_of_work() as uow:
            page = await uow.institutions.page(condition, request)
        return Connection[Institution].of(page, request, Institution.of, _key)


@strawberry.input
class EnterpriseProfileInput:
    name: str
    legal_representative: str
    address: str
    business_scope: str
    phone: str

    def command(self) -> service.EnterpriseProfileInput:
        return service.EnterpriseProfileInput(
            name=self.name,
            legal_representative=self.legal_representative,
            address=self.address,
            business_scope=self.business_scope,
            phone=self.phone,
        )


@strawberry.input
class BankAccountInput:
    bank_name: str
    account_number: str


@strawberry.input
class OnboardEnterpriseInput:
    credit_code: str
    profile: EnterpriseProfileInput
    paying_account: BankAccountInput


@strawberry.input
class ChangeEnterpriseProfileInput:
    id: strawberry.ID
    profile: EnterpriseProfileInput


@strawberry.input
class ChangeEnterprisePayingAccountInput:
    id: strawberry.ID
    paying_account: BankAccountInput


@strawberry.input
class CloseEnterpriseInput:
    id: strawberry.ID
    reason: str


@strawberry.input
class RegisterWorkerInput:
    name: str
    id_number: str
    phone: str
    bank_card: str
    address: str


@strawberry.input
class ChangeWorkerContactInput:
    id: strawberry.ID
    phone: str
    address: str


@strawberry.input
class ChangeWorkerBankCardInput:
    id: strawberry.ID
    bank_card: str


@strawberry.input
class RegisterInstitutionInput:
    kind: InstitutionKind  # type: ignore[valid-type]
    name: str
    credit_code: str
    address: str
    phone: str


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


@strawberry.type
class PartiesMutation:
    @strawberry.mutation(description="Onboard an enterprise (PARTY-01).")
    async def onboard_enterprise(self, info: Info, input: OnboardEnterpriseInput) -> Enterprise:
        with reported_under("input"):
            command = service.OnboardEnterprise(
                credit_code=input.credit_code,
                profile=input.profile.command(),
                bank_name=input.paying_account.bank_name,
                account_number=input.paying_account.account_number,
            )
            ctx = info.context
            return Enterprise.of(
                await service.onboard_enterprise(command, ctx.unit_of_work(), ctx.clock)
            )

    @strawberry.mutation(description="Change an enterprise's profile (PARTY-01 account change).")
    async def change_enterprise_profile(
        self, info: Info, input: ChangeEnterpriseProfileInput
    ) -> Enterprise:
        with reported_under("input"):
            return Enterprise.of(
                await service.change_enterprise_profile(
                    _enterprise_id(info, input.id),
                    input.profile.command(),
                    info.context.unit_of_work(),
                )
            )

    @strawberry.mutation(description="Change the bank account an enterprise pays in from.")
    async def change_enterprise_paying_account(
        self, info: Info, input: ChangeEnterprisePayingAccountInput
    ) -> Enterprise:
        with reported_under("input"):
            return Enterprise.of(
                await service.change_enterprise_paying_account(
                    _enterprise_id(info, input.id),
                    input.paying_account.bank_name,
                    input.paying_account.account_number,
                    info.context.unit_of_work(),
                )
            )

    @strawberry.mutation(description="Close an enterprise's account (PARTY-01 account closure).")
    async def close_enterprise(self, info: Info, input: CloseEnterpriseInput) -> Enterprise:
        with reported_under("input"):
            ctx = info.context
            return Enterprise.of(
                await service.close_enterprise(
                    _enterprise_id(info, input.id), input.reason, ctx.unit_of_work(), ctx.clock
                )
            )

    @strawberry.mutation(description="Register a gig worker (PARTY-03).")
    async def register_worker(self, info: Info, input: RegisterWorkerInput) -> Worker:
        with reported_under("input"):
            command = service.RegisterWorker(
                name=input.name,
                id_number=input.id_number,
                phone=input.phone,
                bank_card=input.bank_card,
                address=input.address,
            )
            ctx = info.context
            return Worker.of(await service.register_worker(command, ctx.unit_of_work(), ctx.clock))

    @strawberry.mutation(description="Change a worker's phone and address.")
    async def change_worker_contact(self, info: Info, input: ChangeWorkerContactInput) -> Worker:
        with reported_under("input"):
            return Worker.of(
                await service.change_worker_contact(
                    _worker_id(info, input.id),
                    input.phone,
                    input.address,
                    info.context.unit_of_work(),
                )
            )

    @strawberry.mutation(description="Change the bank card a worker is paid to.")
    async def change_worker_bank_card(self, info: Info, input: ChangeWorkerBankCardInput) -> Worker:
        with reported_under("input"):
            return Worker.of(
                await service.change_worker_bank_card(
                    _worker_id(info, input.id), input.bank_card, info.context.unit_of_work()
                )
            )

    @strawberry.mutation(description="Register a bank, insurer or guarantor (PARTY-05).")
    async def register_institution(
        self, info: Info, input: RegisterInstitutionInput
    ) -> Institution:
        with reported_under("input"):
            command = service.RegisterInstitution(
                kind=input.kind,
                name=input.name,
                credit_code=input.credit_code,
                address=input.address,
                phone=input.phone,
            )
            ctx = info.context
            return Institution.of(
                await service.register_institution(command, ctx.unit_of_work(), ctx.clock)
            )


async def _enterprise_nodes(uow: UnitOfWork, ids: list[UUID]) -> list[Node]:
    return [
        Enterprise.of(e) for e in await uow.enterprises.get_many([*map(model.EnterpriseId, ids)])
    ]


async def _worker_nodes(uow: UnitOfWork, ids: list[UUID]) -> list[Node]:
    return [Worker.of(w) for w in await uow.workers.get_many([*map(model.WorkerId, ids)])]


async def _institution_nodes(uow: UnitOfWork, ids: list[UUID]) -> list[Node]:
    return [
        Institution.of(i) for i in await uow.institutions.get_many([*map(model.InstitutionId, ids)])
    ]


NODE_LOADERS: dict[str, Callable[[UnitOfWork, list[UUID]], Awaitable[list[Node]]]] = {
    "Enterprise": _enterprise_nodes,
    "Worker": _worker_nodes,
    "Institution": _institution_nodes,
}
"""How ``node(id:)`` fetches each type: one query for all the ids of a type."""
