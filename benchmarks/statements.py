"""What one Flexfin request asks of the database, counted in process: the app made by
``create_app(settings)``, called through httpx's ASGI transport, with SQLAlchemy events
listened to on the ``Engine`` and ``Pool`` classes (so the harness need not find the engine
inside the app). Counted after one warm-up request, over a few requests, per request:

- statements: every ``cursor.execute`` SQLAlchemy sends;
- transactions: connections' ``begin`` outside autocommit (each sends BEGIN before its first
  statement and COMMIT or ROLLBACK at its end; in autocommit SQLAlchemy still marks a begin,
  but nothing is sent);
- checkouts: connections taken from the pool. ``pool_pre_ping`` pings each one, and the
  asyncpg dialect's ping is a BEGIN and a ROLLBACK.

Round trips to PostgreSQL are then statements + 2 × transactions + 2 × checkouts (checked
against PostgreSQL's ``log_statement = all``, docs/performance.md)."""

import contextlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import Pool

from src.app import create_app
from src.settings import Settings

from .cases import Case


@dataclass
class Tally:
    statements: list[str] = field(default_factory=list)
    transactions: int = 0
    checkouts: int = 0

    def per_request(self, requests: int) -> dict[str, Any]:
        first_lines = Counter(" ".join(sql.split())[:90] for sql in self.statements)
        per: dict[str, Any] = {
            "statements": len(self.statements) / requests,
            "transactions": self.transactions / requests,
            "checkouts": self.checkouts / requests,
        }
        per["round_trips"] = per["statements"] + 2 * (per["transactions"] + per["checkouts"])
        per["statement_texts"] = {sql: n / requests for sql, n in first_lines.items()}
        return per


@contextlib.contextmanager
def counting() -> Iterator[Tally]:
    tally = Tally()

    def statement(conn: Any, cursor: Any, sql: str, *args: Any) -> None:
        tally.statements.append(sql)

    def begin(conn: Any) -> None:
        if conn.get_execution_options().get("isolation_level") != "AUTOCOMMIT":
            tally.transactions += 1

    def checkout(*args: Any) -> None:
        tally.checkouts += 1

    listeners: list[tuple[Any, str, Any]] = [
        (Engine, "before_cursor_execute", statement),
        (Engine, "begin", begin),
        (Pool, "checkout", checkout),
    ]
    for target, name, listener in listeners:
        event.listen(target, name, listener)
    try:
        yield tally
    finally:
        for target, name, listener in listeners:
            event.remove(target, name, listener)


async def count(
    settings: Settings, cases: tuple[Case, ...], headers: dict[str, dict[str, str]], requests: int
) -> dict[str, dict[str, Any]]:
    """Per case: what one request costs the database (``headers`` by caller)."""
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 40000))
    results = {}
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://bench") as client,
    ):
        for case in cases:

            async def send(case: Case = case) -> None:
                response = await client.post(
                    "/graphql", json=case.graphql_body(), headers=headers[case.caller]
                )
                response.raise_for_status()

            await send()
            with counting() as tally:
                for _ in range(requests):
                    await send()
            results[case.key] = tally.per_request(requests)
    return results
