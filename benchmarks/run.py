"""``make bench`` / ``python -m benchmarks``: Flexfin against a plain Starlette reference on
the same PostgreSQL and the same data; prints p50/p99 latency, requests per second, the
ratios and the statements per request, and writes benchmarks/results/latest.json.
docs/performance.md explains what is measured."""

import argparse
import asyncio
import contextlib
import datetime
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from src.demo import DEMO_PASSWORD
from src.partner_admin import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET
from src.settings import Settings

from . import database, measure, statements
from .cases import CASES, Case

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
UNLIMITED = str(10**12)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.contextmanager
def _process(name: str, command: list[str], env: dict[str, str], port: int) -> Iterator[str]:
    """A server in its own session (Ctrl-C reaches only the harness, which stops it), its
    output in benchmarks/results/NAME.log; yields its base URL once /healthz answers."""
    log = (RESULTS / f"{name}.log").open("wb")
    server = subprocess.Popen(  # noqa: S603
        command, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"{name} exited with {server.returncode}; see {log.name}")
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{url}/healthz").status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not answer in 60 s; see {log.name}")
            time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


@contextlib.contextmanager
def servers(env: dict[str, str]) -> Iterator[tuple[str, str]]:
    """Flexfin as ``flexfin serve`` runs it, and the reference; one uvicorn process each."""
    flexfin_port, reference_port = _free_port(), _free_port()
    flexfin = [str(Path(sys.executable).with_name("flexfin")), "serve"]
    reference = [
        *(sys.executable, "-m", "uvicorn", "benchmarks.reference:create_app", "--factory"),
        *("--host", "127.0.0.1", "--port", str(reference_port)),
        *("--no-access-log", "--log-level", "warning"),
    ]
    with (
        _process("flexfin", flexfin, {**env, "FLEXFIN_PORT": str(flexfin_port)}, flexfin_port) as a,
        _process("reference", reference, env, reference_port) as b,
    ):
        yield a, b


async def _tokens(client: httpx.AsyncClient) -> dict[str, dict[str, str]]:
    """Bearer headers of the demo partner bank and the demo platform operator."""
    partner = await client.post(
        "/oauth/token",
        auth=(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET),
        data={"grant_type": "client_credentials"},
    )
    partner.raise_for_status()
    login = await client.post(
        "/graphql",
        json={
            "query": 'mutation($password: String!) { login(input: {login: "operator", '
            "password: $password}) { accessToken } }",
            "variables": {"password": DEMO_PASSWORD},
        },
    )
    login.raise_for_status()
    operator = login.json()["data"]["login"]["accessToken"]
    return {
        "partner": {"Authorization": f"Bearer {partner.json()['access_token']}"},
        "operator": {"Authorization": f"Bearer {operator}"},
    }


def _check_same(case: Case, flexfin: httpx.Response, reference: httpx.Response) -> None:
    """Both answer 200 with equal ``data`` holding ``first`` nodes; else stop, loudly."""
    answers = flexfin.json(), reference.json()
    problem = None
    if flexfin.status_code != 200 or reference.status_code != 200 or "errors" in answers[0]:
        problem = f"status {flexfin.status_code} / {reference.status_code}"
    elif answers[0]["data"] != answers[1]["data"]:
        problem = "different data"
    elif len(answers[0]["data"][case.listing.root]["nodes"]) != case.first:
        problem = f"not {case.first} nodes"
    if problem:
        raise SystemExit(
            f"{case.title}: flexfin and reference disagree ({problem}):\n"
            f"flexfin:   {json.dumps(answers[0], ensure_ascii=False)[:1500]}\n"
            f"reference: {json.dumps(answers[1], ensure_ascii=False)[:1500]}"
        )


async def _compare(
    flexfin_url: str, reference_url: str, args: argparse.Namespace
) -> tuple[dict[str, dict[str, str]], dict[str, Any]]:
    limits = httpx.Limits(max_connections=args.concurrency, max_keepalive_connections=64)
    results = {}
    async with (
        httpx.AsyncClient(base_url=flexfin_url, limits=limits, timeout=60) as flexfin,
        httpx.AsyncClient(base_url=reference_url, limits=limits, timeout=60) as reference,
    ):
        headers = await _tokens(flexfin)
        for case in CASES:

            def ask_flexfin(case: Case = case) -> Any:
                return flexfin.post(
                    "/graphql", json=case.graphql_body(), headers=headers[case.caller]
                )

            def ask_reference(case: Case = case) -> Any:
                return reference.get(case.reference_path)

            _check_same(case, await ask_flexfin(), await ask_reference())
            print(f"  {case.title}: same data; timing …", flush=True)
            timings = await measure.compare(
                (ask_flexfin, ask_reference), args.requests, args.warmup, args.concurrency
            )
            results[case.key] = {
                "title": case.title,
                "flexfin": timings[0].summary(),
                "reference": timings[1].summary(),
            }
    return headers, results


def _ratios(result: dict[str, Any]) -> dict[str, float | None]:
    ours, theirs = result["flexfin"], result["reference"]
    return {
        "p50": ours["p50_ms"] / theirs["p50_ms"],
        "p99": ours["p99_ms"] / theirs["p99_ms"],
        "sequential_rps": theirs["sequential_rps"] / ours["sequential_rps"],
        "concurrent_rps": (
            theirs["concurrent_rps"] / ours["concurrent_rps"] if ours["concurrent_rps"] else None
        ),
    }


def _table(results: dict[str, Any], concurrency: int) -> str:
    rps = f"req/s ×{concurrency}" if concurrency > 1 else "req/s"
    lines = [
        f"{'case':<40} {'side':<10} {'p50 ms':>8} {'p99 ms':>8} {'req/s seq':>10} {rps:>10}",
    ]
    for result in results.values():
        for side in ("flexfin", "reference"):
            s = result[side]
            concurrent = f"{s['concurrent_rps']:10.0f}" if s["concurrent_rps"] else f"{'-':>10}"
            title = result["title"] if side == "flexfin" else ""
            lines.append(
                f"{title:<40} {side:<10} {s['p50_ms']:8.2f} {s['p99_ms']:8.2f} "
                f"{s['sequential_rps']:10.0f} {concurrent}"
            )
        r = result["ratios"]
        concurrent = f"{r['concurrent_rps']:9.1f}×" if r["concurrent_rps"] else f"{'-':>10}"
        lines.append(
            f"{'':<40} {'ratio':<10} {r['p50']:7.1f}× {r['p99']:7.1f}× "
            f"{r['sequential_rps']:9.1f}× {concurrent}"
        )
        c = result["statements"]
        lines.append(
            f"{'':<40} per Flexfin request: {c['statements']:g} statements, "
            f"{c['transactions']:g} transactions, {c['checkouts']:g} checkouts "
            f"(≈ {c['round_trips']:g} round trips; reference: 1)"
        )
    lines.append("ratio = Flexfin / reference (time); for req/s, reference / Flexfin")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--requests", type=int, default=300, help="per side and case (300)")
    parser.add_argument("--warmup", type=int, default=30, help="per side and case (30)")
    parser.add_argument(
        "--concurrency", type=int, default=8, help="clients for req/s; 1 = sequential only (8)"
    )
    parser.add_argument("--enterprises", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=10000)
    parser.add_argument("--statement-requests", type=int, default=5, help="counted per case")
    parser.add_argument("--output", type=Path, default=RESULTS / "latest.json")
    args = parser.parse_args(argv)
    # Ctrl-C and kill alike stop the servers and the embedded PostgreSQL on the way out.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    RESULTS.mkdir(parents=True, exist_ok=True)
    load_before = os.getloadavg()

    with (
        database.server(ROOT / "var" / "bench-postgres") as server_url,
        database.fresh_database(server_url) as url,
    ):
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "FLEXFIN_HOST": "127.0.0.1",
            "FLEXFIN_COST_BUDGET": UNLIMITED,
            "FLEXFIN_COST_RESTORE_RATE": UNLIMITED,
        }
        settings = Settings.from_env(env)
        print(f"seeding {args.enterprises} enterprises and {args.workers} workers …", flush=True)
        database.prepare(url, settings, args.enterprises, args.workers)
        with servers(env) as (flexfin_url, reference_url):
            headers, results = asyncio.run(_compare(flexfin_url, reference_url, args))
            print("  counting statements …", flush=True)
            counts = asyncio.run(
                statements.count(settings, CASES, headers, args.statement_requests)
            )
    for key, result in results.items():
        result["ratios"] = _ratios(result)
        result["statements"] = counts[key]
    print()
    print(_table(results, args.concurrency))
    if max(load_before[0], os.getloadavg()[0]) > (os.cpu_count() or 1):
        print(f"warning: other load on this machine (load average {os.getloadavg()[0]:.1f})")
    report = {
        "when": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "load_average_before": load_before,
            "load_average_after": os.getloadavg(),
        },
        "parameters": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "cases": results,
    }
    args.output.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(f"\nwritten to {args.output}")
    return 0
