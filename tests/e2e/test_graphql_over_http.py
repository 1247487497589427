"""GraphQL-over-HTTP conformance: the graphql-http audit suite against the running server."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
AUDIT = Path(__file__).with_name("graphql_http_audit.mjs")

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or not (ROOT / "node_modules" / "graphql-http").is_dir(),
    reason="needs Node.js and `npm ci` (the graphql-http audit suite)",
)


def test_graphql_http_audit_passes_every_must_and_should(live_server: str) -> None:
    run = subprocess.run(
        ["node", str(AUDIT), f"{live_server}/graphql"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        cwd=ROOT,
    )
    results = json.loads(run.stdout)
    failed = [
        f"{r['id']} {r['name']}: {r['reason']}"
        for r in results
        if r["status"] != "ok" and not r["name"].startswith("MAY")
    ]
    assert failed == []
    assert sum(r["name"].startswith("MUST") for r in results) >= 13
    assert sum(r["name"].startswith("SHOULD") for r in results) >= 23
