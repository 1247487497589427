"""How `flexfin serve` runs uvicorn: on uvloop and httptools where they are installed, with
``--workers N`` processes that build the app from the environment."""

import importlib.util
import signal
from typing import Any

import pytest
import uvicorn

from src import cli
from src.settings import Settings

URL = "postgresql://db.invalid/flexfin"


def uvicorn_options(monkeypatch: pytest.MonkeyPatch, workers: int = 1) -> dict[str, Any]:
    """The options ``serve`` passes to uvicorn.run (on a DATABASE_URL, nothing migrated)."""
    runs: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: runs.append({"app": app, **options}))
    monkeypatch.setattr(signal, "signal", lambda signum, handler: None)  # keep pytest's
    monkeypatch.setenv("DATABASE_URL", URL)
    assert cli.serve(Settings.from_env(), migrate=False, seed=False, workers=workers) == 0
    [options] = runs
    return options


def test_serve_runs_on_uvloop_and_httptools(monkeypatch: pytest.MonkeyPatch) -> None:
    options = uvicorn_options(monkeypatch)
    assert (options["loop"], options["http"]) == ("uvloop", "httptools")


def test_serve_lets_uvicorn_choose_where_they_are_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    options = uvicorn_options(monkeypatch)
    assert (options["loop"], options["http"]) == ("auto", "auto")


def test_workers_build_the_app_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    options = uvicorn_options(monkeypatch, workers=3)
    assert (options["app"], options["factory"], options["workers"]) == (
        "src.cli:app_from_env",
        True,
        3,
    )


def test_workers_must_be_at_least_one(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["serve", "--workers", "0"])
    assert "must be at least 1" in capsys.readouterr().err
