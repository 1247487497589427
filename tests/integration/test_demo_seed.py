"""The demo data is valid under every rule and seeding it again adds nothing."""

from collections.abc import Callable

from src.adapters.postgres.unit_of_work import PostgresUnitOfWork
from src.demo import ENTERPRISES, INSTITUTIONS, WORKER_COUNT, seed_demo
from tests.conftest import FixedClock


async def test_seed_demo_is_complete_and_idempotent(
    unit_of_work: Callable[[], PostgresUnitOfWork], clock: FixedClock
) -> None:
    first = await seed_demo(unit_of_work, clock)
    assert first == len(ENTERPRISES) + len(INSTITUTIONS) + WORKER_COUNT
    assert await seed_demo(unit_of_work, clock) == 0
