"""The composition root: builds the ASGI app from Settings and picks the adapters."""

import contextlib
import hashlib
import hmac
import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from uuid import UUID

from graphql import GraphQLSchema
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from .adapters.crypto import FieldCipher
from .adapters.postgres.audit import PostgresAuditLog, audit_commits
from .adapters.postgres.cost_budgets import PostgresCostBudgets
from .adapters.postgres.database import Database
from .adapters.postgres.engine import create_engine
from .adapters.postgres.idempotency import (
    PostgresConfirmationUses,
    PostgresIdempotencyRecords,
    discard_previews,
)
from .adapters.postgres.identity import PostgresIdentityUnitOfWork
from .adapters.postgres.migrate import current_revision, head_revision
from .adapters.postgres.parties import PostgresPartiesUnitOfWork, PostgresPartiesViews
from .adapters.postgres.partners import PostgresPartnerRegistry
from .adapters.postgres.persisted import PostgresPersistedDocuments
from .auth import service
from .auth.challenges import Challenges
from .auth.grants import ROLE_GRANTS
from .auth.lockout import LockoutPolicy
from .auth.passwords import Passwords
from .auth.ports import IDENTITY, IDENTITY_READS
from .auth.principal import Principal
from .auth.rules import IDENTITY_RULES, IdentityRules
from .auth.tokens import AccessTokens, SigningKey
from .controls.audit import AUDIT_LOG
from .controls.budget import BudgetPolicy
from .controls.confirmation import ConfirmationTokens
from .controls.idempotency import Fingerprints, Idempotency
from .domain.parties.ports import PARTIES, PARTIES_VIEWS
from .domain.shared.clock import Clock, SystemClock
from .domain.shared.errors import DomainError
from .domain.shared.wiring import Wiring
from .graphql.schema import build_schema, graphql_core_schema
from .graphql.schema.context import Context
from .graphql.transport.authentication import bearer_authenticator
from .graphql.transport.explorer import ASSETS_URL, assets_app, explorer_page
from .graphql.transport.http import GraphQLEndpoint
from .graphql.transport.limits.document import DocumentLimits
from .graphql.transport.limits.throttle import QueryCosts
from .graphql.transport.mutation_guard import MutationGuard
from .graphql.transport.persisted import DocumentSource
from .logs import log_internal_error, metrics_text
from .settings import Settings
from .web.middleware import BodyLimitMiddleware, RequestIdMiddleware
from .web.oauth import PartnerAuthorizationServer

log = logging.getLogger(__name__)


def request_id(request: Request) -> str:
    return str(request.scope["state"]["request_id"])


def identity_rules(
    settings: Settings, clock: Clock, challenges: Challenges | None = None
) -> IdentityRules:
    active_key = settings.token_keys[0][1]
    window = timedelta(minutes=settings.lockout_window_minutes)
    return IdentityRules(
        passwords=Passwords(),
        tokens=AccessTokens(
            tuple(SigningKey(kid, secret) for kid, secret in settings.token_keys),
            timedelta(seconds=settings.access_token_seconds),
        ),
        challenges=challenges
        or Challenges(hmac.new(active_key, b"login challenges", hashlib.sha256).digest()),
        clock=clock,
        account_lockout=LockoutPolicy(
            max_failures=settings.lockout_max_failures,
            window=window,
            base_lock=timedelta(minutes=settings.lockout_minutes),
        ),
        ip_lockout=LockoutPolicy(
            max_failures=settings.ip_max_failures, window=window, challenge_after=None
        ),
    )


def api_costs(
    settings: Settings, schema: GraphQLSchema, database: Database, clock: Clock
) -> QueryCosts:
    """Query costs charged to per-principal budgets in PostgreSQL (ADR 0014)."""
    policy = BudgetPolicy(maximum=settings.cost_budget, restore_rate=settings.cost_restore_rate)
    return QueryCosts(schema, PostgresCostBudgets(database, policy), clock, settings.max_query_cost)


def database_of(engine: AsyncEngine, settings: Settings) -> Database:
    """The database with the cross-cutting concerns every unit of work gets: previews keep
    nothing (ADR 0016), audited operations append their record as they commit (SEC-07)."""
    cipher = FieldCipher(settings.pii_keys, settings.pii_hash_key)
    return Database(engine, cipher, openers=(discard_previews, audit_commits))


def wiring(
    settings: Settings, database: Database, clock: Clock, challenges: Challenges | None = None
) -> Wiring:
    """What each port is plugged into."""

    def identity() -> PostgresIdentityUnitOfWork:
        return PostgresIdentityUnitOfWork(database)

    return Wiring(
        {
            PARTIES: lambda: PostgresPartiesUnitOfWork(database),
            PARTIES_VIEWS: PostgresPartiesViews(database),
            IDENTITY: identity,
            IDENTITY_READS: lambda: PostgresIdentityUnitOfWork(database, reading=True),
            IDENTITY_RULES: identity_rules(settings, clock, challenges),
            ROLE_GRANTS: identity,
            AUDIT_LOG: PostgresAuditLog(database),
        }
    )


def create_app(
    settings: Settings, clock: Clock | None = None, challenges: Challenges | None = None
) -> Starlette:
    """The app for ``settings.database_url`` (which must be set: the CLI starts the embedded
    server first when it is not). ``clock`` and ``challenges`` are for tests."""
    if settings.database_url is None:
        raise ValueError("create_app needs settings.database_url")
    engine = create_engine(settings.database_url, pool_size=settings.db_pool_size)
    the_clock = clock or SystemClock()
    database = database_of(engine, settings)
    wired = wiring(settings, database, the_clock, challenges)
    rules = wired[IDENTITY_RULES]
    signing_keys = tuple(SigningKey(kid, secret) for kid, secret in settings.token_keys)

    def make_context(request: Request, principal: Principal) -> Context:
        return Context(request, request_id(request), principal, the_clock, wired)

    guard = MutationGuard(
        Idempotency(
            PostgresIdempotencyRecords(database),
            ttl=timedelta(hours=settings.idempotency_ttl_hours),
            lease=timedelta(seconds=settings.idempotency_lease_seconds),
        ),
        ConfirmationTokens(signing_keys, timedelta(seconds=settings.confirmation_token_seconds)),
        PostgresConfirmationUses(database),
        Fingerprints(signing_keys[0]),
        the_clock,
    )

    partners = PostgresPartnerRegistry(database)
    documents = DocumentSource(
        PostgresPersistedDocuments(database),
        partners,
        max_document_bytes=settings.persisted_query_max_bytes,
    )

    async def session_active(session_id: UUID) -> bool:
        """The per-request session check: one read, without a transaction."""
        return await service.is_session_active(session_id, wired[IDENTITY_READS](), the_clock)

    authenticate = bearer_authenticator(rules.tokens, the_clock, session_active)
    schema = build_schema()
    graphql = GraphQLEndpoint(
        schema,
        make_context,
        request_id,
        authenticate,
        the_clock,
        costs=api_costs(settings, graphql_core_schema(schema), database, the_clock),
        limits=DocumentLimits(
            max_depth=settings.max_query_depth,
            max_aliases=settings.max_aliases,
            max_tokens=settings.max_tokens,
            introspection=not settings.is_production,
            suggestions=not settings.is_production,
        ),
        documents=documents,
        explorer=None if settings.is_production else explorer_page,
        persisted_get_max_age=settings.persisted_get_max_age,
        guard=guard,
    )
    oauth = PartnerAuthorizationServer(partners, rules.tokens, the_clock)

    async def logout(request: Request) -> Response:
        """SEC-09 sign-out outside GraphQL, for every role (read-only roles run no mutation)."""
        try:
            principal = await authenticate(request)
            await service.logout(wired[IDENTITY](), the_clock, principal)
        except DomainError as error:
            return JSONResponse(
                {"errors": [{"message": error.message, "extensions": {"code": error.code}}]},
                401,
                headers={"WWW-Authenticate": "Bearer"},
            )
        return Response(status_code=204)

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

    async def metrics(request: Request) -> Response:
        """Prometheus text format: ``flexfin_internal_errors_total`` (docs/api.md)."""
        return PlainTextResponse(metrics_text(), media_type="text/plain; version=0.0.4")

    async def server_error(request: Request, error: Exception) -> Response:
        """Outside the request-id middleware: put the id on the log line and the response."""
        request_id = request.scope.get("state", {}).get("request_id")
        log_internal_error(log, "unhandled error", error, request_id)
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
            async with partners.kept_in_memory():
                yield
        finally:
            await engine.dispose()
            log.info("stopped")

    return Starlette(
        routes=[
            Route("/graphql", database.scoped(graphql.handle), methods=["GET", "POST"]),
            Route("/logout", database.scoped(logout), methods=["POST"]),
            Route("/oauth/token", database.scoped(oauth.token), methods=["POST"]),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/metrics", metrics),
            Mount(ASSETS_URL, assets_app()),
        ],
        middleware=[
            *(
                [Middleware(ProxyHeadersMiddleware, trusted_hosts=list(settings.trusted_proxies))]
                if settings.trusted_proxies
                else []
            ),
            Middleware(RequestIdMiddleware),
            Middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes),
        ],
        exception_handlers={500: server_error},
        lifespan=lifespan,
    )
