"""The composition root: builds the ASGI app from Settings and picks the adapters."""

import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import timedelta

from sqlalchemy import text
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route

from .adapters.postgres.engine import create_engine
from .adapters.postgres.idempotency import PostgresConfirmationUses, PostgresIdempotencyRecords
from .adapters.postgres.migrate import current_revision, head_revision
from .adapters.postgres.unit_of_work import PostgresUnitOfWork
from .auth.confirmation import ConfirmationTokens
from .auth.idempotency import Fingerprints, Idempotency
from .auth.principal import Principal
from .auth.tokens import AccessTokens, SigningKey
from .domain.shared.clock import Clock, SystemClock
from .graphql.authentication import bearer_authenticator
from .graphql.context import Context
from .graphql.explorer import ASSETS_URL, assets_app, explorer_page
from .graphql.http import GraphQLEndpoint
from .graphql.mutation_guard import MutationGuard
from .graphql.schema import build_schema
from .middleware import BodyLimitMiddleware, RequestIdMiddleware
from .settings import Settings

log = logging.getLogger(__name__)


def request_id(request: Request) -> str:
    return str(request.scope["state"]["request_id"])


def create_app(settings: Settings, clock: Clock | None = None) -> Starlette:
    """The app for ``settings.database_url`` (which must be set: the CLI starts the embedded
    server first when it is not)."""
    if settings.database_url is None:
        raise ValueError("create_app needs settings.database_url")
    engine = create_engine(settings.database_url, pool_size=settings.db_pool_size)
    the_clock = clock or SystemClock()

    signing_keys = tuple(SigningKey(kid, secret) for kid, secret in settings.token_keys)
    tokens = AccessTokens(signing_keys, timedelta(seconds=settings.access_token_seconds))

    def make_context(request: Request, principal: Principal, dry_run: bool) -> Context:
        return Context(
            request=request,
            request_id=request_id(request),
            principal=principal,
            unit_of_work=lambda: PostgresUnitOfWork(engine, dry_run=dry_run),
            clock=the_clock,
        )

    guard = MutationGuard(
        Idempotency(
            PostgresIdempotencyRecords(engine),
            ttl=timedelta(hours=settings.idempotency_ttl_hours),
            lease=timedelta(seconds=settings.idempotency_lease_seconds),
        ),
        ConfirmationTokens(signing_keys, timedelta(seconds=settings.confirmation_token_seconds)),
        PostgresConfirmationUses(engine),
        Fingerprints(signing_keys[0]),
        the_clock,
    )

    graphql = GraphQLEndpoint(
        build_schema(),
        make_context,
        request_id,
        bearer_authenticator(tokens, the_clock),
        explorer=None if settings.is_production else explorer_page,
        guard=guard,
    )

    async def healthz(request: Request) -> Response:
        """The process is alive and serving."""
        return JSONResponse({"status": "ok"})

    async def readyz(request: Request) -> Response:
        """The database answers and its schema is at the newest migration."""
        try:
            async with engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
            revision = await current_revision(engine)
        except Exception:
            log.warning("readiness check failed", exc_info=True)
            return JSONResponse({"status": "unavailable", "database": "unreachable"}, 503)
        head = head_revision()
        if revision != head:
            return JSONResponse(
                {"status": "unavailable", "migration": revision, "expected": head}, 503
            )
        return JSONResponse({"status": "ok", "migration": revision})

    async def server_error(request: Request, error: Exception) -> Response:
        """Outside the request-id middleware: put the id on the response here too."""
        request_id = request.scope.get("state", {}).get("request_id")
        return JSONResponse(
            {
                "errors": [
                    {
                        "message": "Internal server error",
                        "extensions": {
                            "code": "INTERNAL_SERVER_ERROR",
                            "requestId": request_id,
                        },
                    }
                ]
            },
            status_code=500,
            headers={"X-Request-ID": request_id} if request_id else None,
        )

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        log.info("serving", extra={"environment": settings.environment})
        try:
            yield
        finally:
            await engine.dispose()
            log.info("stopped")

    return Starlette(
        routes=[
            Route("/graphql", graphql.handle, methods=["GET", "POST"]),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Mount(ASSETS_URL, assets_app()),
        ],
        middleware=[
            Middleware(RequestIdMiddleware),
            Middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes),
        ],
        exception_handlers={500: server_error},
        lifespan=lifespan,
    )
