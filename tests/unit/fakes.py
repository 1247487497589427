"""In-memory fakes of the domain's ports (fakes, not mocks): they keep state and honour the
unit of work's rule that nothing is kept without ``commit()``."""

import copy
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Any, Generic, Self, TypeVar
from uuid import UUID

from src.domain.shared.pagination import Page, PageRequest

E = TypeVar("E")


class FakeRepository(Generic[E]):
    def __init__(self, rows: dict[UUID, Any], matches: Callable[[E, Any], bool]) -> None:
        self._rows = rows  # the transaction's working copy
        self._matches = matches

    async def get(self, id: UUID, *, for_update: bool = False) -> E | None:
        return copy.deepcopy(self._rows.get(id))

    async def get_many(self, ids: Sequence[UUID]) -> list[E]:
        return [copy.deepcopy(self._rows[i]) for i in ids if i in self._rows]

    async def add(self, entity: Any) -> None:
        self._rows[entity.id] = copy.deepcopy(entity)

    async def save(self, entity: Any) -> None:
        assert entity.id in self._rows
        self._rows[entity.id] = copy.deepcopy(entity)

    async def page(self, where: Any, request: PageRequest) -> Page[E]:
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

    def any(self, test: Callable[[Any], bool]) -> bool:
        return any(test(e) for e in self._rows.values())


class FakeEnterpriseRepository(FakeRepository[Any]):
    async def exists_with_credit_code(self, code: Any) -> bool:
        return self.any(lambda e: e.credit_code == code)


class FakeWorkerRepository(FakeRepository[Any]):
    async def exists_with_id_number(self, id_number: Any) -> bool:
        return self.any(lambda w: w.id_number == id_number)


class FakeInstitutionRepository(FakeRepository[Any]):
    async def exists_with_credit_code(self, code: Any) -> bool:
        return self.any(lambda i: i.credit_code == code)


def _name_matches(entity: Any, where: Any) -> bool:
    name = getattr(entity, "name", None) or entity.profile.name
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
