"""``flexfin``: the operator's command line.

flexfin serve        start the API (embedded PostgreSQL, migrated and seeded, when no
                     DATABASE_URL is set); --workers N for N processes
flexfin migrate      upgrade the database to the newest migration
flexfin seed-demo    add the demo data (idempotent)
flexfin check        check the database is reachable and migrated; exit 1 if not
flexfin rotate-pii-keys
                     re-encrypt personal data under the active key of FLEXFIN_PII_KEYS
flexfin audit-verify check the audit trail's hash chain; exit 1 naming the first broken record
flexfin trusted-document add | partner-client add | partner-client grant
                     partner banks' trusted documents and OAuth clients (SEC-10)
flexfin purge-idempotency
                     delete expired idempotency records and used confirmation tokens
"""

import argparse
import asyncio
import contextlib
import importlib.util
import logging
import os
import signal
import sys
from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING

from .controls.audit import Anchor
from .partner_admin import add_commands as add_partner_commands
from .settings import Settings, SettingsError

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine
    from starlette.applications import Starlette

    from .adapters.crypto import FieldCipher

log = logging.getLogger("flexfin")


@contextlib.contextmanager
def database(settings: Settings) -> Iterator[str]:
    """DATABASE_URL, or the embedded server's URL while it runs."""
    if settings.database_url:
        yield settings.database_url
        return
    from .adapters.postgres.embedded import embedded_server

    with embedded_server(settings.data_dir / "postgres") as url:
        yield url


@contextlib.asynccontextmanager
async def _engine(url: str, pool_size: int) -> AsyncIterator["AsyncEngine"]:
    from .adapters.postgres.engine import create_engine

    engine = create_engine(url, pool_size=pool_size)
    try:
        yield engine
    finally:
        await engine.dispose()


def _cipher(settings: Settings) -> "FieldCipher":
    from .adapters.crypto import FieldCipher

    return FieldCipher(settings.pii_keys, settings.pii_hash_key)


async def _seed(settings: Settings, url: str) -> int:
    from .adapters.postgres.partners import PostgresPartnerRegistry
    from .app import database_of, wiring
    from .auth.ports import IDENTITY
    from .auth.rules import IDENTITY_RULES
    from .demo import seed_demo, seed_demo_accounts
    from .domain.parties.ports import PARTIES
    from .domain.shared.clock import SystemClock
    from .partner_admin import seed_demo_partner

    clock = SystemClock()
    async with _engine(url, 2) as engine:
        database = database_of(engine, settings)
        wired = wiring(settings, database, clock)
        parties = wired[PARTIES]
        added = await seed_demo(parties, clock)
        added += await seed_demo_accounts(wired[IDENTITY_RULES], parties, wired[IDENTITY])
        return added + await seed_demo_partner(PostgresPartnerRegistry(database), parties)


async def _partners(args: argparse.Namespace, settings: Settings, url: str) -> int:
    from .adapters.postgres.parties import PostgresPartiesUnitOfWork
    from .adapters.postgres.partners import PostgresPartnerRegistry
    from .app import database_of
    from .partner_admin import run_command

    async with _engine(url, 2) as engine:
        database = database_of(engine, settings)
        registry = PostgresPartnerRegistry(database)
        return await run_command(args, registry, lambda: PostgresPartiesUnitOfWork(database))


async def _rotate_pii_keys(url: str, settings: Settings, batch_size: int) -> int:
    from .adapters.crypto import UnreadableField
    from .adapters.postgres.rotation import rotate_pii_keys

    cipher = _cipher(settings)
    async with _engine(url, 1) as engine:
        try:
            rotated = await rotate_pii_keys(engine, cipher, batch_size)
        except UnreadableField as error:
            log.error("rotation stopped; batches done so far are kept: %s", error)
            return 1
    for table, rows in rotated.items():
        print(f"{table}: {rows} rows re-encrypted under key {cipher.active_kid!r}")
    return 0


async def _check(url: str) -> bool:
    from .adapters.postgres.engine import create_engine
    from .adapters.postgres.migrate import current_revision, head_revision

    engine = create_engine(url, pool_size=1)
    try:
        revision = await current_revision(engine)
    finally:
        await engine.dispose()
    print(f"database at {revision or 'no migration'}; newest is {head_revision()}")
    return revision == head_revision()


async def _audit_verify(url: str, anchor: Anchor | None) -> bool:
    from .adapters.postgres.audit import verify_audit_trail
    from .adapters.postgres.engine import create_engine

    engine = create_engine(url, pool_size=1)
    try:
        verification = await verify_audit_trail(engine, anchor)
    finally:
        await engine.dispose()
    print(verification.message)
    return verification.broken_at is None


async def _purge(url: str) -> int:
    from .adapters.postgres.engine import create_engine
    from .adapters.postgres.idempotency import purge_expired
    from .domain.shared.clock import SystemClock

    engine = create_engine(url, pool_size=1)
    try:
        return await purge_expired(engine, SystemClock().now())
    finally:
        await engine.dispose()


def app_from_env() -> "Starlette":
    """The app factory uvicorn calls, in this process or in each worker: Settings from the
    environment, where ``serve`` has put the database's URL."""
    from .app import create_app
    from .logs import configure_logging

    settings = Settings.from_env()
    configure_logging(settings.log_level)
    return create_app(settings)


def _if_installed(module: str) -> str:
    """``module`` (uvicorn's name for uvloop or httptools) if it is installed, else "auto"."""
    return module if importlib.util.find_spec(module) else "auto"


def serve(settings: Settings, migrate: bool | None, seed: bool | None, workers: int) -> int:
    import uvicorn

    from .adapters.postgres.migrate import upgrade_to_head

    embedded = settings.database_url is None
    if embedded and settings.is_production:
        log.error("DATABASE_URL is required when FLEXFIN_ENV=production")
        return 2
    # docker stop, systemd: SIGTERM stops everything as Ctrl-C does, the embedded server too
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    with database(settings) as url:
        if migrate if migrate is not None else embedded:
            upgrade_to_head(url)
        if seed if seed is not None else embedded:
            asyncio.run(_seed(settings, url))
        os.environ["DATABASE_URL"] = url  # for app_from_env, here or in the workers
        log.info("listening", extra={"url": f"http://{settings.host}:{settings.port}/graphql"})
        uvicorn.run(
            "src.cli:app_from_env",
            factory=True,
            workers=workers,
            host=settings.host,
            port=settings.port,
            loop=_if_installed("uvloop"),
            http=_if_installed("httptools"),
            log_config=None,
            timeout_graceful_shutdown=settings.shutdown_grace_seconds,
            server_header=False,
            proxy_headers=False,  # the app believes only FLEXFIN_TRUSTED_PROXIES
        )
    return 0


def _at_least_one(text: str) -> int:
    number = int(text)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {number}")
    return number


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="flexfin", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    serve_parser = commands.add_parser("serve", help="start the API server")
    serve_parser.add_argument(
        "--migrate",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="migrate to head first (default: only on the embedded server)",
    )
    serve_parser.add_argument(
        "--seed-demo",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="add the demo data first (default: only on the embedded server)",
    )
    serve_parser.add_argument(
        "--workers",
        type=_at_least_one,
        default=1,
        help="worker processes (default 1: serve in this process)",
    )
    commands.add_parser("migrate", help="upgrade the database to the newest migration")
    commands.add_parser("seed-demo", help="add the demo data (idempotent)")
    commands.add_parser("check", help="is the database reachable and migrated?")
    rotate_parser = commands.add_parser(
        "rotate-pii-keys", help="re-encrypt personal data under the active FLEXFIN_PII_KEYS key"
    )
    rotate_parser.add_argument(
        "--batch-size", type=int, default=500, help="rows per transaction (default 500)"
    )
    verify_parser = commands.add_parser(
        "audit-verify", help="check the audit trail's hash chain (SEC-08); exit 1 if broken"
    )
    verify_parser.add_argument(
        "--anchor",
        type=Anchor.parse,
        help="SEQ:HASH from an earlier run, kept elsewhere: finds a rewritten or cut trail",
    )
    add_partner_commands(commands)
    commands.add_parser(
        "purge-idempotency",
        help="delete expired idempotency records and used confirmation tokens (run it daily)",
    )
    args = parser.parse_args(argv)

    from .logs import configure_logging

    try:
        settings = Settings.from_env()
    except SettingsError as error:
        parser.error(str(error))
    configure_logging(settings.log_level)

    if args.command == "serve":
        return serve(settings, args.migrate, args.seed_demo, args.workers)
    with database(settings) as url:
        if args.command == "migrate":
            from .adapters.postgres.migrate import upgrade_to_head

            upgrade_to_head(url)
            return 0
        if args.command == "seed-demo":
            print(f"added {asyncio.run(_seed(settings, url))} demo records")
            return 0
        if args.command == "rotate-pii-keys":
            return asyncio.run(_rotate_pii_keys(url, settings, args.batch_size))
        if args.command == "audit-verify":
            return 0 if asyncio.run(_audit_verify(url, args.anchor)) else 1
        if args.command in ("trusted-document", "partner-client"):
            return asyncio.run(_partners(args, settings, url))
        if args.command == "purge-idempotency":
            print(f"deleted {asyncio.run(_purge(url))} expired records")
            return 0
        return 0 if asyncio.run(_check(url)) else 1


if __name__ == "__main__":
    sys.exit(main())
