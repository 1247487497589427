"""Query-cost budgets in PostgreSQL: one row per principal, charged by one atomic statement.

The row stores the points left and when they were counted; the refill up to ``now`` is
computed inside the statement. ``INSERT … ON CONFLICT DO UPDATE`` locks the row, so charges
that arrive at once, from any number of server processes, are applied one after another and
never spend the same points twice. Time is the caller's ``now`` (the app's Clock), not the
database's."""

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, DateTime, Double, extract, func, literal, select
from sqlalchemy.dialects.postgresql import insert

from ...controls.budget import BudgetPolicy, Charge
from .database import Database
from .tables import cost_budgets

c = cost_budgets.c


class PostgresCostBudgets:
    def __init__(self, database: Database, policy: BudgetPolicy) -> None:
        self._database = database
        self.policy = policy

    def _refilled(self, now: ColumnElement[datetime]) -> ColumnElement[Any]:
        """The points of the stored row at ``now``: refilled, capped at the maximum. A clock
        behind the stored time refills nothing."""
        seconds = extract("epoch", now - c.updated_at).cast(Double)
        return func.least(
            literal(float(self.policy.maximum)),
            c.available + self.policy.restore_rate * func.greatest(seconds, 0.0),
        )

    async def charge(self, key: str, cost: int, now: datetime) -> Charge:
        if not 0 <= cost <= self.policy.maximum:
            raise ValueError(f"a charge must be between 0 and {self.policy.maximum} points")
        at = literal(now, DateTime(timezone=True))
        refilled = self._refilled(at)
        take = (
            insert(cost_budgets)
            .values(principal_key=key, available=float(self.policy.maximum - cost), updated_at=now)
            .on_conflict_do_update(
                index_elements=[c.principal_key],
                set_={"available": refilled - cost, "updated_at": func.greatest(c.updated_at, at)},
                where=refilled >= cost,
            )
            .returning(c.available)
        )
        async with self._database.read() as connection:
            left = await connection.scalar(take)
            if left is not None:
                return Charge(granted=True, available=left)
            there = await connection.execute(select(refilled).where(c.principal_key == key))
            return Charge(granted=False, available=there.scalar_one())
