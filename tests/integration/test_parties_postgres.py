"""The parties repositories on real PostgreSQL: round trips, keyset pages, filters, and the
unique rules holding under concurrent requests."""

import asyncio
from collections.abc import Callable

import pytest
from sqlalchemy import Table, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from src.adapters.postgres.tables import enterprises, workers
from src.domain.parties import commands, service
from src.domain.parties.model import EnterpriseStatus
from src.domain.parties.ports import EnterpriseFilter, WorkerFilter
from src.domain.shared.errors import DomainError
from src.domain.shared.pagination import PageRequest
from tests.conftest import AnyUnitOfWork, FixedClock
from tests.unit.domain.test_parties_service import onboarding, registration

UnitOfWorkFactory = Callable[[], AnyUnitOfWork]


async def count_rows(db: AsyncEngine, table: Table) -> int:
    async with db.connect() as connection:
        return int(await connection.scalar(select(func.count()).select_from(table)) or 0)


async def test_an_enterprise_round_trips_through_postgres(
    unit_of_work: UnitOfWorkFactory, clock: FixedClock
) -> None:
    made = await service.onboard_enterprise(onboarding(), unit_of_work(), clock)
    await service.close_enterprise(
        made.id, commands.CloseEnterprise("业务终止"), unit_of_work(), clock
    )
    async with unit_of_work() as uow:
        loaded = await uow.enterprises.get(made.id)
    assert loaded is not None
    assert loaded.profile == made.profile
    assert loaded.paying_account == made.paying_account
    assert (loaded.status, loaded.closed_at, loaded.closure_reason) == (
        EnterpriseStatus.CLOSED,
        clock.now(),
        "业务终止",
    )


async def test_keyset_pages_visit_every_worker_once_in_creation_order(
    unit_of_work: UnitOfWorkFactory, clock: FixedClock
) -> None:
    made = [
        await service.register_worker(
            registration(born=f"199003{day:02d}", name=f"工人{day}"), unit_of_work(), clock
        )
        for day in range(1, 8)
    ]
    seen, after, pages = [], None, 0
    while True:
        async with unit_of_work() as uow:
            page = await uow.workers.page(WorkerFilter(), PageRequest(first=3, after=after))
        seen += [w.id for w in page.items]
        pages += 1
        if not page.has_next_page:
            break
        after = page.items[-1].id
    assert seen == [w.id for w in made]
    assert pages == 3


async def test_filters_match_names_literally_and_ids_exactly(
    unit_of_work: UnitOfWorkFactory, clock: FixedClock
) -> None:
    await service.register_worker(registration(name="王_芳"), unit_of_work(), clock)
    other = await service.register_worker(
        registration(born="19910101", name="王小芳"), unit_of_work(), clock
    )
    async with unit_of_work() as uow:
        literal = await uow.workers.page(WorkerFilter(name_contains="_"), PageRequest())
        by_id = await uow.workers.page(WorkerFilter(id_number=other.id_number), PageRequest())
    assert [w.name for w in literal.items] == ["王_芳"]
    assert [w.id for w in by_id.items] == [other.id]


async def test_a_failed_use_case_leaves_nothing_behind(
    unit_of_work: UnitOfWorkFactory, clock: FixedClock
) -> None:
    made = await service.onboard_enterprise(onboarding(), unit_of_work(), clock)
    with pytest.raises(DomainError):
        await service.change_enterprise_profile(
            made.id,
            commands.ChangeEnterpriseProfile(
                commands.EnterpriseProfileDetails("新名字", "赵建国", "地址", "范围", "bad phone")
            ),
            unit_of_work(),
        )
    async with unit_of_work() as uow:
        unchanged = await uow.enterprises.get(made.id)
    assert unchanged is not None
    assert unchanged.profile.name == made.profile.name


@pytest.mark.parametrize("attempts", [8])
async def test_party_01_concurrent_onboardings_of_one_credit_code_admit_exactly_one(
    unit_of_work: UnitOfWorkFactory, db: AsyncEngine, clock: FixedClock, attempts: int
) -> None:
    """Every attempt passes the existence check at once; the unique index decides, and the
    losers get the same typed error as a sequential duplicate."""
    results = await asyncio.gather(
        *(service.onboard_enterprise(onboarding(), unit_of_work(), clock) for _ in range(attempts)),
        return_exceptions=True,
    )
    errors = [r for r in results if isinstance(r, BaseException)]
    assert len(results) - len(errors) == 1
    assert {getattr(e, "code", repr(e)) for e in errors} == {"ENTERPRISE_ALREADY_ONBOARDED"}
    assert await count_rows(db, enterprises) == 1


async def test_party_03_concurrent_registrations_of_one_id_number_admit_exactly_one(
    unit_of_work: UnitOfWorkFactory, db: AsyncEngine, clock: FixedClock
) -> None:
    """SEC-06: the ID number is sealed, so the unique index on its blind index decides."""
    results = await asyncio.gather(
        *(service.register_worker(registration(), unit_of_work(), clock) for _ in range(5)),
        return_exceptions=True,
    )
    errors = [r for r in results if isinstance(r, BaseException)]
    assert len(results) - len(errors) == 1
    assert {getattr(e, "code", repr(e)) for e in errors} == {"WORKER_ALREADY_REGISTERED"}
    assert await count_rows(db, workers) == 1


async def test_enterprise_filters_by_status(
    unit_of_work: UnitOfWorkFactory, clock: FixedClock
) -> None:
    open_one = await service.onboard_enterprise(onboarding(), unit_of_work(), clock)
    closed = await service.onboard_enterprise(
        onboarding(credit_code="91310000132149237G"), unit_of_work(), clock
    )
    await service.close_enterprise(
        closed.id, commands.CloseEnterprise("注销"), unit_of_work(), clock
    )
    async with unit_of_work() as uow:
        active = await uow.enterprises.page(
            EnterpriseFilter(status=EnterpriseStatus.ACTIVE), PageRequest()
        )
    assert [e.id for e in active.items] == [open_one.id]
