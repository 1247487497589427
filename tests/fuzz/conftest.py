"""The fuzz suite's app: a database of its own with the demo data, served in process, and the
demo accounts signed in once per run (docs/testing.md)."""

import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime

import pytest

from src.adapters.postgres.migrate import upgrade_to_head
from src.app import create_app
from src.settings import Settings
from tests.conftest import ROOT, FixedClock, fresh_database
from tests.fuzz.checks import TALLY
from tests.fuzz.client import Fuzzer
from tests.in_process import in_process

UNLIMITED = 10**8
"""Budgets and lockouts the fuzzer never exhausts: a guard that has shut its door hides the
code behind it, and the fuzzer's clock stands still, so nothing would refill or expire."""


@pytest.fixture(scope="session")
def fuzz_database_url(postgres_server: str) -> Iterator[str]:
    """A database of the fuzz suite's own, migrated and seeded with the demo data (the other
    tests expect theirs empty); mutations run for real in it and it is dropped at the end."""
    with fresh_database(postgres_server) as url:
        upgrade_to_head(url)
        subprocess.run(
            [sys.executable, "-m", "src.cli", "seed-demo"],
            cwd=ROOT,
            env={**os.environ, "DATABASE_URL": url, "FLEXFIN_LOG_LEVEL": "WARNING"},
            check=True,
            stdout=subprocess.DEVNULL,
        )
        yield url


@pytest.fixture(scope="session")
async def fuzzer(fuzz_database_url: str) -> AsyncIterator[Fuzzer]:
    clock = FixedClock(datetime.now(UTC))
    settings = Settings(
        database_url=fuzz_database_url,
        db_pool_size=2,
        cost_budget=UNLIMITED,
        lockout_max_failures=UNLIMITED,
        ip_max_failures=UNLIMITED,
    )
    async with in_process(create_app(settings, clock=clock), "127.0.0.1") as [client]:
        fuzzer = Fuzzer(client, clock)
        await fuzzer.sign_in_everyone()
        yield fuzzer


@pytest.fixture(scope="session")
async def known_ids(fuzzer: Fuzzer) -> dict[str, list[str]]:
    """Global ids of the demo rows, by type, so that generated ids sometimes hit real rows."""
    answer = await fuzzer.graphql(
        "operator",
        "{ Enterprise: enterprises(first: 100) { nodes { id } } "
        "Worker: workers(first: 100) { nodes { id } } "
        "Institution: institutions(first: 100) { nodes { id } } "
        "SessionInfo: mySessions(first: 100) { nodes { id } } }",
    )
    data = answer.json()["data"]
    return {kind: [node["id"] for node in page["nodes"]] for kind, page in data.items()}


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if TALLY.answers:
        terminalreporter.write_line(TALLY.report())
        TALLY.write(ROOT / "var" / "fuzz-summary.txt")
