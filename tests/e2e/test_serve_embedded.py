"""`flexfin serve` with no DATABASE_URL: starts an embedded PostgreSQL in its data folder,
migrates, seeds the demo data, answers queries, and stops PostgreSQL when it stops."""

import signal
from collections.abc import Iterator
from pathlib import Path

import httpx
import pyotp
import pytest

from src.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET
from tests.e2e.serving import assert_stopped, data_folder, serving, stop

LOGIN = (
    f'mutation {{ login(input: {{login: "operator", password: "{DEMO_PASSWORD}"}}) '
    "{ accessToken } }"
)
STEP_UP = "mutation($input: StepUpInput!) { stepUp(input: $input) { method } }"
QUERY = """{ __typename
  enterprises(first: 100) { nodes { name creditCode } }
  workers(first: 100) { nodes { name idNumber } }
  institutions(first: 100) { nodes { kind } } }"""


@pytest.fixture
def data_dir() -> Iterator[Path]:
    with data_folder() as path:
        yield path


def test_serve_without_database_url_runs_the_demo_on_embedded_postgres(data_dir: Path) -> None:
    with serving(data_dir) as (process, base):
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
        assert stop(process, signal.SIGINT) == 0  # Ctrl-C
    assert stepped["data"]["stepUp"]["method"] == "TOTP"  # the documented demo TOTP secret
    assert data["__typename"] == "Query"
    assert len(data["enterprises"]["nodes"]) >= 3
    assert len(data["workers"]["nodes"]) >= 24
    assert {i["kind"] for i in data["institutions"]["nodes"]} == {"BANK", "INSURER", "GUARANTOR"}
    assert (data_dir / "postgres" / "PG_VERSION").is_file()
    assert_stopped(data_dir)
