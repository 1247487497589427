"""In-memory fakes of the domain's ports (fakes, not mocks): they keep state and honour the
unit of work's rule that nothing is kept without ``commit()``."""

import copy
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Any, Generic, Protocol, Self, TypeVar
from uuid import UUID

from src.domain.parties.identifiers import CreditCode, IdNumber
from src.domain.parties.model import Enterprise, Institution, Worker
from src.domain.parties.ports import EnterpriseFilter, InstitutionFilter, WorkerFilter
from src.domain.shared.pagination import Page, PageRequest


class Entity(Protocol):
    @property
    def id(self) -> UUID: ...


class Filter(Protocol):
    @property
    def name_contains(self) -> str | None: ...
    @property
    def only(self) -> frozenset[UUID] | None: ...


E = TypeVar("E", bound=Entity)
F = TypeVar("F", bound=Filter)


class FakeRepository(Generic[E, F]):
    def __init__(self, rows: dict[UUID, E], matches: Callable[[E, F], bool]) -> None:
        self._rows = rows  # the transaction's working copy
        self._matches = matches

    async def get(self, id: UUID, *, for_update: bool = False) -> E | None:
        return copy.deepcopy(self._rows.get(id))

    async def get_many(self, ids: Sequence[UUID]) -> list[E]:
        return [copy.deepcopy(self._rows[i]) for i in ids if i in self._rows]

    async def add(self, entity: E) -> None:
        self._rows[entity.id] = copy.deepcopy(entity)

    async def save(self, entity: E) -> None:
        assert entity.id in self._rows
        self._rows[entity.id] = copy.deepcopy(entity)

    async def page(self, where: F, request: PageRequest) -> Page[E]:
        found = sorted(
            (
                e
                for e in self._rows.values()
                if self._matches(e, where) and (where.only is None or e.id in where.only)
            ),
            key=lambda e: e.id,
        )
        if request.after is not None:
            found = [e for e in found if e.id > request.after]
        return Page(copy.deepcopy(found[: request.first]), len(found) > request.first)

    def any(self, test: Callable[[E], bool]) -> bool:
        return any(test(e) for e in self._rows.values())


class FakeEnterpriseRepository(FakeRepository[Enterprise, EnterpriseFilter]):
    async def exists_with_credit_code(self, code: CreditCode) -> bool:
        return self.any(lambda e: e.credit_code == code)


class FakeWorkerRepository(FakeRepository[Worker, WorkerFilter]):
    async def exists_with_id_number(self, id_number: IdNumber) -> bool:
        return self.any(lambda w: w.id_number == id_number)


class FakeInstitutionRepository(FakeRepository[Institution, InstitutionFilter]):
    async def exists_with_credit_code(self, code: CreditCode) -> bool:
        return self.any(lambda i: i.credit_code == code)


def _name_matches(entity: Enterprise | Worker | Institution, where: Filter) -> bool:
    name = entity.profile.name if isinstance(entity, Enterprise) else entity.name
    return where.name_contains is None or where.name_contains in name


class FakeUnitOfWork:
    """Committed state is shared by every unit of work made from one ``FakeDatabase``."""

    def __init__(self, database: "FakeDatabase") -> None:
        self._database = database
        self.committed = False

    async def __aenter__(self) -> Self:
        self._working = copy.deepcopy(self._database.tables)
        self.enterprises = FakeEnterpriseRepository(self._working["enterprises"], _name_matches)
        self.workers = FakeWorkerRepository(self._working["workers"], _name_matches)
        self.institutions = FakeInstitutionRepository(self._working["institutions"], _name_matches)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        del self._working

    async def commit(self) -> None:
        self._database.tables = copy.deepcopy(self._working)
        self._database.commits += 1
        self.committed = True


class FakeDatabase:
    def __init__(self) -> None:
        self.tables: dict[str, dict[UUID, Any]] = {
            "enterprises": {},
            "workers": {},
            "institutions": {},
        }
        self.commits = 0

    def unit_of_work(self) -> FakeUnitOfWork:
        return FakeUnitOfWork(self)
