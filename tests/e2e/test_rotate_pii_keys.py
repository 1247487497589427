"""SEC-06: ``flexfin rotate-pii-keys`` as an operator runs it, on the demo data sealed under an
old key: it reports what it re-encrypted, a second run re-encrypts nothing, and a key list that
cannot open the data stops it with a clear message and exit status 1."""

import base64
import os
import subprocess
import sys

from src.auth.roles import Role
from src.demo import ENTERPRISES, INSTITUTIONS, WORKER_COUNT
from tests.conftest import ROOT, fresh_database

DEMO_ACCOUNTS = len(Role)  # one per role but partner, plus secadmin2


def key(kid: str, fill: bytes) -> str:
    return f"{kid}:{base64.urlsafe_b64encode(fill * 32).decode().rstrip('=')}"


def flexfin(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "src.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def report(counts: dict[str, int], kid: str) -> set[str]:
    return {
        f"{table}: {rows} rows re-encrypted under key {kid!r}" for table, rows in counts.items()
    }


def test_sec_06_rotate_pii_keys_reports_counts_then_has_nothing_left_to_do(
    postgres_server: str,
) -> None:
    with fresh_database(postgres_server) as url:
        env = {**os.environ, "DATABASE_URL": url, "FLEXFIN_LOG_LEVEL": "WARNING"}
        env["FLEXFIN_PII_KEYS"] = key("A", b"a")
        assert flexfin("migrate", env=env).returncode == 0
        assert flexfin("seed-demo", env=env).returncode == 0

        env["FLEXFIN_PII_KEYS"] = f"{key('B', b'b')},{key('A', b'a')}"
        first = flexfin("rotate-pii-keys", "--batch-size", "10", env=env)
        second = flexfin("rotate-pii-keys", env=env)

        assert first.returncode == second.returncode == 0, first.stderr + second.stderr
        seeded = {
            "accounts": DEMO_ACCOUNTS,  # their phones
            "enterprises": len(ENTERPRISES),
            "workers": WORKER_COUNT,
            "institutions": len(INSTITUTIONS),
        }
        assert set(first.stdout.splitlines()) == report(seeded, "B")
        assert set(second.stdout.splitlines()) == report(dict.fromkeys(seeded, 0), "B")

        env["FLEXFIN_PII_KEYS"] = key("C", b"c")
        stopped = flexfin("rotate-pii-keys", env=env)
        assert stopped.returncode == 1
        assert "under key 'B', which is not set" in stopped.stderr
        assert stopped.stdout == ""
