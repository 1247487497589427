"""Structured JSON logs, one object per line, each with the request id of its request; and
the count of internal errors, which ``/metrics`` reports (docs/api.md, SEC-11 monitoring)."""

import contextvars
import json
import logging
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "request_id", default=None
)


@dataclass(slots=True)
class Count:
    value: int = 0


internal_errors = Count()
"""Internal errors logged by this process since it started."""

_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = request_id_var.get()
        if request_id is not None:
            entry["request_id"] = request_id
        entry.update({key: value for key, value in record.__dict__.items() if key not in _STANDARD})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)


def log_internal_error(
    logger: logging.Logger, message: str, error: BaseException, request_id: str | None, **extra: Any
) -> None:
    """Our fault: log ``error`` with its traceback and the request id, and count it."""
    internal_errors.value += 1
    logger.error(
        message,
        exc_info=(type(error), error, error.__traceback__),
        extra={"request_id": request_id, **extra},
    )


def metrics_text() -> str:
    """The metrics in the Prometheus text exposition format (version 0.0.4)."""
    return (
        "# HELP flexfin_internal_errors_total Internal server errors since the process started.\n"
        "# TYPE flexfin_internal_errors_total counter\n"
        f"flexfin_internal_errors_total {internal_errors.value}\n"
    )
