"""Fixtures for the TUI tests: the small graph, app factories, a triage file in tmp."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from depview.model import DependencyGraph
from depview.tui.app import DepviewApp, make_app
from tests.tui.helpers import SETTINGS, StaticAnalyzer, enrichment_for, small_graph, verdicts_for

MakeApp = Callable[..., DepviewApp]


@pytest.fixture(autouse=True)
def _no_user_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Demo triage never lands in the real user state directory during tests."""
    monkeypatch.setenv("DEPVIEW_DEMO_STATE_DIR", str(tmp_path / "demo-state"))


@pytest.fixture
def graph(tmp_path: Path) -> DependencyGraph:
    return small_graph(str(tmp_path / "package-lock.json"))


@pytest.fixture
def lockfile(tmp_path: Path) -> Path:
    path = tmp_path / "package-lock.json"
    path.write_text("{}\n", encoding="utf-8")
    return path


@pytest.fixture
def make(graph: DependencyGraph, lockfile: Path) -> MakeApp:
    """``make(analyzer=None, **kw)``: the app over the small graph (static verdicts by default)."""

    def factory(analyzer: Any = None, **kw: Any) -> DepviewApp:
        if analyzer is None:
            analyzer = StaticAnalyzer(verdicts_for(graph), enrichment_for(graph))
        g = kw.pop("graph", graph)
        settings = kw.pop("settings", SETTINGS)
        interval = kw.pop("ui_interval", 0.0)
        app = make_app(g, lockfile, settings, analyzer=analyzer, **kw)
        app.ui_interval = interval  # apply every batch at once: deterministic assertions
        return app

    return factory
