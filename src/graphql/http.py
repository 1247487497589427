"""GraphQL over HTTP (the GraphQL-over-HTTP specification, with its ``application/json``
legacy rules), on graphql-core directly so that status codes, caching and limits are ours.

- POST with ``Content-Type: application/json``; GET with URL parameters (queries only).
- ``Accept: application/graphql-response+json`` → request errors (parse, validation,
  variables) answer 400 with no ``data``; ``application/json`` (and ``*/*``, or no Accept)
  → 200. A malformed HTTP request (bad JSON, bad parameters) is 400 either way.
"""

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import strawberry
from graphql import (
    DocumentNode,
    ExecutionResult,
    GraphQLError,
    OperationType,
    get_operation_ast,
    parse,
    validate,
)
from graphql import execute as execute_document
from graphql.pyutils import is_awaitable
from starlette.requests import Request
from starlette.responses import Response

from ..auth.principal import Principal
from ..auth.tokens import Unauthenticated
from .errors import format_error
from .mutation_guard import Answer, MutationGuard, MutationRequest, encode
from .schema import graphql_core_schema

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
JSON = "application/json"
INVALID_TOKEN = 'Bearer error="invalid_token"'  # noqa: S105 - a header value, not a secret


class BadRequest(Exception):
    """The HTTP request is not a well-formed GraphQL-over-HTTP request."""

    def __init__(self, message: str, status: int = 400, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.headers = headers or {}


@dataclass(frozen=True, slots=True)
class GraphQLParams:
    query: str
    operation_name: str | None
    variables: dict[str, Any] | None
    extensions: dict[str, Any] | None


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


def _json_object(raw: str, name: str) -> dict[str, Any]:
    try:
        value = json.loads(raw)
    except ValueError:
        raise BadRequest(f"{name} is not valid JSON") from None
    if not isinstance(value, dict):
        raise BadRequest(f"{name} must be a JSON object")
    return value


def params_of(raw: dict[str, Any]) -> GraphQLParams:
    query = raw.get("query")
    operation_name = raw.get("operationName")
    variables = raw.get("variables")
    extensions = raw.get("extensions")
    if not isinstance(query, str) or not query.strip():
        raise BadRequest("the request needs a query string")
    if operation_name is not None and not isinstance(operation_name, str):
        raise BadRequest("operationName must be a string")
    if variables is not None and not isinstance(variables, dict):
        raise BadRequest("variables must be an object")
    if extensions is not None and not isinstance(extensions, dict):
        raise BadRequest("extensions must be an object")
    return GraphQLParams(query, operation_name, variables, extensions)


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
    return params_of(_json_object(text, "the request body"))


class GraphQLEndpoint:
    """The ``/graphql`` endpoint: one instance per app, a document cache shared by requests."""

    def __init__(
        self,
        schema: strawberry.Schema,
        make_context: Callable[[Request, Principal, bool], Any],
        request_id: Callable[[Request], str],
        authenticate: Callable[[Request], Principal],
        explorer: Callable[[Request], Awaitable[Response]] | None = None,
        document_cache_size: int = 1024,
        guard: MutationGuard | None = None,
    ) -> None:
        self._schema = graphql_core_schema(schema)
        self._strawberry = schema
        self._make_context = make_context
        self._authenticate = authenticate
        self._request_id = request_id
        self._explorer = explorer
        self._document = lru_cache(maxsize=document_cache_size)(self._parse_and_validate)
        self._guard = guard  # idempotency keys and second confirmation (ADR 0016)

    def _parse_and_validate(self, query: str) -> tuple[DocumentNode | None, list[GraphQLError]]:
        try:
            document = parse(query)
        except GraphQLError as error:
            return None, [error]
        errors = validate(self._schema, document)
        return (None, errors) if errors else (document, [])

    def _respond(
        self,
        body: dict[str, Any],
        status: int,
        media_type: str,
        headers: dict[str, str] | None = None,
    ) -> Response:
        return Response(
            encode(body),
            status_code=status,
            media_type=f"{media_type}; charset=utf-8",
            headers=headers,
        )

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
            return self._bad_request(error, media_type, request)
        try:
            principal = self._authenticate(request)
        except Unauthenticated as error:
            return self._bad_request(
                BadRequest(
                    error.message, 401, {"WWW-Authenticate": 'Bearer error="invalid_token"'}
                ),
                media_type,
                request,
                code=error.code,
            )
        return await self._execute(request, params, media_type, principal)

    async def _execute(
        self, request: Request, params: GraphQLParams, media_type: str, principal: Principal
    ) -> Response:
        request_id = self._request_id(request)
        request_error_status = 400 if media_type == GRAPHQL_RESPONSE_JSON else 200
        document, errors = self._document(params.query)
        if document is None:
            return self._respond(
                {"errors": [format_error(e, request_id) for e in errors]},
                request_error_status,
                media_type,
            )
        operation = get_operation_ast(document, params.operation_name)
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

        async def run(dry_run: bool) -> Answer:
            result = execute_document(
                self._schema,
                document,
                context_value=self._make_context(request, principal, dry_run),
                variable_values=params.variables,
                operation_name=params.operation_name,
                executor_class=self._strawberry.execution_context_class,
            )
            if is_awaitable(result):
                result = await result
            assert isinstance(result, ExecutionResult)
            formatted = [format_error(e, request_id) for e in result.errors or []]
            if result.data is None and all(e.path is None for e in result.errors or []):
                # Nothing was executed (variables failed to coerce, or no such operation).
                return Answer(request_error_status, {"errors": formatted})
            body: dict[str, Any] = {"data": result.data}
            if formatted:
                body["errors"] = formatted
            return Answer(200, body)

        if (
            self._guard is not None
            and operation is not None
            and operation.operation is OperationType.MUTATION
        ):
            answer = await self._guard.run(
                MutationRequest.of(
                    request,
                    principal,
                    self._schema,
                    document,
                    operation,
                    params,
                    self._guard.fingerprints,
                ),
                run,
            )
        else:
            answer = await run(False)
        return self._respond(answer.body, answer.status, media_type, answer.headers)
