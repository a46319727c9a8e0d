"""SVG snapshots of the key screens on the demo (precomputed verdicts, fixed as-of).

Update after an intended change with ``pytest tests/tui/test_tui_snapshots.py --snapshot-update``
and look at ``snapshot_report.html`` before committing the new SVGs.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from depview.tui.app import DepviewApp, make_app
from tests.tui.demo_fixture import AXIOS, LOCKFILE, SETTINGS, demo_analyzer, demo_graph

SnapCompare = Callable[..., bool]


@pytest.fixture
def demo_app(tmp_path: Path) -> DepviewApp:
    return make_app(
        demo_graph(),
        LOCKFILE,
        SETTINGS,
        analyzer=demo_analyzer(),
        demo=True,
        triage_file=tmp_path / ".depview-triage.toml",
    )


async def ready(pilot: Pilot[Any]) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def test_main_screen(snap_compare: SnapCompare, demo_app: DepviewApp) -> None:
    """The tree on open: axios critical with its badges, counts in the header."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await ready(pilot)
        await pilot.press("right")  # expand axios: plain-crypto-js shows under it

    assert snap_compare(demo_app, terminal_size=(120, 36), run_before=run_before)


def test_detail_axios(snap_compare: SnapCompare, demo_app: DepviewApp) -> None:
    """Detail screen for axios@1.14.1: findings, pin, paths, timeline."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await ready(pilot)
        assert isinstance(pilot.app, DepviewApp)
        assert pilot.app.main_screen.dep_tree.current_pid() == AXIOS
        await pilot.press("enter")
        await pilot.pause()

    assert snap_compare(demo_app, terminal_size=(120, 60), run_before=run_before)


def test_help_screen(snap_compare: SnapCompare, demo_app: DepviewApp) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await ready(pilot)
        await pilot.press("question_mark")
        await pilot.pause()

    assert snap_compare(demo_app, terminal_size=(110, 50), run_before=run_before)


def test_triage_dialog(snap_compare: SnapCompare, demo_app: DepviewApp) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await ready(pilot)
        await pilot.press("t")
        await pilot.pause()

    assert snap_compare(demo_app, terminal_size=(100, 30), run_before=run_before)


def test_narrow_80x24(snap_compare: SnapCompare, demo_app: DepviewApp) -> None:
    """80x24 stays usable: compact header, tree, footer."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await ready(pilot)
        await pilot.press("n")  # to plain-crypto-js, revealed under axios

    assert snap_compare(demo_app, terminal_size=(80, 24), run_before=run_before)


def test_wide_with_preview(snap_compare: SnapCompare, demo_app: DepviewApp) -> None:
    """From 130 columns a preview pane follows the cursor."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await ready(pilot)
        await pilot.press("right")
        await pilot.pause()

    assert snap_compare(demo_app, terminal_size=(180, 40), run_before=run_before)
