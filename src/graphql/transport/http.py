"""GraphQL over HTTP (the GraphQL-over-HTTP specification, with its ``application/json``
legacy rules), on graphql-core directly so that status codes, caching and limits are ours.

- POST with ``Content-Type: application/json``; GET with URL parameters (queries only).
- ``Accept: application/graphql-response+json`` → request errors (parse, validation,
  variables) answer 400 with no ``data``; ``application/json`` (and ``*/*``, or no Accept)
  → 200. A malformed HTTP request (bad JSON, bad parameters) is 400 either way.
- One operation per request: a JSON array (a batch) is refused with ``BATCHING_NOT_SUPPORTED``.
- API limits (``limits.py``, ``throttle.py``): the document's static limits are cached with
  it; the query cost is charged to the caller's budget before execution and reported in
  ``extensions.cost`` (429 with ``Retry-After`` when the budget is short). JSON nesting deeper
  than ``MAX_JSON_DEPTH`` is refused before it is parsed (``JSON_TOO_DEEP``).
- The input boundary (``boundary.py``): every String and ID argument meets its text rule
  before anything runs (``INVALID_TEXT``, ``TOO_LONG``: a request error, nothing executed).
"""

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import lru_cache, partial
from typing import Any

import strawberry
from graphql import (
    DocumentNode,
    ExecutionResult,
    GraphQLError,
    OperationDefinitionNode,
    OperationType,
    get_operation_ast,
    validate,
)
from graphql import execute as execute_document
from graphql.pyutils import is_awaitable
from starlette.requests import Request
from starlette.responses import Response

from ...auth.principal import Principal
from ...auth.tokens import Unauthenticated
from ...controls.confirmation import preview
from ...domain.shared.clock import Clock
from ...domain.shared.errors import DomainError
from ..schema import graphql_core_schema
from ..schema.audit import audit_refusal
from ..schema.context import Context
from .boundary import text_refusals
from .errors import format_error
from .limits.document import DocumentLimits, checked_document
from .limits.nesting import MAX_JSON_DEPTH, json_depth
from .limits.throttle import Admission, QueryCosts, budget_key
from .mutation_guard import Answer, MutationGuard, MutationRequest, encode
from .permissions import denial_headers, denial_status, policy_rule
from .persisted import REFUSAL_STATUS, DocumentSource

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
JSON = "application/json"
GUARD_CODES = ("IDEMPOTENCY_", "IDEMPOTENT_", "CONFIRMATION_", "PREVIEW_")
INVALID_TOKEN = 'Bearer error="invalid_token"'  # noqa: S105 - a header value, not a secret


class BadRequest(Exception):
    """The HTTP request is not a well-formed GraphQL-over-HTTP request."""

    def __init__(
        self,
        message: str,
        status: int = 400,
        headers: dict[str, str] | None = None,
        code: str = "BAD_REQUEST",
    ):
        super().__init__(message)
        self.status = status
        self.headers = headers or {}
        self.code = code


@dataclass(frozen=True, slots=True)
class GraphQLParams:
    query: str | None
    """None only when the request names a stored document (see ``persisted.py``)."""
    operation_name: str | None
    variables: dict[str, Any] | None
    extensions: dict[str, Any] | None
    document_id: str | None = None


def negotiate(accept: str | None) -> str | None:
    """The response media type for an ``Accept`` header, or None when none is acceptable."""
    if not accept:
        return JSON
    best: tuple[float, int, str] | None = None
    for rank, part in enumerate(accept.split(",")):
        media, *params = (piece.strip() for piece in part.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        media = media.lower()
        offered = {GRAPHQL_RESPONSE_JSON: GRAPHQL_RESPONSE_JSON, JSON: JSON}.get(media)
        if offered is None and media in ("*/*", "application/*"):
            offered = JSON
        if offered is None or quality <= 0:
            continue
        candidate = (quality, -rank, offered)
        if best is None or candidate > best:
            best = candidate
    return None if best is None else best[2]


def _json_object(raw: str, name: str, batch: bool = False) -> dict[str, Any]:
    if json_depth(raw) > MAX_JSON_DEPTH:
        raise BadRequest(
            f"{name} nests more than {MAX_JSON_DEPTH} levels deep", code="JSON_TOO_DEEP"
        )
    try:
        value = json.loads(raw)
    except ValueError:
        raise BadRequest(f"{name} is not valid JSON") from None
    if batch and isinstance(value, list):
        raise BadRequest(
            "batching is not supported: send one operation per request",
            code="BATCHING_NOT_SUPPORTED",
        )
    if not isinstance(value, dict):
        raise BadRequest(f"{name} must be a JSON object")
    return value


def params_of(raw: dict[str, Any]) -> GraphQLParams:
    query = raw.get("query")
    operation_name = raw.get("operationName")
    variables = raw.get("variables")
    extensions = raw.get("extensions")
    document_id = raw.get("documentId")
    names_stored_document = document_id is not None or (
        isinstance(extensions, dict) and "persistedQuery" in extensions
    )
    query_needed = query is not None or not names_stored_document
    if query_needed and (not isinstance(query, str) or not query.strip()):
        raise BadRequest("the request needs a query string")
    if document_id is not None and not isinstance(document_id, str):
        raise BadRequest("documentId must be a string")
    if operation_name is not None and not isinstance(operation_name, str):
        raise BadRequest("operationName must be a string")
    if variables is not None and not isinstance(variables, dict):
        raise BadRequest("variables must be an object")
    if extensions is not None and not isinstance(extensions, dict):
        raise BadRequest("extensions must be an object")
    return GraphQLParams(query, operation_name, variables, extensions, document_id)


async def read_params(request: Request) -> GraphQLParams:
    if request.method == "GET":
        raw: dict[str, Any] = dict(request.query_params)
        for name in ("variables", "extensions"):
            if name in raw:
                raw[name] = _json_object(raw[name], name)
        return params_of(raw)
    content_type = request.headers.get("content-type")
    if content_type is None:
        raise BadRequest("POST needs Content-Type: application/json", status=415)
    media, *params = (piece.strip().lower() for piece in content_type.split(";"))
    if media != JSON:
        raise BadRequest("POST needs Content-Type: application/json", status=415)
    for param in params:
        name, _, value = param.partition("=")
        if name == "charset" and value.strip('"') not in ("utf-8", "utf8"):
            raise BadRequest("requests must be encoded in UTF-8", status=415)
    body = await request.body()
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest("the body is not UTF-8") from None
    return params_of(_json_object(text, "the request body", batch=True))


class GraphQLEndpoint:
    """The ``/graphql`` endpoint: one instance per app, a document cache shared by requests."""

    def __init__(
        self,
        schema: strawberry.Schema,
        make_context: Callable[[Request, Principal], Context],
        request_id: Callable[[Request], str],
        authenticate: Callable[[Request], Awaitable[Principal]],
        clock: Clock,
        costs: QueryCosts,
        limits: DocumentLimits,
        documents: DocumentSource,
        explorer: Callable[[Request], Awaitable[Response]] | None = None,
        document_cache_size: int = 1024,
        persisted_get_max_age: int = 0,
        guard: MutationGuard | None = None,
    ) -> None:
        self._schema = graphql_core_schema(schema)
        self._strawberry = schema
        self._make_context = make_context
        self._authenticate = authenticate
        self._clock = clock
        self._request_id = request_id
        self._explorer = explorer
        self._costs = costs
        self._documents = documents
        self._persisted_get_max_age = persisted_get_max_age
        self._guard = guard  # idempotency keys and second confirmation (ADR 0016)
        self._hide_suggestions = not limits.suggestions
        self._document = lru_cache(maxsize=document_cache_size)(
            partial(checked_document, self._schema, limits)
        )

    def _respond(
        self,
        body: dict[str, Any],
        status: int,
        media_type: str,
        admission: Admission | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        if admission is not None:
            body["extensions"] = admission.extensions
            headers = {**admission.headers, **(headers or {})}
        return Response(
            encode(body),
            status_code=status,
            media_type=f"{media_type}; charset=utf-8",
            headers=headers,
        )

    def _refuse(
        self,
        errors: list[GraphQLError],
        status: int,
        media_type: str,
        request_id: str,
        admission: Admission,
        headers: dict[str, str] | None = None,
    ) -> Response:
        """Errors that keep the operation from running: nothing executed, no ``data``."""
        body = {"errors": [format_error(e, request_id) for e in errors]}
        return self._respond(body, status, media_type, admission, headers)

    def _bad_request(
        self, error: BadRequest, media_type: str, request: Request, code: str = "BAD_REQUEST"
    ) -> Response:
        body = {"errors": [{"message": str(error), "extensions": {"code": code}}]}
        response = self._respond(body, error.status, media_type)
        response.headers.update(error.headers)
        return response

    async def handle(self, request: Request) -> Response:
        accept = request.headers.get("accept")
        if (
            self._explorer is not None
            and request.method == "GET"
            and "query" not in request.query_params
            and "text/html" in (accept or "")
        ):
            return await self._explorer(request)
        media_type = negotiate(accept)
        if media_type is None:
            return self._bad_request(
                BadRequest(f"can answer {GRAPHQL_RESPONSE_JSON} or {JSON} only", 406),
                JSON,
                request,
            )
        try:
            params = await read_params(request)
        except BadRequest as error:
            return self._bad_request(error, media_type, request, code=error.code)
        try:
            principal = await self._authenticate(request)
        except Unauthenticated as error:
            return self._bad_request(
                BadRequest(error.message, 401, {"WWW-Authenticate": INVALID_TOKEN}),
                media_type,
                request,
                code=error.code,
            )
        response = await self._execute(request, params, media_type, principal)
        if request.method == "GET":
            response.headers.setdefault("Cache-Control", "no-store")
            response.headers["Vary"] = "Accept, Authorization"
        return response

    async def _execute(
        self, request: Request, params: GraphQLParams, media_type: str, principal: Principal
    ) -> Response:
        request_id = self._request_id(request)
        request_error_status = 400 if media_type == GRAPHQL_RESPONSE_JSON else 200
        try:
            source = await self._documents.source(
                params.query,
                params.document_id,
                params.extensions,
                principal,
                request.client.host if request.client else None,
            )
        except DomainError as error:
            status = REFUSAL_STATUS.get(error.code, request_error_status)
            headers = {"WWW-Authenticate": INVALID_TOKEN} if status == 401 else None
            refusal = BadRequest(error.message, status, headers)
            return self._bad_request(refusal, media_type, request, code=error.code)
        document, errors = self._document(source.query)
        operation = None if document is None else get_operation_ast(document, params.operation_name)
        if (
            request.method == "GET"
            and operation is not None
            and (operation.operation is not OperationType.QUERY)
        ):
            return self._bad_request(
                BadRequest("only queries may be sent with GET", 405, {"Allow": "POST"}),
                media_type,
                request,
            )
        admission = await self._costs.admit(
            budget_key(principal, request), document, params.operation_name, params.variables
        )
        if admission.refusal is not None:
            errors = [admission.refusal]
        if document is None or errors:
            status = admission.status or request_error_status
            return self._refuse(errors, status, media_type, request_id, admission)
        denied = validate(self._schema, document, [policy_rule(principal, self._clock.now())])
        if denied:
            if operation is not None:
                context = self._make_context(request, principal)
                await audit_refusal(context, self._schema, document, operation, denied)
            status, headers = denial_status(denied), denial_headers(denied)
            return self._refuse(denied, status, media_type, request_id, admission, headers)
        if operation is not None and (
            refused := text_refusals(self._schema, document, operation, params.variables)
        ):
            return self._refuse(refused, request_error_status, media_type, request_id, admission)
        await self._documents.register(source)

        async def run(dry_run: bool) -> Answer:
            with preview(dry_run):
                result = execute_document(
                    self._schema,
                    document,
                    context_value=self._make_context(request, principal),
                    variable_values=params.variables,
                    operation_name=params.operation_name,
                    executor_class=self._strawberry.execution_context_class,
                    hide_suggestions=self._hide_suggestions,
                )
                if is_awaitable(result):
                    result = await result
            assert isinstance(result, ExecutionResult)
            formatted = [format_error(e, request_id) for e in result.errors or []]
            costs = {"extensions": admission.extensions}
            if result.data is None and all(e.path is None for e in result.errors or []):
                # Nothing was executed (variables failed to coerce, or no such operation).
                return Answer(request_error_status, {"errors": formatted, **costs})
            body: dict[str, Any] = {"data": result.data}
            if formatted:
                body["errors"] = formatted
            return Answer(200, {**body, **costs})

        if (
            self._guard is not None
            and operation is not None
            and operation.operation is OperationType.MUTATION
        ):
            request_for_guard = MutationRequest.of(
                request,
                principal,
                self._schema,
                document,
                operation,
                params,
                self._guard.fingerprints,
            )
            answer = await self._guard.run(request_for_guard, run)
            await self._audit_guard_refusal(request, principal, document, operation, answer)
        else:
            answer = await run(False)
        response = self._respond(
            answer.body, answer.status, media_type, headers={**admission.headers, **answer.headers}
        )
        if source.by_hash and "errors" not in answer.body and self._shared_caches_may_keep(request):
            response.headers["Cache-Control"] = f"public, max-age={self._persisted_get_max_age}"
        return response

    async def _audit_guard_refusal(
        self,
        request: Request,
        principal: Principal,
        document: DocumentNode,
        operation: OperationDefinitionNode,
        answer: Answer,
    ) -> None:
        """A mutation the guard refused before it ran (no key, no confirmation …) is recorded
        like one the policy refused (SEC-07)."""
        if "data" in answer.body:
            return
        refusals = [
            GraphQLError(error["message"], extensions=error["extensions"])
            for error in answer.body.get("errors", [])
            if str(error.get("extensions", {}).get("code", "")).startswith(GUARD_CODES)
        ]
        if refusals:
            context = self._make_context(request, principal)
            await audit_refusal(context, self._schema, document, operation, refusals)

    def _shared_caches_may_keep(self, request: Request) -> bool:
        """Only a GET without credentials: the answer is then the same for everyone (ADR 0012)."""
        return (
            request.method == "GET"
            and self._persisted_get_max_age > 0
            and "authorization" not in request.headers
        )
