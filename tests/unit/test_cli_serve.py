"""How `flexfin serve` runs uvicorn: on uvloop and httptools where they are installed."""

import importlib.util
import signal
from typing import Any

import pytest
import uvicorn

from src import cli
from src.settings import Settings


def uvicorn_options(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The options ``serve`` passes to uvicorn.run (on a DATABASE_URL, nothing migrated)."""
    runs: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: runs.append(options))
    monkeypatch.setattr(signal, "signal", lambda signum, handler: None)  # keep pytest's
    settings = Settings.from_env({"DATABASE_URL": "postgresql://db.invalid/flexfin"})
    assert cli.serve(settings, migrate=False, seed=False) == 0
    [options] = runs
    return options


def test_serve_runs_on_uvloop_and_httptools(monkeypatch: pytest.MonkeyPatch) -> None:
    options = uvicorn_options(monkeypatch)
    assert (options["loop"], options["http"]) == ("uvloop", "httptools")


def test_serve_lets_uvicorn_choose_where_they_are_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    options = uvicorn_options(monkeypatch)
    assert (options["loop"], options["http"]) == ("auto", "auto")
