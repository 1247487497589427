"""`flexfin serve` on the embedded PostgreSQL stops everything on SIGTERM (docker stop,
systemd), with workers too, and starts again by itself after an unclean stop. The tests share
one data folder (initdb takes seconds); each leaves nothing running."""

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from tests.e2e.serving import (
    assert_stopped,
    data_folder,
    postmaster_pid,
    processes_of,
    serving,
    stop,
)


@pytest.fixture(scope="module")
def data_dir() -> Iterator[Path]:
    with data_folder() as path:
        yield path


@pytest.mark.parametrize("workers", [1, 2])
def test_sigterm_stops_the_server_its_workers_and_postgres(data_dir: Path, workers: int) -> None:
    with serving(data_dir, "--no-seed-demo", f"--workers={workers}") as (process, _):
        children = psutil.Process(process.pid).children(recursive=True)
        assert stop(process, signal.SIGTERM) == 0
    assert len(children) >= (workers if workers > 1 else 0)  # 1: in the flexfin process
    _, left = psutil.wait_procs(children, timeout=5)
    assert not left, "a worker was left running"
    assert_stopped(data_dir)


@pytest.mark.parametrize("postgres_killed", [False, True], ids=["orphaned", "killed"])
def test_serve_recovers_from_an_unclean_stop(data_dir: Path, postgres_killed: bool) -> None:
    with serving(data_dir, "--no-seed-demo") as (process, _):
        postmaster = postmaster_pid(data_dir)
        process.kill()
        process.wait()
    assert processes_of(data_dir), "PostgreSQL should have outlived its flexfin"
    if postgres_killed:  # power loss: a stale postmaster.pid, its pid taken by another process
        os.kill(postmaster, signal.SIGKILL)
        pid_file = data_dir / "postgres" / "postmaster.pid"
        rest = pid_file.read_text().split("\n", 1)[1]
        pid_file.write_text(f"{os.getpid()}\n{rest}")
    with serving(data_dir, "--no-seed-demo") as (process, _):
        assert stop(process, signal.SIGTERM) == 0
    assert_stopped(data_dir)
