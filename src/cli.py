"""``flexfin``: the operator's command line.

flexfin serve        start the API (embedded PostgreSQL, migrated and seeded, when no
                     DATABASE_URL is set)
flexfin migrate      upgrade the database to the newest migration
flexfin seed-demo    add the demo data (idempotent)
flexfin check        check the database is reachable and migrated; exit 1 if not
flexfin purge-idempotency
                     delete expired idempotency records and used confirmation tokens
"""

import argparse
import asyncio
import contextlib
import dataclasses
import logging
import sys
from collections.abc import Iterator

from .settings import Settings, SettingsError

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


async def _seed(url: str) -> int:
    from .adapters.postgres.engine import create_engine
    from .adapters.postgres.unit_of_work import PostgresUnitOfWork
    from .demo import seed_demo
    from .domain.shared.clock import SystemClock

    engine = create_engine(url, pool_size=2)
    try:
        return await seed_demo(lambda: PostgresUnitOfWork(engine), SystemClock())
    finally:
        await engine.dispose()


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


async def _purge(url: str) -> int:
    from .adapters.postgres.engine import create_engine
    from .adapters.postgres.idempotency import purge_expired
    from .domain.shared.clock import SystemClock

    engine = create_engine(url, pool_size=1)
    try:
        return await purge_expired(engine, SystemClock().now())
    finally:
        await engine.dispose()


def serve(settings: Settings, migrate: bool | None, seed: bool | None) -> int:
    import uvicorn

    from .adapters.postgres.migrate import upgrade_to_head
    from .app import create_app

    embedded = settings.database_url is None
    if embedded and settings.is_production:
        log.error("DATABASE_URL is required when FLEXFIN_ENV=production")
        return 2
    with database(settings) as url:
        if migrate if migrate is not None else embedded:
            upgrade_to_head(url)
        if seed if seed is not None else embedded:
            asyncio.run(_seed(url))
        app = create_app(dataclasses.replace(settings, database_url=url))
        log.info("listening", extra={"url": f"http://{settings.host}:{settings.port}/graphql"})
        uvicorn.run(
            app,
            host=settings.host,
            port=settings.port,
            log_config=None,
            timeout_graceful_shutdown=settings.shutdown_grace_seconds,
            server_header=False,
        )
    return 0


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
    commands.add_parser("migrate", help="upgrade the database to the newest migration")
    commands.add_parser("seed-demo", help="add the demo data (idempotent)")
    commands.add_parser("check", help="is the database reachable and migrated?")
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
        return serve(settings, args.migrate, args.seed_demo)
    with database(settings) as url:
        if args.command == "migrate":
            from .adapters.postgres.migrate import upgrade_to_head

            upgrade_to_head(url)
            return 0
        if args.command == "seed-demo":
            print(f"added {asyncio.run(_seed(url))} demo records")
            return 0
        if args.command == "purge-idempotency":
            print(f"deleted {asyncio.run(_purge(url))} expired records")
            return 0
        return 0 if asyncio.run(_check(url)) else 1


if __name__ == "__main__":
    sys.exit(main())
