"""`flexfin serve` in a subprocess, with no DATABASE_URL: on an embedded PostgreSQL in a data
folder of its own."""

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil

from tests.conftest import ROOT, _free_port


@contextlib.contextmanager
def data_folder() -> Iterator[Path]:
    """A FLEXFIN_DATA_DIR under the project's var/ rather than pytest's 0700 temp tree, which
    the embedded server's own system user could not enter. Whatever a failed test left running
    there is killed afterwards."""
    path = ROOT / "var" / f"serve-test-{uuid.uuid4().hex[:8]}"
    try:
        yield path
    finally:
        for process in processes_of(path):
            process.kill()
        shutil.rmtree(path, ignore_errors=True)


def processes_of(data_dir: Path) -> list[psutil.Process]:
    """Processes working in ``data_dir`` or naming it on their command line: PostgreSQL's."""
    found = []
    for process in psutil.process_iter(["cmdline", "cwd"]):
        cmdline, cwd = process.info["cmdline"] or [], process.info["cwd"]
        if any(str(data_dir) in arg for arg in cmdline) or (
            cwd is not None and Path(cwd).is_relative_to(data_dir)
        ):
            found.append(process)
    return found


def postmaster_pid(data_dir: Path) -> int:
    return int((data_dir / "postgres" / "postmaster.pid").read_text().split("\n", 1)[0])


@contextlib.contextmanager
def serving(data_dir: Path, *args: str) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """``flexfin serve *args`` on ``data_dir``, ready; yields the process and its base URL and
    kills it afterwards unless the test stopped it."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(FLEXFIN_DATA_DIR=str(data_dir), FLEXFIN_PORT=str(port), FLEXFIN_LOG_LEVEL="WARNING")
    base = f"http://127.0.0.1:{port}"
    process = subprocess.Popen([sys.executable, "-m", "src.cli", "serve", *args], cwd=ROOT, env=env)
    try:
        wait_ready(base, process)
        yield process, base
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def wait_ready(base: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert process.poll() is None, f"serve exited with {process.returncode}"
        try:
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise AssertionError("serve did not become ready")


def stop(process: subprocess.Popen[bytes], signum: signal.Signals) -> int:
    """Send ``signum``; the exit code, which must come within 30 seconds."""
    process.send_signal(signum)
    return process.wait(timeout=30)


def assert_stopped(data_dir: Path) -> None:
    """No PostgreSQL of ``data_dir`` runs, and it left no postmaster.pid."""
    assert not processes_of(data_dir), "PostgreSQL was left running"
    assert not (data_dir / "postgres" / "postmaster.pid").exists()
