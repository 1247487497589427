"""At most one connection per request (issue 7, ADR 0017): inside ``Database.request()`` every
user is lent the same pooled connection in turn; a nested use within one task gets its own
rather than waiting for itself; the connection goes back to the pool when the request ends."""

import asyncio

import pytest
from sqlalchemy import text
from sqlalchemy.pool import QueuePool

from src.adapters.postgres.database import Database

pytestmark = pytest.mark.db

BACKEND = text("SELECT pg_backend_pid()")


async def backend(database: Database) -> int:
    async with database.read() as connection:
        pid: int = await connection.scalar(BACKEND)
        await asyncio.sleep(0.01)  # hold it, so that users running at once must take turns
        return pid


def checked_out(database: Database) -> int:
    pool = database.engine.pool
    assert isinstance(pool, QueuePool)
    return pool.checkedout()


async def test_users_running_at_once_in_a_request_share_one_connection(database: Database) -> None:
    async with database.request():
        pids = await asyncio.gather(*(backend(database) for _ in range(5)))
        assert checked_out(database) == 1
    assert len(set(pids)) == 1
    assert checked_out(database) == 0


async def test_outside_a_request_each_user_has_a_connection_of_its_own(
    database: Database,
) -> None:
    pids = await asyncio.gather(*(backend(database) for _ in range(3)))
    assert len(set(pids)) == 3


async def test_a_nested_use_gets_its_own_connection_instead_of_waiting_for_itself(
    database: Database,
) -> None:
    """Nested in the same task, or in a task the user started (``wait_for`` makes one)."""
    async with database.request(), database.connect() as outer:
        own = await outer.scalar(BACKEND)
        in_the_same_task = await backend(database)
        in_a_child_task = await asyncio.wait_for(backend(database), timeout=5)
    assert own not in (in_the_same_task, in_a_child_task)


async def test_a_request_that_needs_no_database_checks_out_no_connection(
    database: Database,
) -> None:
    async with database.request():
        assert checked_out(database) == 0


async def test_a_transaction_left_open_by_a_user_is_rolled_back_before_the_next(
    database: Database,
) -> None:
    async with database.request():
        async with database.connect() as connection:
            await connection.execute(text("SELECT 1"))
            assert connection.in_transaction()
        async with database.connect() as connection:
            assert not connection.in_transaction()
