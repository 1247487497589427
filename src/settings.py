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
    idempotency_ttl_hours: int = 24
    """How long a stored response is replayed for its idempotency key (ADR 0016)."""
    idempotency_lease_seconds: int = 60
    """How long a request that never finished keeps its idempotency key blocked."""
    confirmation_token_seconds: int = 300
    """How long a preview's confirmation token is valid (SEC-04)."""

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
            idempotency_ttl_hours=_int(env, "FLEXFIN_IDEMPOTENCY_TTL_HOURS", 24),
            idempotency_lease_seconds=_int(env, "FLEXFIN_IDEMPOTENCY_LEASE_SECONDS", 60),
            confirmation_token_seconds=_int(env, "FLEXFIN_CONFIRMATION_TOKEN_SECONDS", 300),
        )

    @property
    def is_production(self) -> bool:
        return self.environment == "production"
