"""The benchmark's database: a fresh ``flexfin_bench`` on DATABASE_URL's server, or on an
embedded PostgreSQL in ``var/bench-postgres``; migrated and given the demo data through the
``flexfin`` command, then topped up to the benchmark's enterprises and workers.

The parties are built by the domain's factories from checked identifiers made the way
``src/demo.py`` makes them, and written by the app's repositories (``PostgresUnitOfWork``)
in batches, so every row, sealed columns and blind indexes included, is what the app writes."""

import asyncio
import contextlib
import os
import random
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import asyncpg
from sqlalchemy.engine import make_url

from src.demo import GIVEN_NAMES, REGIONS, STREETS, SURNAMES, bank_card, credit_code, id_number
from src.domain.parties.identifiers import BankAccount, BankCardNumber, CreditCode, IdNumber, Phone
from src.domain.parties.model import Enterprise, EnterpriseProfile, Worker
from src.domain.shared.clock import SystemClock
from src.settings import Settings

if TYPE_CHECKING:
    from src.adapters.postgres.sealed import SealingRepository

NAME = "flexfin_bench"
BATCH = 500
"""Parties per unit of work (one transaction)."""


@contextlib.contextmanager
def server(data_dir: Path) -> Iterator[str]:
    """The URL of DATABASE_URL's server, or of an embedded one (stopped on exit)."""
    if url := os.environ.get("DATABASE_URL"):
        yield url
        return
    from src.adapters.postgres.embedded import embedded_server

    with embedded_server(data_dir) as url:
        yield url


def dsn(url: str) -> str:
    """A libpq URL asyncpg takes (no ``+driver``)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _admin(server_url: str, *statements: str) -> None:
    connection = await asyncpg.connect(dsn(server_url))
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


@contextlib.contextmanager
def fresh_database(server_url: str) -> Iterator[str]:
    """``flexfin_bench``, created anew on the server and dropped on exit."""
    drop = f"DROP DATABASE IF EXISTS {NAME} WITH (FORCE)"
    asyncio.run(_admin(server_url, drop, f"CREATE DATABASE {NAME}"))
    try:
        yield make_url(dsn(server_url)).set(database=NAME).render_as_string(hide_password=False)
    finally:
        asyncio.run(_admin(server_url, drop))


def flexfin(*args: str, url: str) -> None:
    """Run the ``flexfin`` command (next to this Python) against the database at ``url``."""
    command = Path(sys.executable).with_name("flexfin")
    env = {**os.environ, "DATABASE_URL": url, "FLEXFIN_LOG_LEVEL": "WARNING"}
    subprocess.run([str(command), *args], env=env, check=True, stdout=subprocess.DEVNULL)  # noqa: S603


def _enterprise(serial: int, rng: random.Random) -> Enterprise:
    region = list(REGIONS)[serial % len(REGIONS)]
    city = REGIONS[region]
    profile = EnterpriseProfile(
        name=f"{city[:2]}{rng.choice(SURNAMES)}{rng.choice(GIVEN_NAMES)}{serial}号服务有限公司",
        legal_representative=rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES),
        address=f"{city}{rng.choice(STREETS)}{rng.randint(1, 300)}号",
        business_scope="即时配送；家政服务；信息技术咨询",
        phone=Phone(f"139{serial:08d}"),
    )
    return Enterprise.onboard(
        CreditCode(credit_code(region, serial)),
        profile,
        BankAccount("中国工商银行", f"{11000000 + serial:08d}{serial:010d}"),
        SystemClock().now(),
    )


def _worker(serial: int, rng: random.Random) -> Worker:
    region = list(REGIONS)[serial % len(REGIONS)]
    # 500 sequence numbers per birthday: unique ID numbers, none like the demo's (1–36).
    born = date(1990, 1, 1) + timedelta(days=serial // 500)
    return Worker.register(
        name=rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES),
        id_number=IdNumber(id_number(region, f"{born:%Y%m%d}", 500 + serial % 500)),
        phone=Phone(f"1{rng.choice('35789')}{rng.randint(0, 999_999_999):09d}"),
        bank_card=BankCardNumber(bank_card("622848", serial)),
        address=f"{REGIONS[region]}{rng.choice(STREETS)}{rng.randint(1, 300)}号",
        now=SystemClock().now(),
    )


async def _count(url: str, table: str) -> int:
    connection = await asyncpg.connect(dsn(url))
    try:
        return int(await connection.fetchval(f"SELECT count(*) FROM {table}"))  # noqa: S608
    finally:
        await connection.close()


async def top_up(url: str, settings: Settings, enterprises: int, workers: int) -> None:
    """Add parties until there are exactly ``enterprises`` and ``workers`` (deterministic):
    each batch's rows are mapped by the app's repository (``to_row`` seals the personal data
    and makes the blind indexes) and inserted in one executemany."""
    from sqlalchemy import insert

    from src.adapters.crypto import FieldCipher
    from src.adapters.postgres.engine import create_engine
    from src.adapters.postgres.parties import (
        PostgresEnterpriseRepository,
        PostgresWorkerRepository,
    )

    rng = random.Random(7)  # noqa: S311 - benchmark data, not security
    cipher = FieldCipher(settings.pii_keys, settings.pii_hash_key)
    engine = create_engine(url, pool_size=1)
    parties: list[tuple[type[SealingRepository[Any, Any]], int, Callable[..., Any]]] = [
        (PostgresEnterpriseRepository, enterprises, _enterprise),
        (PostgresWorkerRepository, workers, _worker),
    ]
    try:
        for repository_class, wanted, make in parties:
            table = repository_class.table
            serials = range(10_000, 10_000 + wanted - await _count(url, table.name))
            for start in range(0, len(serials), BATCH):
                async with engine.begin() as connection:
                    repository = repository_class(connection, set(), cipher)
                    rows = [repository.to_row(make(n, rng)) for n in serials[start : start + BATCH]]
                    await connection.execute(insert(table), rows)
            if (have := await _count(url, table.name)) != wanted:
                raise RuntimeError(f"{table.name}: {have} rows, expected {wanted}")
    finally:
        await engine.dispose()


def prepare(url: str, settings: Settings, enterprises: int, workers: int) -> None:
    """Migrate, add the demo data, accounts and partner, then the benchmark's parties."""
    flexfin("migrate", url=url)
    flexfin("seed-demo", url=url)
    asyncio.run(top_up(url, settings, enterprises, workers))
