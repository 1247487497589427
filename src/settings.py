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
PII_DEVELOPMENT_KEY = ("dev", b"flexfin-dev-only-pii-key-32bytes")
"""Development only, documented in docs/security.md: 32 bytes, as AES-256 needs."""
PII_DEVELOPMENT_HASH_KEY = b"flexfin-development-only-pii-blind-index-key"


def _base64url(name: str, label: str, secret: str) -> bytes:
    """base64url (or standard base64), padded or not; any other character is an error."""
    try:
        standard = secret.replace("-", "+").replace("_", "/")
        return base64.b64decode(standard + "=" * (-len(standard) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise SettingsError(f"{name}: {label} is not base64url") from None


def _keys(
    env: Mapping[str, str],
    name: str,
    production: bool,
    development: tuple[str, bytes] = DEVELOPMENT_KEY,
) -> tuple[tuple[str, bytes], ...]:
    """``kid:base64url-secret,kid2:…`` — the first key is the active one."""
    raw = env.get(name, "").strip()
    if not raw:
        if production:
            raise SettingsError(f"{name} must be set in production")
        return (development,)
    keys = []
    for entry in raw.split(","):
        kid, _, secret = entry.strip().partition(":")
        value = _base64url(name, f"key {kid!r}", secret)
        if not kid or len(value) < 32:
            raise SettingsError(f"{name}: each key needs a kid and at least 32 bytes")
        keys.append((kid, value))
    if len({kid for kid, _ in keys}) < len(keys):
        raise SettingsError(f"{name}: each kid must be different")
    return tuple(keys)


def _pii_keys(env: Mapping[str, str], production: bool) -> tuple[tuple[str, bytes], ...]:
    """``FLEXFIN_PII_KEYS``: the token-key format; each key exactly 32 bytes (AES-256)."""
    keys = _keys(env, "FLEXFIN_PII_KEYS", production, PII_DEVELOPMENT_KEY)
    if any(len(secret) != 32 for _, secret in keys):
        raise SettingsError("FLEXFIN_PII_KEYS: each key must be exactly 32 bytes (AES-256)")
    return keys


def _pii_hash_key(env: Mapping[str, str], production: bool) -> bytes:
    """``FLEXFIN_PII_HASH_KEY``: one base64url secret of at least 32 bytes, no kid."""
    raw = env.get("FLEXFIN_PII_HASH_KEY", "").strip()
    if not raw:
        if production:
            raise SettingsError("FLEXFIN_PII_HASH_KEY must be set in production")
        return PII_DEVELOPMENT_HASH_KEY
    value = _base64url("FLEXFIN_PII_HASH_KEY", "the key", raw)
    if len(value) < 32:
        raise SettingsError("FLEXFIN_PII_HASH_KEY must be at least 32 bytes")
    return value


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
    lockout_max_failures: int = 5
    """SEC-03: consecutive failures within the window that lock an account."""
    lockout_window_minutes: int = 15
    lockout_minutes: int = 15
    """The first lock's length; each repeat doubles it, up to a day."""
    ip_max_failures: int = 30
    """Failed sign-ins from one source IP within the window before it is throttled."""
    pii_keys: tuple[tuple[str, bytes], ...] = (PII_DEVELOPMENT_KEY,)
    """Personal-data encryption keys, active first (``FLEXFIN_PII_KEYS``, SEC-06)."""
    pii_hash_key: bytes = PII_DEVELOPMENT_HASH_KEY
    """The key of the exact-lookup hashes of personal data (``FLEXFIN_PII_HASH_KEY``)."""
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
    persisted_query_max_bytes: int = 32_768
    """Larger APQ documents still run but are not stored (ADR 0012)."""
    persisted_get_max_age: int = 60
    """``Cache-Control: public, max-age`` of credential-less persisted GETs; 0 = never cached."""
    trusted_proxies: tuple[str, ...] = ()
    """Proxies (IPs or CIDRs) whose ``X-Forwarded-For``/``-Proto`` are believed (SEC-10)."""
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
            lockout_max_failures=_int(env, "FLEXFIN_LOCKOUT_MAX_FAILURES", 5),
            lockout_window_minutes=_int(env, "FLEXFIN_LOCKOUT_WINDOW_MINUTES", 15),
            lockout_minutes=_int(env, "FLEXFIN_LOCKOUT_MINUTES", 15),
            ip_max_failures=_int(env, "FLEXFIN_IP_MAX_FAILURES", 30),
            pii_keys=_pii_keys(env, environment == "production"),
            pii_hash_key=_pii_hash_key(env, environment == "production"),
            **_api_limits(env),
            persisted_query_max_bytes=_int(env, "FLEXFIN_PERSISTED_QUERY_MAX_BYTES", 32_768),
            persisted_get_max_age=_int(env, "FLEXFIN_PERSISTED_GET_MAX_AGE", 60),
            trusted_proxies=tuple(
                p.strip() for p in env.get("FLEXFIN_TRUSTED_PROXIES", "").split(",") if p.strip()
            ),
            idempotency_ttl_hours=_int(env, "FLEXFIN_IDEMPOTENCY_TTL_HOURS", 24),
            idempotency_lease_seconds=_int(env, "FLEXFIN_IDEMPOTENCY_LEASE_SECONDS", 60),
            confirmation_token_seconds=_int(env, "FLEXFIN_CONFIRMATION_TOKEN_SECONDS", 300),
        )

    @property
    def is_production(self) -> bool:
        return self.environment == "production"
