"""The idempotency and confirmation periods come from the environment (SEC-04, ORD-03)."""

from src.settings import Settings


def test_sec_04_idempotency_and_confirmation_periods_are_configurable() -> None:
    defaults = Settings.from_env({})
    assert (
        defaults.idempotency_ttl_hours,
        defaults.idempotency_lease_seconds,
        defaults.confirmation_token_seconds,
    ) == (24, 60, 300)
    configured = Settings.from_env(
        {
            "FLEXFIN_IDEMPOTENCY_TTL_HOURS": "48",
            "FLEXFIN_IDEMPOTENCY_LEASE_SECONDS": "120",
            "FLEXFIN_CONFIRMATION_TOKEN_SECONDS": "90",
        }
    )
    assert (
        configured.idempotency_ttl_hours,
        configured.idempotency_lease_seconds,
        configured.confirmation_token_seconds,
    ) == (48, 120, 90)
