"""The app in process, made from any settings and reached from any client address."""

import contextlib
from collections.abc import AsyncIterator

import httpx

from src.app import create_app
from src.domain.shared.clock import Clock
from src.settings import Settings


@contextlib.asynccontextmanager
async def in_process_client(
    settings: Settings,
    clock: Clock,
    *,
    address: str = "127.0.0.1",
    base_url: str = "http://testserver",
) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client, signed in as nobody, for an app made from ``settings``; its requests
    come from ``address`` (the ASGI scope's ``client``)."""
    app = create_app(settings, clock=clock)
    transport = httpx.ASGITransport(app=app, client=(address, 123))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url=base_url) as client,
    ):
        yield client
