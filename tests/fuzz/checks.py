"""The one verdict every fuzz request gets, and the tally of what was sent and answered."""

import json
import re
import textwrap
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

LEAKS = re.compile(
    "|".join(
        (
            r"Traceback \(most recent call last\)",
            r'File "[^"]*", line \d+',
            r"\b[\w/.-]+\.py\b",
            r"\b[A-Z]\w+(?:Error|Exception|Warning)\b[(:]",
            r"<[\w.]+ object at 0x[0-9a-f]+>",
            r"\b(?:sqlalchemy|asyncpg|starlette|strawberry|graphql\.\w+|argon2|pyotp|stdnum)\b",
            r"invalid literal for \w+\(\)|object has no attribute|unsupported operand",
            r"'NoneType'|codec can't (?:en|de)code|takes \d+ positional",
        )
    )
)
"""Signs of a Python exception in an answer: a traceback, file names, exception reprs, module
names, the stock messages of built-in exceptions. Only text the request did not itself carry
counts: validation errors quote the caller's document and values back, legitimately."""


def check(response: httpx.Response) -> None:
    """Fail on a 5xx, an ``INTERNAL_SERVER_ERROR`` anywhere in the errors, an error without an
    ``extensions.code``, or exception text in the errors (or anywhere in a non-JSON body)."""
    request = _request_text(response.request)
    where = f"{response.request.method} {str(response.request.url)[:200]} → {response.status_code}"
    excerpt = response.text[:2000]
    assert response.status_code < 500, f"{where}: {excerpt}"
    try:
        body: Any = response.json()
    except ValueError:
        body = None
    errors = body.get("errors", []) if isinstance(body, dict) else []
    codes = [(error.get("extensions") or {}).get("code") for error in errors]
    assert "INTERNAL_SERVER_ERROR" not in codes, f"{where}: {excerpt}"
    assert None not in codes, f"{where}: an error without extensions.code: {excerpt}"
    scanned = json.dumps(errors, ensure_ascii=False) if body is not None else response.text
    leaked = [m.group() for m in LEAKS.finditer(scanned) if m.group() not in request]
    assert not leaked, f"{where}: exception text {leaked} in {excerpt}"


def _request_text(request: httpx.Request) -> str:
    """What the caller sent, as the server may quote it back (JSON escapes decoded too)."""
    raw = request.content.decode("utf-8", "replace")
    try:
        decoded = json.dumps(json.loads(raw), ensure_ascii=False)
    except (ValueError, RecursionError):  # not JSON, or nested too deep for Python's codec
        decoded = ""
    return f"{httpx.QueryParams(request.url.query)} {request.url} {raw} {decoded}"


class Tally:
    """Requests sent per root field and caller, answers per status and code."""

    def __init__(self) -> None:
        self.fields: Counter[str] = Counter()
        self.callers: Counter[str] = Counter()
        self.answers: Counter[str] = Counter()

    def record(self, fields: list[str], caller: str, response: httpx.Response) -> None:
        self.fields.update(fields)
        self.callers[caller] += 1
        try:
            errors = response.json().get("errors") or [{}]
        except (ValueError, AttributeError):
            errors = [{}]
        codes = {(error.get("extensions") or {}).get("code", "-") for error in errors}
        self.answers.update(f"{response.status_code} {code}" for code in codes)

    def report(self) -> str:
        lines = [f"fuzz: {self.callers.total()} requests checked"]
        for title, counts in (
            ("root field", self.fields),
            ("caller", self.callers),
            ("answer", self.answers),
        ):
            listed = ", ".join(f"{name} {count}" for name, count in sorted(counts.items()))
            lines += textwrap.wrap(f"by {title}: {listed}", 100, subsequent_indent="    ")
        return "\n".join(lines)

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.report() + "\n", encoding="utf-8")


TALLY = Tally()
"""One per test run: the fuzz conftest prints it at the end and writes var/fuzz-summary.txt."""
