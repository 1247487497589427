"""Query-cost budgets per principal: a leaky bucket in Shopify's style (docs/security.md,
ADR 0014). A full budget holds ``maximum`` points and refills at ``restore_rate`` points a
second; a request takes its cost out before it runs, or is throttled when the points are not
there."""

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class BudgetPolicy:
    maximum: int
    """Points in a full budget."""
    restore_rate: int
    """Points per second."""


@dataclass(frozen=True, slots=True)
class Charge:
    """The outcome of taking ``cost`` points from a budget."""

    granted: bool
    available: float
    """Points left after the charge (or, when refused, the points there were)."""

    def seconds_until(self, cost: int, policy: BudgetPolicy) -> int:
        """Whole seconds until a refused charge of ``cost`` would fit (at least 1)."""
        return max(1, math.ceil((cost - self.available) / policy.restore_rate))


class CostBudgets(Protocol):
    @property
    def policy(self) -> BudgetPolicy: ...

    async def charge(self, key: str, cost: int, now: datetime) -> Charge:
        """Refill the budget of ``key`` up to ``now``, then take ``cost`` from it if it is
        there; atomically, however many charges arrive at once."""
        ...
