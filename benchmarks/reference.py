"""The reference: a plain Starlette app whose routes each run one hand-written asyncpg query
that builds the whole answer with ``json_agg`` — the same JSON as Flexfin's ``data`` — and
nothing else: no authentication, no cost accounting, no audit. Sealed columns come out as hex
and are decrypted with the app's ``FieldCipher`` and masked in Python: work Flexfin must do too.

The pool's reset on release is a no-op (the routes only read), so a request is one round trip.

Run: ``DATABASE_URL=… uvicorn benchmarks.reference:create_app --factory``."""

import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID

import asyncpg
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from src.adapters.crypto import FieldCipher
from src.settings import Settings

from .cases import CASES, Listing
from .database import dsn


def _base64url(prefix: str) -> str:
    """SQL for the API's global ids and cursors: unpadded base64url of ``prefix:uuid``."""
    encoded = f"encode(convert_to('{prefix}:' || id, 'UTF8'), 'base64')"
    return f"rtrim(translate({encoded}, '+/', '-_'), '=')"


def listing_sql(listing: Listing) -> str:
    """One statement: the first ``$1`` rows plus one (for ``hasNextPage``) and the answer."""
    pairs = [
        f"'id', {_base64url(listing.type_name)}",
        *(f"'{name}', {sql}" for name, sql in listing.fields.items()),
        *(f"'{name}', encode({column}, 'hex')" for name, (column, _) in listing.sealed.items()),
        *(["'_row', id"] if listing.sealed else []),
    ]
    return f"""
WITH page AS (
    SELECT *, row_number() OVER (ORDER BY id) AS n
    FROM (SELECT * FROM {listing.table} ORDER BY id LIMIT $1::int + 1) AS rows
)
SELECT json_build_object('data', json_build_object('{listing.root}', json_build_object(
    'nodes', coalesce(
        (SELECT json_agg(json_build_object({", ".join(pairs)}) ORDER BY id)
         FROM page WHERE n <= $1::int),
        '[]'),
    'pageInfo', json_build_object(
        'hasNextPage', (SELECT count(*) FROM page) > $1::int,
        'endCursor', (SELECT {_base64url("cursor")} FROM page WHERE n <= $1::int
                      ORDER BY n DESC LIMIT 1)))))::text
"""  # noqa: S608 - built from the constants in cases.py, no input


async def _no_reset(connection: asyncpg.Connection) -> None:
    """Read-only routes leave no session state behind: skip asyncpg's reset query."""


def create_app(settings: Settings | None = None) -> Starlette:
    """The reference app on ``settings`` (default: the environment's, as Flexfin reads it)."""
    settings = settings or Settings.from_env()
    assert settings.database_url, "DATABASE_URL must be set"
    cipher = FieldCipher(settings.pii_keys, settings.pii_hash_key)
    pool: asyncpg.Pool[Any] | None = None

    def route(listing: Listing) -> Any:
        sql = listing_sql(listing)
        path = ("data", listing.root, "nodes")

        async def answer(request: Request) -> Response:
            assert pool is not None
            body: str = await pool.fetchval(sql, int(request.query_params.get("first", "20")))
            if not listing.sealed:
                return Response(body, media_type="application/json")
            answer = json.loads(body)
            for node in answer[path[0]][path[1]][path[2]]:
                row = UUID(node.pop("_row"))
                for name, (column, mask) in listing.sealed.items():
                    field = f"{listing.table}.{column}"
                    plain = cipher.decrypt(bytes.fromhex(node[name]), field=field, row=row)
                    node[name] = mask(plain)
            return JSONResponse(answer)

        return answer

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        nonlocal pool
        size = settings.db_pool_size
        pool = await asyncpg.create_pool(
            dsn(settings.database_url or ""), min_size=size, max_size=size, reset=_no_reset
        )
        try:
            yield
        finally:
            await pool.close()

    return Starlette(
        routes=[
            Route("/healthz", healthz),
            *(Route(f"/{case.key}", route(case.listing)) for case in CASES),
        ],
        lifespan=lifespan,
    )
