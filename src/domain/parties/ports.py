"""What the parties use cases need from the outside world."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

from ..shared.pagination import Page, PageRequest
from ..shared.transaction import Transaction
from ..shared.views import Views
from ..shared.wiring import Port
from .identifiers import CreditCode, IdNumber
from .model import (
    Enterprise,
    EnterpriseId,
    EnterpriseStatus,
    Institution,
    InstitutionId,
    InstitutionKind,
    Worker,
    WorkerId,
)


@dataclass(frozen=True, slots=True)
class EnterpriseFilter:
    name_contains: str | None = None
    only: frozenset[UUID] | None = None
    """A row scope: only these ids (None: no limit)."""
    status: EnterpriseStatus | None = None
    credit_code: CreditCode | None = None


@dataclass(frozen=True, slots=True)
class WorkerFilter:
    name_contains: str | None = None
    only: frozenset[UUID] | None = None
    id_number: IdNumber | None = None


@dataclass(frozen=True, slots=True)
class InstitutionFilter:
    name_contains: str | None = None
    only: frozenset[UUID] | None = None
    kind: InstitutionKind | None = None


class EnterpriseRepository(Protocol):
    async def get(self, id: EnterpriseId, *, for_update: bool = False) -> Enterprise | None: ...
    async def get_many(self, ids: list[EnterpriseId]) -> list[Enterprise]: ...
    async def exists_with_credit_code(self, code: CreditCode) -> bool: ...
    async def add(self, enterprise: Enterprise) -> None: ...
    async def save(self, enterprise: Enterprise) -> None: ...
    async def page(self, where: EnterpriseFilter, request: PageRequest) -> Page[Enterprise]: ...


class WorkerRepository(Protocol):
    async def get(self, id: WorkerId, *, for_update: bool = False) -> Worker | None: ...
    async def get_many(self, ids: list[WorkerId]) -> list[Worker]: ...
    async def exists_with_id_number(self, id_number: IdNumber) -> bool: ...
    async def add(self, worker: Worker) -> None: ...
    async def save(self, worker: Worker) -> None: ...
    async def page(self, where: WorkerFilter, request: PageRequest) -> Page[Worker]: ...


class InstitutionRepository(Protocol):
    async def get(self, id: InstitutionId) -> Institution | None: ...
    async def get_many(self, ids: list[InstitutionId]) -> list[Institution]: ...
    async def exists_with_credit_code(self, code: CreditCode) -> bool: ...
    async def add(self, institution: Institution) -> None: ...
    async def page(self, where: InstitutionFilter, request: PageRequest) -> Page[Institution]: ...


class PartiesUnitOfWork(Transaction, Protocol):
    """One transaction over the parties' repositories."""

    @property
    def enterprises(self) -> EnterpriseRepository: ...
    @property
    def workers(self) -> WorkerRepository: ...
    @property
    def institutions(self) -> InstitutionRepository: ...


PARTIES: Port[Callable[[], PartiesUnitOfWork]] = Port("parties unit of work")


class PartiesViews(Protocol):
    """The parties' read side: only the fields a reader asks for, masked."""

    @property
    def enterprises(self) -> Views[EnterpriseFilter]: ...
    @property
    def workers(self) -> Views[WorkerFilter]: ...
    @property
    def institutions(self) -> Views[InstitutionFilter]: ...


PARTIES_VIEWS: Port[PartiesViews] = Port("parties views")
