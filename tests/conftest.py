"""Shared fixtures. Tests that touch SQL run against real PostgreSQL: the server named by
DATABASE_URL when it is set, else an embedded server in var/test-postgres. Each run makes a
fresh, uniquely named database and drops it afterwards."""

import contextlib
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from src.adapters.postgres.engine import async_url, create_engine
from src.adapters.postgres.migrate import upgrade_to_head
from src.adapters.postgres.tables import metadata
from src.adapters.postgres.unit_of_work import PostgresUnitOfWork
from src.app import create_app
from src.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


class FixedClock:
    """A clock tests can set and move."""

    def __init__(self, now: datetime | None = None) -> None:
        self.current = now or datetime(2026, 11, 23, 9, 30, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A URL of a PostgreSQL server's maintenance database."""
    if os.environ.get("DATABASE_URL"):
        yield os.environ["DATABASE_URL"]
        return
    from src.adapters.postgres.embedded import embedded_server

    with embedded_server(ROOT / "var" / "test-postgres") as url:
        yield url


def _admin(sql: str, server_url: str) -> None:
    import asyncio

    async def run() -> None:
        engine = create_async_engine(async_url(server_url), isolation_level="AUTOCOMMIT")
        try:
            async with engine.connect() as connection:
                await connection.execute(text(sql))
        finally:
            await engine.dispose()

    asyncio.run(run())


@contextlib.contextmanager
def fresh_database(server_url: str) -> Iterator[str]:
    """A new, uniquely named database on the server, dropped on exit."""
    name = f"flexfin_test_{uuid.uuid4().hex[:12]}"
    _admin(f'CREATE DATABASE "{name}"', server_url)
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', server_url)


@pytest.fixture(scope="session")
def empty_database_url(postgres_server: str) -> Iterator[str]:
    """A fresh database of its own for this test run."""
    with fresh_database(postgres_server) as url:
        yield url


@pytest.fixture(scope="session")
def database_url(empty_database_url: str) -> str:
    """The test database, migrated to head."""
    upgrade_to_head(empty_database_url)
    return empty_database_url


@pytest.fixture(scope="session")
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url, pool_size=5)
    yield engine
    await engine.dispose()


@pytest.fixture
async def db(engine: AsyncEngine) -> AsyncIterator[AsyncEngine]:
    """The migrated test database, emptied after the test."""
    yield engine
    tables = ", ".join(table.name for table in metadata.sorted_tables)
    async with engine.begin() as connection:
        await connection.execute(text(f"TRUNCATE {tables} CASCADE"))


@pytest.fixture
def unit_of_work(db: AsyncEngine) -> Callable[[], PostgresUnitOfWork]:
    return lambda: PostgresUnitOfWork(db)


@pytest.fixture
async def api(
    db: AsyncEngine, database_url: str, clock: FixedClock
) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client for the app, in process."""
    app = create_app(Settings(database_url=database_url, db_pool_size=2), clock=clock)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as client,
    ):
        yield client


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def live_server(postgres_server: str) -> Iterator[str]:
    """The real server (``flexfin serve``, migrated and seeded with the demo data, on a
    database of its own) in a subprocess; yields its base URL."""
    with fresh_database(postgres_server) as database_url:
        yield from _serve(database_url)


def _serve(database_url: str) -> Iterator[str]:
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "FLEXFIN_PORT": str(port),
        "FLEXFIN_LOG_LEVEL": "WARNING",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "src.cli", "serve", "--migrate", "--seed-demo"],
        cwd=ROOT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the server exited with {process.returncode}")
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the server did not become ready in 60 s")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that reaches PostgreSQL, so ``pytest -m db`` selects them."""
    for item in items:
        if "postgres_server" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.db)
