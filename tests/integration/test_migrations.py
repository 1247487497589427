"""Migrations: an empty database goes to head, back to base and up again, and the tables the
code declares are exactly the tables the migrations build."""

import asyncio
from collections.abc import Callable
from typing import TypeVar

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect
from sqlalchemy.ext.asyncio import create_async_engine

from src.adapters.postgres.engine import async_url
from src.adapters.postgres.migrate import MIGRATIONS, alembic_config
from src.adapters.postgres.tables import metadata

T = TypeVar("T")


def _inspect(url: str, look: Callable[[Connection], T]) -> T:
    async def run() -> T:
        engine = create_async_engine(async_url(url))
        try:
            async with engine.connect() as connection:
                return await connection.run_sync(look)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def _tables(url: str) -> set[str]:
    return set(_inspect(url, lambda sync: inspect(sync).get_table_names()))


def test_there_is_one_head() -> None:
    assert len(ScriptDirectory(str(MIGRATIONS)).get_heads()) == 1


def test_upgrade_downgrade_upgrade_round_trip(empty_database_url: str) -> None:
    config = alembic_config(empty_database_url)
    command.upgrade(config, "head")
    assert {"enterprises", "workers", "institutions"} <= _tables(empty_database_url)
    command.downgrade(config, "base")
    assert _tables(empty_database_url) == {"alembic_version"}
    command.upgrade(config, "head")
    assert {"enterprises", "workers", "institutions"} <= _tables(empty_database_url)


def test_models_and_migrations_do_not_drift(database_url: str) -> None:
    diff = _inspect(
        database_url,
        lambda sync: compare_metadata(
            MigrationContext.configure(sync, opts={"compare_type": True}), metadata
        ),
    )
    assert diff == []
