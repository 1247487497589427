"""The API-limit settings (issue 3 item 14): read from the environment, refused when unusable."""

import pytest

from src.settings import Settings, SettingsError


def test_the_api_limits_come_from_the_environment_with_defaults() -> None:
    default = Settings.from_env({})
    assert (default.max_query_depth, default.max_aliases, default.max_tokens) == (12, 30, 5000)
    assert (default.max_query_cost, default.cost_budget, default.cost_restore_rate) == (
        1000,
        1000,
        50,
    )
    tuned = Settings.from_env(
        {
            "FLEXFIN_MAX_QUERY_DEPTH": "8",
            "FLEXFIN_MAX_ALIASES": "5",
            "FLEXFIN_MAX_TOKENS": "900",
            "FLEXFIN_MAX_QUERY_COST": "200",
            "FLEXFIN_COST_BUDGET": "2000",
            "FLEXFIN_COST_RESTORE_RATE": "100",
        }
    )
    assert (tuned.max_query_depth, tuned.max_aliases, tuned.max_tokens) == (8, 5, 900)
    assert (tuned.max_query_cost, tuned.cost_budget, tuned.cost_restore_rate) == (200, 2000, 100)


@pytest.mark.parametrize(
    ("env", "complaint"),
    [
        ({"FLEXFIN_MAX_QUERY_COST": "1001"}, "must not exceed FLEXFIN_COST_BUDGET"),
        ({"FLEXFIN_COST_RESTORE_RATE": "0"}, "at least 1"),
        ({"FLEXFIN_MAX_QUERY_DEPTH": "-3"}, "at least 1"),
        ({"FLEXFIN_MAX_TOKENS": "many"}, "whole number"),
    ],
)
def test_unusable_api_limits_stop_the_server(env: dict[str, str], complaint: str) -> None:
    with pytest.raises(SettingsError, match=complaint):
        Settings.from_env(env)
