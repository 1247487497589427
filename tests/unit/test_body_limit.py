"""The body limit reads Content-Length as HTTP defines it: ASCII digits only (issue 6)."""

import pytest
from starlette.types import Message, Receive, Scope, Send

from src.web.middleware import BodyLimitMiddleware


async def answer(content_length: bytes) -> int:
    """The status the middleware answers a POST declaring ``content_length`` with."""
    sent: list[Message] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    scope: Scope = {
        "type": "http",
        "method": "POST",
        "headers": [(b"content-length", content_length)],
    }
    await BodyLimitMiddleware(app, max_bytes=10)(scope, receive, send)
    status: int = sent[0]["status"]
    return status


@pytest.mark.parametrize(
    "declared",
    ["²".encode("latin-1"), "¹²".encode("latin-1"), b"-1", b"1e3", b"", b" 5"],
)
async def test_a_content_length_that_is_not_ascii_digits_is_left_to_the_body_count(
    declared: bytes,
) -> None:
    assert await answer(declared) == 204


async def test_a_declared_length_over_the_limit_is_refused_before_reading() -> None:
    assert await answer(b"11") == 413
