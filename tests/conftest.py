"""Shared fixtures. Tests that touch SQL run against real PostgreSQL: the server named by
DATABASE_URL when it is set, else an embedded server in var/test-postgres. Each run makes a
fresh, uniquely named database and drops it afterwards."""

import contextlib
import dataclasses
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from src.adapters.crypto import FieldCipher
from src.adapters.postgres.audit import PostgresAuditTrail
from src.adapters.postgres.database import Database
from src.adapters.postgres.engine import async_url, create_engine
from src.adapters.postgres.identity import PostgresIdentityUnitOfWork
from src.adapters.postgres.migrate import upgrade_to_head
from src.adapters.postgres.parties import PostgresPartiesUnitOfWork
from src.adapters.postgres.tables import metadata
from src.adapters.postgres.unit_of_work import repository
from src.app import create_app, database_of
from src.auth.accounts import Account
from src.auth.challenges import Challenges
from src.auth.lockout import LockoutPolicy
from src.auth.passwords import Passwords
from src.auth.roles import Role
from src.auth.rules import IdentityRules
from src.auth.service import principal_of
from src.auth.sessions import Client, Session
from src.auth.tokens import AccessTokens, SigningKey
from src.settings import Settings
from tests.in_process import GraphQLClient, in_process

ROOT = Path(__file__).resolve().parents[1]
CHALLENGE_ANSWER = "K7P3Q"


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
def passwords() -> Passwords:
    return Passwords()


@pytest.fixture
def rules(clock: FixedClock, passwords: Passwords) -> IdentityRules:
    """The identity rules of the tests: a test signing key, challenges whose answer is
    ``CHALLENGE_ANSWER``, the default lockout policies, ``clock``."""
    return IdentityRules(
        passwords=passwords,
        tokens=AccessTokens((SigningKey("test", b"k" * 32),), timedelta(minutes=15)),
        challenges=Challenges(b"c" * 32, answers=lambda: CHALLENGE_ANSWER),
        clock=clock,
        account_lockout=LockoutPolicy(),
        ip_lockout=LockoutPolicy(max_failures=30, challenge_after=None),
    )


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
    """The migrated test database, emptied after the test (append-only tables too: their
    guarding triggers do not fire in the ``replica`` role, which needs a superuser)."""
    yield engine
    tables = ", ".join(table.name for table in metadata.sorted_tables)
    async with engine.begin() as connection:
        await connection.execute(text("SET LOCAL session_replication_role = replica"))
        await connection.execute(text(f"TRUNCATE {tables} CASCADE"))


@pytest.fixture(scope="session")
def cipher() -> FieldCipher:
    """The personal-data cipher of the default (development) settings, as the app uses."""
    settings = Settings()
    return FieldCipher(settings.pii_keys, settings.pii_hash_key)


class AnyUnitOfWork(PostgresPartiesUnitOfWork, PostgresIdentityUnitOfWork):
    """For tests: one unit of work with every module's repositories and the audit trail,
    opened like the app's (previews keep nothing, audited operations append their record)."""

    audit = repository(lambda uow: PostgresAuditTrail(uow.connection))


def database_on(engine: AsyncEngine) -> Database:
    """``engine`` as the app's adapters see it (the default settings' cipher)."""
    return database_of(engine, Settings())


def unit_of_work_on(engine: AsyncEngine, cipher: FieldCipher) -> AnyUnitOfWork:
    """A unit of work on ``engine`` sealing personal data with ``cipher``."""
    return AnyUnitOfWork(Database(engine, cipher, database_of(engine, Settings()).openers))


@pytest.fixture
def database(db: AsyncEngine) -> Database:
    return database_on(db)


@pytest.fixture
def unit_of_work(database: Database) -> Callable[[], AnyUnitOfWork]:
    return lambda: AnyUnitOfWork(database)


class SignIn(Protocol):
    async def __call__(
        self,
        *roles: Role,
        stepped_up: bool = False,
        organisation_id: uuid.UUID | None = None,
        worker_id: uuid.UUID | None = None,
    ) -> dict[str, str]: ...


@pytest.fixture
def sign_in(unit_of_work: Callable[[], AnyUnitOfWork], clock: FixedClock) -> SignIn:
    """Headers of a signed-in account with ``roles`` (a real account and session row, a
    token signed with the app's key), optionally with a fresh second factor (SEC-04)."""
    tokens = AccessTokens(
        tuple(SigningKey(kid, secret) for kid, secret in Settings().token_keys),
        timedelta(minutes=15),
    )

    async def make(
        *roles: Role,
        stepped_up: bool = False,
        organisation_id: uuid.UUID | None = None,
        worker_id: uuid.UUID | None = None,
    ) -> dict[str, str]:
        now = clock.now()
        account = Account.open(
            f"user-{uuid.uuid4().hex[:10]}",
            "Test user",
            "$argon2id$unusable",
            frozenset(roles),
            now,
            organisation_id=organisation_id,
            worker_id=worker_id,
        )
        session = Session.start(
            account.id, Client("127.0.0.1", "pytest"), now, now + timedelta(days=1)
        )
        if stepped_up:
            session.step_up("totp", now)
        async with unit_of_work() as uow:
            await uow.accounts.add(account)
            await uow.sessions.add(session)
            await uow.commit()
        return {"Authorization": f"Bearer {tokens.issue(principal_of(account, session), now)}"}

    return make


class Serve(Protocol):
    def __call__(
        self, *addresses: str, base_url: str = ..., **settings: Any
    ) -> contextlib.AbstractAsyncContextManager[list[GraphQLClient]]: ...


@pytest.fixture
def serve(db: AsyncEngine, database_url: str, clock: FixedClock) -> Serve:
    """``serve(*addresses, base_url=…, **settings)``: anonymous clients (one per address,
    127.0.0.1 when none) of the app on the test database with the test clock, sign-in
    challenges answered by ``CHALLENGE_ANSWER``, and these settings changed."""

    def start(
        *addresses: str, base_url: str = "http://testserver", **settings: Any
    ) -> contextlib.AbstractAsyncContextManager[list[GraphQLClient]]:
        app = create_app(
            dataclasses.replace(Settings(database_url=database_url, db_pool_size=2), **settings),
            clock=clock,
            challenges=Challenges(b"c" * 32, answers=lambda: CHALLENGE_ANSWER),
        )
        return in_process(app, *(addresses or ("127.0.0.1",)), base_url=base_url)

    return start


@pytest.fixture
async def app_client(serve: Serve) -> AsyncIterator[GraphQLClient]:
    """A client of the app, in process, signed in as nobody."""
    async with serve() as [client]:
        yield client


@pytest.fixture
async def api(app_client: GraphQLClient, sign_in: SignIn) -> GraphQLClient:
    """The in-process client signed in as a platform operator with a fresh second factor."""
    app_client.headers.update(await sign_in(Role.OPERATOR, stepped_up=True))
    return app_client


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def live_database_url(postgres_server: str) -> Iterator[str]:
    """The database of its own that ``live_server`` runs on."""
    with fresh_database(postgres_server) as database_url:
        yield database_url


@pytest.fixture(scope="session")
def live_server(live_database_url: str) -> Iterator[str]:
    """The real server (``flexfin serve``, migrated and seeded with the demo data, on a
    database of its own) in a subprocess; yields its base URL."""
    yield from _serve(live_database_url)


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
