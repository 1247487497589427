"""Repositories of the parties module. ID numbers, phones, bank cards and account numbers are
sealed in the database (SEC-06); a worker's ID number is found by its blind index."""

from collections.abc import Callable, Sequence
from types import MappingProxyType
from typing import Any

from sqlalchemy import ColumnElement, Row

from ...domain.parties.identifiers import BankAccount, BankCardNumber, CreditCode, IdNumber, Phone
from ...domain.parties.model import (
    Enterprise,
    EnterpriseAlreadyOnboarded,
    EnterpriseId,
    EnterpriseProfile,
    EnterpriseStatus,
    Institution,
    InstitutionAlreadyRegistered,
    InstitutionId,
    InstitutionKind,
    Worker,
    WorkerAlreadyRegistered,
    WorkerId,
)
from ...domain.parties.ports import EnterpriseFilter, InstitutionFilter, WorkerFilter
from .database import Database
from .repository import Shown, TableViews, plain
from .sealed import SealingRepository
from .tables import enterprises, institutions, workers
from .unit_of_work import PostgresUnitOfWork, repository


def _masked(column: str, mask: Callable[[str], str]) -> Shown:
    """A sealed column, opened and shown masked (SEC-06)."""
    return Shown((column,), lambda repository, row: mask(repository.opened(row, column)))


def _phone(column: str = "phone") -> Shown:
    return _masked(column, lambda value: Phone.trusted(value).masked())


class PostgresEnterpriseRepository(SealingRepository[Enterprise, EnterpriseFilter]):
    table = enterprises
    unique_violations = MappingProxyType({"uq_enterprises_credit_code": EnterpriseAlreadyOnboarded})
    shown = MappingProxyType(
        {
            "credit_code": plain("credit_code"),
            "name": plain("name"),
            "legal_representative": plain("legal_representative"),
            "address": plain("address"),
            "business_scope": plain("business_scope"),
            "phone": _phone(),
            "paying_account": Shown(
                ("bank_name", "account_number"),
                lambda repository, row: {
                    "bank_name": row.bank_name,
                    "account_number": BankAccount.trusted(
                        row.bank_name, repository.opened(row, "account_number")
                    ).masked_number(),
                },
            ),
            "status": plain("status", EnterpriseStatus),
            "onboarded_at": plain("onboarded_at"),
            "closed_at": plain("closed_at"),
            "closure_reason": plain("closure_reason"),
        }
    )

    def to_row(self, entity: Enterprise) -> dict[str, Any]:
        profile = entity.profile
        return {
            "id": entity.id,
            "credit_code": entity.credit_code.value,
            "name": profile.name,
            "legal_representative": profile.legal_representative,
            "address": profile.address,
            "business_scope": profile.business_scope,
            "phone": self.sealed("phone", entity.id, profile.phone.value),
            "bank_name": entity.paying_account.bank_name,
            "account_number": self.sealed(
                "account_number", entity.id, entity.paying_account.account_number
            ),
            "status": entity.status.value,
            "onboarded_at": entity.onboarded_at,
            "closed_at": entity.closed_at,
            "closure_reason": entity.closure_reason,
        }

    def from_row(self, row: Row[Any]) -> Enterprise:
        return Enterprise(
            id=EnterpriseId(row.id),
            credit_code=CreditCode.trusted(row.credit_code),
            profile=EnterpriseProfile(
                name=row.name,
                legal_representative=row.legal_representative,
                address=row.address,
                business_scope=row.business_scope,
                phone=Phone.trusted(self.opened(row, "phone")),
            ),
            paying_account=BankAccount.trusted(row.bank_name, self.opened(row, "account_number")),
            status=EnterpriseStatus(row.status),
            onboarded_at=row.onboarded_at,
            closed_at=row.closed_at,
            closure_reason=row.closure_reason,
        )

    def conditions(self, where: EnterpriseFilter) -> Sequence[ColumnElement[bool]]:
        c = self.table.c
        return [
            *([c.status == where.status.value] if where.status else []),
            *([c.credit_code == where.credit_code.value] if where.credit_code else []),
        ]

    async def exists_with_credit_code(self, code: CreditCode) -> bool:
        return await self._exists(self.table.c.credit_code == code.value)


class PostgresWorkerRepository(SealingRepository[Worker, WorkerFilter]):
    table = workers
    unique_violations = MappingProxyType({"uq_workers_id_number_hash": WorkerAlreadyRegistered})
    shown = MappingProxyType(
        {
            "name": plain("name"),
            "id_number": _masked("id_number", lambda value: IdNumber.trusted(value).masked()),
            "phone": _phone(),
            "bank_card": _masked("bank_card", lambda value: BankCardNumber.trusted(value).masked()),
            "address": plain("address"),
            "registered_at": plain("registered_at"),
        }
    )

    def _id_number_hash(self, id_number: IdNumber) -> bytes:
        return self._cipher.blind_index(id_number.value, purpose="id_number")

    def to_row(self, entity: Worker) -> dict[str, Any]:
        return {
            "id": entity.id,
            "name": entity.name,
            "id_number": self.sealed("id_number", entity.id, entity.id_number.value),
            "id_number_hash": self._id_number_hash(entity.id_number),
            "phone": self.sealed("phone", entity.id, entity.phone.value),
            "bank_card": self.sealed("bank_card", entity.id, entity.bank_card.value),
            "address": entity.address,
            "registered_at": entity.registered_at,
        }

    def from_row(self, row: Row[Any]) -> Worker:
        return Worker(
            id=WorkerId(row.id),
            name=row.name,
            id_number=IdNumber.trusted(self.opened(row, "id_number")),
            phone=Phone.trusted(self.opened(row, "phone")),
            bank_card=BankCardNumber.trusted(self.opened(row, "bank_card")),
            address=row.address,
            registered_at=row.registered_at,
        )

    def conditions(self, where: WorkerFilter) -> Sequence[ColumnElement[bool]]:
        c = self.table.c
        return [
            *(
                [c.id_number_hash == self._id_number_hash(where.id_number)]
                if where.id_number
                else []
            ),
        ]

    async def exists_with_id_number(self, id_number: IdNumber) -> bool:
        return await self._exists(self.table.c.id_number_hash == self._id_number_hash(id_number))


class PostgresInstitutionRepository(SealingRepository[Institution, InstitutionFilter]):
    table = institutions
    unique_violations = MappingProxyType(
        {"uq_institutions_credit_code": InstitutionAlreadyRegistered}
    )
    shown = MappingProxyType(
        {
            "kind": plain("kind", InstitutionKind),
            "name": plain("name"),
            "credit_code": plain("credit_code"),
            "address": plain("address"),
            "phone": _phone(),
            "registered_at": plain("registered_at"),
        }
    )

    def to_row(self, entity: Institution) -> dict[str, Any]:
        return {
            "id": entity.id,
            "kind": entity.kind.value,
            "name": entity.name,
            "credit_code": entity.credit_code.value,
            "address": entity.address,
            "phone": self.sealed("phone", entity.id, entity.phone.value),
            "registered_at": entity.registered_at,
        }

    def from_row(self, row: Row[Any]) -> Institution:
        return Institution(
            id=InstitutionId(row.id),
            kind=InstitutionKind(row.kind),
            name=row.name,
            credit_code=CreditCode.trusted(row.credit_code),
            address=row.address,
            phone=Phone.trusted(self.opened(row, "phone")),
            registered_at=row.registered_at,
        )

    def conditions(self, where: InstitutionFilter) -> Sequence[ColumnElement[bool]]:
        c = self.table.c
        return [
            *([c.kind == where.kind.value] if where.kind else []),
        ]

    async def exists_with_credit_code(self, code: CreditCode) -> bool:
        return await self._exists(self.table.c.credit_code == code.value)


class PostgresPartiesUnitOfWork(PostgresUnitOfWork):
    """The ``PartiesUnitOfWork`` port."""

    enterprises = repository(
        lambda uow: PostgresEnterpriseRepository(uow.connection, uow.seen, uow.cipher)
    )
    workers = repository(lambda uow: PostgresWorkerRepository(uow.connection, uow.seen, uow.cipher))
    institutions = repository(
        lambda uow: PostgresInstitutionRepository(uow.connection, uow.seen, uow.cipher)
    )


class PostgresPartiesViews:
    """The ``PartiesViews`` port."""

    def __init__(self, database: Database) -> None:
        cipher = database.cipher
        self.enterprises: TableViews[EnterpriseFilter] = TableViews(
            database, lambda c: PostgresEnterpriseRepository(c, set(), cipher)
        )
        self.workers: TableViews[WorkerFilter] = TableViews(
            database, lambda c: PostgresWorkerRepository(c, set(), cipher)
        )
        self.institutions: TableViews[InstitutionFilter] = TableViews(
            database, lambda c: PostgresInstitutionRepository(c, set(), cipher)
        )
