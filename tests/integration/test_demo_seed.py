"""The demo data is valid under every rule and seeding it again adds nothing."""

from collections.abc import Callable

from src.demo import ENTERPRISES, INSTITUTIONS, WORKER_COUNT, seed_demo
from tests.conftest import AnyUnitOfWork, FixedClock


async def test_seed_demo_is_complete_and_idempotent(
    unit_of_work: Callable[[], AnyUnitOfWork], clock: FixedClock
) -> None:
    first = await seed_demo(unit_of_work, clock)
    assert first == len(ENTERPRISES) + len(INSTITUTIONS) + WORKER_COUNT
    assert await seed_demo(unit_of_work, clock) == 0
