"""`flexfin serve` with no DATABASE_URL: starts an embedded PostgreSQL in its data folder,
migrates, seeds the demo data, answers queries, and stops PostgreSQL when it stops."""

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
import pyotp
import pytest

from src.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET
from tests.conftest import ROOT, _free_port

LOGIN = (
    f'mutation {{ login(input: {{login: "operator", password: "{DEMO_PASSWORD}"}}) '
    "{ accessToken } }"
)
STEP_UP = "mutation($input: StepUpInput!) { stepUp(input: $input) { method } }"
QUERY = """{ __typename
  enterprises(first: 100) { nodes { name creditCode } }
  workers(first: 100) { nodes { name idNumber } }
  institutions(first: 100) { nodes { kind } } }"""


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


@pytest.fixture
def data_dir() -> Iterator[Path]:
    """Under the project's var/ rather than pytest's 0700 temp tree, which the embedded
    server's own system user could not enter."""
    path = ROOT / "var" / f"serve-test-{uuid.uuid4().hex[:8]}"
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_serve_without_database_url_runs_the_demo_on_embedded_postgres(data_dir: Path) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(FLEXFIN_DATA_DIR=str(data_dir), FLEXFIN_PORT=str(port))
    env["FLEXFIN_LOG_LEVEL"] = "WARNING"
    base = f"http://127.0.0.1:{port}"
    process = subprocess.Popen([sys.executable, "-m", "src.cli", "serve"], cwd=ROOT, env=env)
    try:
        wait_ready(base, process)
        token = httpx.post(f"{base}/graphql", json={"query": LOGIN}, timeout=10).json()
        headers = {"Authorization": f"Bearer {token['data']['login']['accessToken']}"}
        data = httpx.post(
            f"{base}/graphql", json={"query": QUERY}, headers=headers, timeout=10
        ).json()["data"]
        step_up = {"method": "TOTP", "code": pyotp.TOTP(DEMO_TOTP_SECRET).now()}
        stepped = httpx.post(
            f"{base}/graphql",
            json={"query": STEP_UP, "variables": {"input": step_up}},
            headers=headers,
            timeout=10,
        ).json()
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=60)
    assert process.returncode == 0
    assert stepped["data"]["stepUp"]["method"] == "TOTP"  # the documented demo TOTP secret
    assert data["__typename"] == "Query"
    assert len(data["enterprises"]["nodes"]) >= 3
    assert len(data["workers"]["nodes"]) >= 24
    assert {i["kind"] for i in data["institutions"]["nodes"]} == {"BANK", "INSURER", "GUARANTOR"}
    pgdata = data_dir / "postgres"
    assert (pgdata / "PG_VERSION").is_file()
    assert not (pgdata / "postmaster.pid").exists(), "PostgreSQL was left running"
