"""GraphQL-over-HTTP conformance: the graphql-http audit suite against the running server."""

from pathlib import Path

from tests.e2e.node import needs_node_package, run_script

AUDIT = Path(__file__).with_name("graphql_http_audit.mjs")

pytestmark = needs_node_package("graphql-http")


def test_graphql_http_audit_passes_every_must_and_should(live_server: str) -> None:
    results = run_script(AUDIT, f"{live_server}/graphql")
    failed = [
        f"{r['id']} {r['name']}: {r['reason']}"
        for r in results
        if r["status"] != "ok" and not r["name"].startswith("MAY")
    ]
    assert failed == []
    assert sum(r["name"].startswith("MUST") for r in results) >= 13
    assert sum(r["name"].startswith("SHOULD") for r in results) >= 23
