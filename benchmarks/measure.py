"""Timing two servers on the same request, with drift (CPU frequency, the database's caches,
other load) hitting both alike: sequential requests alternate between the sides one by one
(the order flipping every pair), concurrent ones in alternating blocks."""

import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

Send = Callable[[], Awaitable[httpx.Response]]


class BadAnswer(RuntimeError):
    pass


async def _timed(send: Send) -> float:
    started = time.perf_counter()
    response = await send()
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise BadAnswer(f"{response.request.url}: {response.status_code} {response.text[:300]}")
    return elapsed


@dataclass
class Timing:
    latencies: list[float] = field(default_factory=list)
    """Seconds, one per sequential request."""
    concurrent_requests: int = 0
    concurrent_seconds: float = 0.0

    def summary(self) -> dict[str, Any]:
        cuts = statistics.quantiles(self.latencies, n=100, method="inclusive")
        return {
            "p50_ms": cuts[49] * 1000,
            "p99_ms": cuts[98] * 1000,
            "sequential_rps": len(self.latencies) / sum(self.latencies),
            "concurrent_rps": (
                self.concurrent_requests / self.concurrent_seconds
                if self.concurrent_seconds
                else None
            ),
        }


async def compare(
    sides: tuple[Send, Send], requests: int, warmup: int, concurrency: int
) -> tuple[Timing, Timing]:
    """Warm both up, then ``requests`` sequential requests each, then (if ``concurrency`` > 1)
    ``requests`` each again from ``concurrency`` clients at once."""
    timings = (Timing(), Timing())
    for _ in range(warmup):
        for send in sides:
            await _timed(send)
    for i in range(requests):
        for side in (0, 1) if i % 2 == 0 else (1, 0):
            timings[side].latencies.append(await _timed(sides[side]))
    if concurrency > 1:
        block = concurrency * 10
        for number, start in enumerate(range(0, requests, block)):
            size = min(block, requests - start)
            for side in (0, 1) if number % 2 == 0 else (1, 0):
                timings[side].concurrent_seconds += await _burst(sides[side], size, concurrency)
                timings[side].concurrent_requests += size
    return timings


async def _burst(send: Send, requests: int, concurrency: int) -> float:
    """Seconds for ``requests`` requests from ``concurrency`` clients, each sending its next
    request as soon as its last one is answered."""
    remaining = requests

    async def client() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            await _timed(send)

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    return time.perf_counter() - started
