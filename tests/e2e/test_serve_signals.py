"""`flexfin serve` on the embedded PostgreSQL stops everything on SIGTERM (docker stop,
systemd). The tests share one data folder (initdb takes seconds); each leaves nothing running."""

import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.serving import assert_stopped, data_folder, serving, stop


@pytest.fixture(scope="module")
def data_dir() -> Iterator[Path]:
    with data_folder() as path:
        yield path


def test_sigterm_stops_the_server_and_postgres(data_dir: Path) -> None:
    with serving(data_dir, "--no-seed-demo") as (process, _):
        assert stop(process, signal.SIGTERM) == 0
    assert_stopped(data_dir)
