"""Query-cost budgets in PostgreSQL (issue 3 item 14): a leaky bucket per principal that
refills with (fixed-clock) time and stays exact when many charges arrive at once."""

import asyncio
import uuid
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from src.adapters.postgres.cost_budgets import PostgresCostBudgets
from src.controls.budget import BudgetPolicy
from tests.conftest import FixedClock, database_on

POLICY = BudgetPolicy(maximum=100, restore_rate=10)


async def test_a_new_principal_starts_with_a_full_budget(
    db: AsyncEngine, clock: FixedClock
) -> None:
    budgets = PostgresCostBudgets(database_on(db), POLICY)
    first = await budgets.charge("account:a", 30, clock.now())
    assert (first.granted, first.available) == (True, 70)
    other = await budgets.charge("ip:10.0.0.9", 100, clock.now())
    assert (other.granted, other.available) == (True, 0)


async def test_the_budget_refills_with_time_up_to_its_maximum(
    db: AsyncEngine, clock: FixedClock
) -> None:
    budgets = PostgresCostBudgets(database_on(db), POLICY)
    await budgets.charge("k", 100, clock.now())
    refused = await budgets.charge("k", 25, clock.now())
    assert (refused.granted, refused.available) == (False, 0)
    assert refused.seconds_until(25, POLICY) == 3
    clock.advance(seconds=2.5)
    granted = await budgets.charge("k", 25, clock.now())
    assert (granted.granted, granted.available) == (True, 0)
    clock.advance(hours=1)
    assert (await budgets.charge("k", 0, clock.now())).available == 100


async def test_a_clock_running_behind_neither_refills_nor_rewinds(
    db: AsyncEngine, clock: FixedClock
) -> None:
    """Several server processes: one may read a slightly earlier time than another."""
    budgets = PostgresCostBudgets(database_on(db), POLICY)
    await budgets.charge("k", 100, clock.now())
    late = await budgets.charge("k", 10, clock.now() - timedelta(seconds=5))
    assert (late.granted, late.available) == (False, 0)
    clock.advance(seconds=1)
    assert (await budgets.charge("k", 10, clock.now())).granted


async def test_a_charge_larger_than_a_full_budget_is_a_programming_error(
    db: AsyncEngine, clock: FixedClock
) -> None:
    with pytest.raises(ValueError, match="between 0 and 100"):
        await PostgresCostBudgets(database_on(db), POLICY).charge("k", 101, clock.now())


@pytest.mark.parametrize(("charges", "fit"), [(12, 5), (30, 10)])
async def test_concurrent_charges_spend_the_budget_exactly_once(
    db: AsyncEngine, clock: FixedClock, charges: int, fit: int
) -> None:
    """Each charge runs on its own pooled connection; exactly ``fit`` of them get points."""
    budgets = PostgresCostBudgets(database_on(db), BudgetPolicy(maximum=10 * fit, restore_rate=1))
    results = await asyncio.gather(
        *(budgets.charge("shared", 10, clock.now()) for _ in range(charges))
    )
    assert sum(result.granted for result in results) == fit
    assert all(result.available == 0 for result in results if not result.granted)
    assert (await budgets.charge("shared", 0, clock.now())).available == 0


steps = st.lists(
    st.tuples(st.integers(min_value=0, max_value=20_000), st.integers(min_value=0, max_value=100)),
    min_size=1,
    max_size=12,
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=steps)
async def test_postgresql_agrees_with_the_leaky_bucket_model(
    db: AsyncEngine, steps: list[tuple[int, int]]
) -> None:
    """Any sequence of (milliseconds later, cost) charges gives what the bucket model says."""
    clock, key = FixedClock(), uuid.uuid4()
    budgets = PostgresCostBudgets(database_on(db), POLICY)
    available = float(POLICY.maximum)
    for milliseconds, cost in steps:
        clock.advance(milliseconds=milliseconds)
        available = min(POLICY.maximum, available + POLICY.restore_rate * milliseconds / 1000)
        granted = available >= cost
        available -= cost if granted else 0
        result = await budgets.charge(f"model:{key}", cost, clock.now())
        assert result.granted == granted
        assert result.available == pytest.approx(available)


async def test_budgets_are_unlogged_throttle_state(db: AsyncEngine) -> None:
    """Issue 7: a read's cost charge writes no WAL (and waits for no flush)."""
    async with db.connect() as connection:
        persistence = await connection.scalar(
            text("SELECT relpersistence FROM pg_class WHERE relname = 'cost_budgets'")
        )
    assert persistence == b"u"  # a PostgreSQL "char"
