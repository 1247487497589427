"""Flexfin against a plain Starlette + asyncpg reference (``make bench``, docs/performance.md)."""
