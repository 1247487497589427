"""One convention for every error the API returns (docs/api.md):

- a rule the caller broke → a GraphQL error whose ``extensions.code`` is stable
  (``INVALID_ID_NUMBER``, ``NOT_FOUND`` …) and whose ``extensions.field`` names the input;
- a malformed document or variables → ``GRAPHQL_PARSE_FAILED``,
  ``GRAPHQL_VALIDATION_FAILED`` or ``BAD_USER_INPUT``;
- anything else → ``INTERNAL_SERVER_ERROR`` with the request id; details only in the log
  line (which carries the request id), and the failure counted (``/metrics``).
"""

import logging
from typing import Any

from graphql import GraphQLError, GraphQLSyntaxError
from strawberry.utils.str_converters import to_camel_case

from ...domain.shared.errors import DomainError
from ...logs import log_internal_error

log = logging.getLogger(__name__)


def camel_path(field: str) -> str:
    return ".".join(to_camel_case(part) for part in field.split("."))


def _with_extensions(
    error: GraphQLError, extensions: dict[str, Any], message: str
) -> dict[str, Any]:
    formatted: dict[str, Any] = dict(error.formatted)
    formatted["message"] = message
    formatted["extensions"] = extensions
    return formatted


def format_error(error: GraphQLError, request_id: str) -> dict[str, Any]:
    original = error.original_error
    if isinstance(original, DomainError):
        extensions: dict[str, Any] = {"code": original.code}
        if original.field:
            extensions["field"] = camel_path(original.field)
        return _with_extensions(error, extensions, original.message)
    if original is not None and error.path is not None and not isinstance(original, GraphQLError):
        log_internal_error(
            log, "unexpected error in a resolver", original, request_id, path=error.path
        )
        return _with_extensions(
            error,
            {"code": "INTERNAL_SERVER_ERROR", "requestId": request_id},
            "Internal server error",
        )
    extensions = dict(error.extensions or {})
    extensions.setdefault("code", request_error_code(error))
    return _with_extensions(error, extensions, error.message)


def request_error_code(error: GraphQLError) -> str:
    """Errors without a resolver behind them come from parsing, validation or variables."""
    if isinstance(error, GraphQLSyntaxError):
        return "GRAPHQL_PARSE_FAILED"
    if error.path is None and error.message.startswith("Variable"):
        return "BAD_USER_INPUT"
    if error.path is None:
        return "GRAPHQL_VALIDATION_FAILED"
    return "BAD_USER_INPUT"
