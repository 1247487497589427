"""One settings object, read from the environment once at start-up and passed down.

Every variable is documented in the README's configuration table."""

import base64
import binascii
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Environment = Literal["development", "production"]


class SettingsError(ValueError):
    """A variable has a value the server cannot use."""


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, not {raw!r}") from None


DEVELOPMENT_KEY = ("dev", b"flexfin-development-only-signing-key-never-in-production")


def _keys(env: Mapping[str, str], name: str, production: bool) -> tuple[tuple[str, bytes], ...]:
    """``kid:base64url-secret,kid2:…`` — the first key is the active one."""
    raw = env.get(name, "").strip()
    if not raw:
        if production:
            raise SettingsError(f"{name} must be set in production")
        return (DEVELOPMENT_KEY,)
    keys = []
    for entry in raw.split(","):
        kid, _, secret = entry.strip().partition(":")
        try:
            value = base64.urlsafe_b64decode(secret + "=" * (-len(secret) % 4))
        except (binascii.Error, ValueError):
            raise SettingsError(f"{name}: key {kid!r} is not base64url") from None
        if not kid or len(value) < 32:
            raise SettingsError(f"{name}: each key needs a kid and at least 32 bytes")
        keys.append((kid, value))
    return tuple(keys)


def _api_limits(env: Mapping[str, str]) -> dict[str, int]:
    limits = {
        field: _int(env, name, default)
        for field, name, default in (
            ("max_query_depth", "FLEXFIN_MAX_QUERY_DEPTH", 12),
            ("max_aliases", "FLEXFIN_MAX_ALIASES", 30),
            ("max_tokens", "FLEXFIN_MAX_TOKENS", 5000),
            ("max_query_cost", "FLEXFIN_MAX_QUERY_COST", 1000),
            ("cost_budget", "FLEXFIN_COST_BUDGET", 1000),
            ("cost_restore_rate", "FLEXFIN_COST_RESTORE_RATE", 50),
        )
    }
    if min(limits.values()) < 1:
        raise SettingsError("the API limits (FLEXFIN_MAX_*, FLEXFIN_COST_*) must be at least 1")
    if limits["max_query_cost"] > limits["cost_budget"]:
        raise SettingsError("FLEXFIN_MAX_QUERY_COST must not exceed FLEXFIN_COST_BUDGET")
    return limits


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str | None = None
    """PostgreSQL to use; when unset, ``serve`` starts the embedded server in ``data_dir``."""
    data_dir: Path = Path("var")
    host: str = "127.0.0.1"
    port: int = 8000
    environment: Environment = "development"
    log_level: str = "INFO"
    max_body_bytes: int = 1_048_576
    db_pool_size: int = 10
    shutdown_grace_seconds: int = 10
    token_keys: tuple[tuple[str, bytes], ...] = (DEVELOPMENT_KEY,)
    """Access-token signing keys, newest first (``FLEXFIN_TOKEN_KEYS``)."""
    access_token_seconds: int = 900
    # API limits and query cost (docs/security.md, ADR 0014)
    max_query_depth: int = 12
    max_aliases: int = 30
    max_tokens: int = 5000
    max_query_cost: int = 1000
    """The most one query may cost; it must fit in a full budget."""
    cost_budget: int = 1000
    """Points a principal's budget holds when full (``maximumAvailable``)."""
    cost_restore_rate: int = 50
    """Points per second the budget refills (``restoreRate``)."""

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "Settings":
        env = os.environ if env is None else env
        environment = env.get("FLEXFIN_ENV", "development")
        if environment not in ("development", "production"):
            raise SettingsError("FLEXFIN_ENV must be 'development' or 'production'")
        return cls(
            database_url=env.get("DATABASE_URL") or None,
            data_dir=Path(env.get("FLEXFIN_DATA_DIR", "var")),
            host=env.get("FLEXFIN_HOST", "127.0.0.1"),
            port=_int(env, "FLEXFIN_PORT", 8000),
            environment=environment,  # type: ignore[arg-type]
            log_level=env.get("FLEXFIN_LOG_LEVEL", "INFO").upper(),
            max_body_bytes=_int(env, "FLEXFIN_MAX_BODY_BYTES", 1_048_576),
            db_pool_size=_int(env, "FLEXFIN_DB_POOL_SIZE", 10),
            shutdown_grace_seconds=_int(env, "FLEXFIN_SHUTDOWN_GRACE_SECONDS", 10),
            token_keys=_keys(env, "FLEXFIN_TOKEN_KEYS", environment == "production"),
            access_token_seconds=_int(env, "FLEXFIN_ACCESS_TOKEN_SECONDS", 900),
            **_api_limits(env),
        )

    @property
    def is_production(self) -> bool:
        return self.environment == "production"
