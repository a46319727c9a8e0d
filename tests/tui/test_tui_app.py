"""Pilot tests: every binding and flow of the app over small hand-made graphs."""

from __future__ import annotations

import time
import tomllib
import types
from pathlib import Path
from typing import Any

import pytest
from rich.text import Text
from textual.binding import Binding
from textual.command import CommandPalette
from textual.widgets import Button, Input, OptionList, RadioButton, Static

from depview.model import Edge as E
from depview.model import Package, PackageId, Source, SourceKind, build_graph
from depview.report.model import TriageMark
from depview.risk.model import Level, Verdict
from depview.tui.app import DepviewApp, help_sections
from depview.tui.screens.detail import DetailScreen
from depview.tui.screens.export import ExportScreen
from depview.tui.screens.help import HelpScreen
from depview.tui.screens.triage import TriageDialog
from depview.tui.widgets.dependency_tree import CHUNK, DependencyTree
from tests.tui.conftest import MakeApp
from tests.tui.helpers import (
    ROOT,
    SETTINGS,
    FailingAnalyzer,
    StaticAnalyzer,
    StreamingAnalyzer,
    chain_graph,
    pid,
    screen_text,
    verdicts_for,
)

EVIL = pid("evil", "6.6.6")
BETA = pid("beta", "2.0.0")
ALPHA = pid("alpha")
SHARED = pid("shared", "3.1.0")


def scr(app: DepviewApp) -> Any:
    """The active screen, untyped (each assert narrows it afresh)."""
    return app.screen


def focused(app: DepviewApp) -> Any:
    return app.focused


def level_of(app: DepviewApp) -> Any:
    return app.session.min_level


def tree_of(app: DepviewApp) -> DependencyTree:
    return app.main_screen.dep_tree


def plain(label: object) -> str:
    return label.plain if isinstance(label, Text) else str(label)


def labels(app: DepviewApp) -> list[str]:
    tree = tree_of(app)
    return [plain(line.node.label) for line in tree._tree_lines]


def label_of(app: DepviewApp, target: PackageId) -> str:
    nodes = tree_of(app).nodes_for(target)
    assert nodes, f"{target} is not built"
    return plain(nodes[0].label)


async def settle(app: DepviewApp, pilot: Any) -> None:
    await app.workers.wait_for_complete()
    await pilot.pause()


async def wait_until(pilot: Any, condition: Any, timeout: float = 10.0) -> None:
    """Pause until ``condition()`` holds (for the palette's debounced search)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition never held"
        await pilot.pause(0.05)


# -- opening ---------------------------------------------------------------------------


async def test_opens_at_once_with_lockfile_facts(make: MakeApp) -> None:
    """Before any verdict: direct deps at top, pending '…', install-script badges from the lockfile."""
    stub = StreamingAnalyzer([verdicts_for_small()])
    app = make(stub)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        rows = labels(app)
        assert rows[:4] == [
            "… alpha 1.0.0",
            "… beta 2.0.0 inst",
            "… evil 6.6.6 inst",
            "… gamma 1.0.0 dev",
        ]
        assert rows[4].startswith("⌂ web")
        assert "enriching" in screen_text(app)
        # Lazy: only the top level exists until something is expanded.
        assert len(tree_of(app)._tree_nodes) == 1 + 5
        await stub.step()
        await stub.step()
        await settle(app, pilot)
        assert label_of(app, EVIL).startswith("‼ evil 6.6.6 critical")


def verdicts_for_small() -> dict[PackageId, Verdict]:
    from tests.tui.helpers import small_graph

    return verdicts_for(small_graph())


async def test_expand_lazily_and_deduped_jump(make: MakeApp) -> None:
    app = make()
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(app, pilot)
        tree = tree_of(app)
        assert not tree.nodes_for(SHARED)
        await pilot.press("right")  # expand alpha (cursor starts on it)
        await pilot.pause()
        assert [n.data.location for n in tree.nodes_for(SHARED) if n.data] == [(ALPHA, SHARED)]
        await pilot.press("down", "right", "down")  # shared: expand, go to leaf
        await pilot.pause()
        assert tree.current_pid() == pid("leaf")
        # beta -> shared is a deduped leaf that jumps to the full subtree.
        assert tree.reveal((BETA, SHARED)) is not None
        await pilot.pause()
        data = tree.current()
        assert data is not None and data.deduped
        assert "↪ deduped" in label_of_node(tree)
        await pilot.press("enter")
        await pilot.pause()
        data = tree.current()
        assert data is not None and data.location == (ALPHA, SHARED) and not data.deduped
        await pilot.press("left")  # collapse shared
        await pilot.press("left")  # to parent alpha
        await pilot.pause()
        assert tree.current_pid() == ALPHA


def label_of_node(tree: DependencyTree) -> str:
    node = tree.cursor_node
    assert node is not None
    return plain(node.label)


async def test_workspace_is_a_separate_root(make: MakeApp) -> None:
    app = make()
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(app, pilot)
        tree = tree_of(app)
        ws = tree.root.children[-1]
        assert ws.data is not None and ws.data.workspace
        tree.focus_node(ws)
        await pilot.press("enter")  # enter toggles a workspace
        await pilot.pause()
        kids = [c.data.pid.name for c in ws.children if c.data and c.data.pid]
        assert kids == ["beta", "zeta"]
        beta_under_ws = ws.children[0]
        assert beta_under_ws.data is not None and beta_under_ws.data.deduped


# -- streaming and failures ------------------------------------------------------------------


async def test_streaming_batches_update_labels_in_place(make: MakeApp, graph: Any) -> None:
    verdicts = verdicts_for(graph)
    first = {EVIL: verdicts[EVIL]}
    second = {BETA: verdicts[BETA]}
    rest = {k: v for k, v in verdicts.items() if k not in (EVIL, BETA)}
    stub = StreamingAnalyzer([first, second, rest])
    app = make(stub)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        tree = tree_of(app)
        await pilot.press("right", "down", "down")  # alpha expanded, cursor on beta
        await pilot.pause()
        cursor = tree.cursor_line
        node_before = tree.cursor_node
        evil_node = tree.nodes_for(EVIL)[0]
        assert label_of(app, EVIL).startswith("…")
        await stub.step()
        await pilot.pause()
        assert stub.delivered == 1
        assert label_of(app, EVIL).startswith("‼ evil")
        assert tree.nodes_for(EVIL)[0] is evil_node  # same node, relabelled
        assert tree.cursor_line == cursor and tree.cursor_node is node_before
        assert "1/3" in screen_text(app)
        await stub.step()
        await pilot.pause()
        assert "● beta 2.0.0 medium" in label_of(app, BETA)
        assert label_of(app, ALPHA).startswith("…")
        await stub.step()
        await stub.step()
        await settle(app, pilot)
        assert label_of(app, ALPHA).startswith("· alpha")
        assert tree.cursor_line == cursor
        assert "enriched" in screen_text(app)


async def test_streaming_keeps_scroll_and_cursor_on_a_long_tree(tmp_path: Path) -> None:
    g = chain_graph(600, direct=120)
    ids = sorted(p.id for p in g.dependencies())
    batches = [
        {pid_: Verdict(pid_, Level.LOW if i % 3 else Level.NONE, 5) for pid_ in ids[i::4]}
        for i in range(4)
    ]
    stub = StreamingAnalyzer(batches)
    from depview.tui.app import make_app

    app = make_app(
        g, tmp_path / "package-lock.json", SETTINGS, analyzer=stub, triage_file=tmp_path / "t.toml"
    )
    app.ui_interval = 0.0
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        tree = tree_of(app)
        await pilot.press("pagedown", "pagedown", "down", "right")
        await pilot.pause()
        scroll, cursor, node = tree.scroll_offset.y, tree.cursor_line, tree.cursor_node
        assert scroll > 0
        for _ in range(5):
            await stub.step()
            await pilot.pause()
        await settle(app, pilot)
        assert app.session.finished
        assert (tree.scroll_offset.y, tree.cursor_line, tree.cursor_node) == (scroll, cursor, node)
        assert not any(label.startswith("…") for label in labels(app))


async def test_throttled_updates_arrive(make: MakeApp, graph: Any) -> None:
    """With the default 50 ms throttle, a batch shows up within a few frames."""
    stub = StreamingAnalyzer([verdicts_for(graph), {}])
    app = make(stub, ui_interval=0.05)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        await stub.step()
        await wait_until(pilot, lambda: label_of(app, EVIL).startswith("‼"), timeout=5)
        assert not app.session.finished
        await stub.step()
        await stub.step()
        await settle(app, pilot)


async def test_typing_is_not_blocked_while_waiting(make: MakeApp) -> None:
    stub = StreamingAnalyzer([{}])
    app = make(stub)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        await pilot.press("down", "down", "down")
        assert tree_of(app).current_pid() == pid("gamma")
        assert stub.delivered == 0 and not app.session.finished


async def test_failing_analyzer_shows_unknown(make: MakeApp) -> None:
    app = make(FailingAnalyzer("raise"))
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        await settle(app, pilot)
        assert app.session.failure is not None
        assert label_of(app, EVIL).startswith("? evil 6.6.6 unknown")
        text = screen_text(app)
        assert "enrichment failed" in text and "?5 unknown" not in text
        assert "? 7 unknown" in text or "?7" in text
        tree_of(app).reveal((EVIL,))
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(scr(app), DetailScreen)
        findings = str(scr(app).query_one("#findings", Static).render())
        assert "connection refused" in findings and "not the same as safe" in findings


async def test_unknown_verdicts_and_errors_visible(make: MakeApp) -> None:
    app = make(FailingAnalyzer("unknown"))
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(app, pilot)
        assert label_of(app, ALPHA).startswith("? alpha 1.0.0 unknown")
        assert "7 errors" in screen_text(app)
        await pilot.press("enter")
        await pilot.pause()
        screen = scr(app)
        assert isinstance(screen, DetailScreen)
        errors = str(screen.query_one("#errors", Static).render())
        assert "timed out after 10 s" in errors
        assert "registry data unavailable" in str(screen.query_one("#findings", Static).render())


# -- navigation -------------------------------------------------------------------------------------


async def test_search_jumps_and_escape_restores(make: MakeApp) -> None:
    app = make()
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(app, pilot)
        tree = tree_of(app)
        await pilot.press("slash")
        assert isinstance(focused(app), Input)
        await pilot.press("l", "e", "a")
        await pilot.pause()
        assert tree.current_pid() == pid("leaf")  # built lazily on the way
        assert "1/1" in screen_text(app)
        await pilot.press("q")  # typing q in the box does not quit
        await pilot.pause()
        assert app.is_running
        assert "no match" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert tree.current_pid() == ALPHA and focused(app) is tree
        await pilot.press("slash", "e")
        await pilot.pause()
        first = tree.current_pid()
        await pilot.press("down")
        await pilot.pause()
        assert tree.current_pid() != first
        await pilot.press("enter")
        await pilot.pause()
        assert focused(app) is tree and not app.main_screen.has_class("-searching")


async def test_filter_cycles_and_prunes(make: MakeApp) -> None:
    app = make()
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press("f")  # low
        await pilot.pause()
        assert level_of(app) is Level.LOW
        assert [r.split()[1] for r in labels(app)] == ["beta", "evil", "web"]
        assert "filter ≥ low" in screen_text(app)
        await pilot.press("f", "f", "f")  # medium, high, critical
        await pilot.pause()
        assert level_of(app) is Level.CRITICAL
        assert [r.split()[1] for r in labels(app)] == ["evil"]
        await pilot.press("f")
        await pilot.pause()
        assert level_of(app) is None
        assert len(labels(app)) == 5


async def test_next_previous_risky_wraps(make: MakeApp) -> None:
    app = make()
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(app, pilot)
        tree = tree_of(app)
        seen = []
        for _ in range(3):
            await pilot.press("n")
            await pilot.pause()
            seen.append(tree.current_pid())
        assert seen == [BETA, EVIL, BETA]
        await pilot.press("p")
        await pilot.pause()
        assert tree.current_pid() == EVIL
        await pilot.press("f", "f", "f")  # high: n only stops at evil
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        assert tree.current_pid() == EVIL


async def test_next_risky_reaches_unbuilt_nodes() -> None:
    g = chain_graph(2000)
    deep = sorted(p.id for p in g.dependencies())[-1]
    verdicts = {p.id: Verdict(p.id, Level.NONE, 0) for p in g.dependencies()}
    verdicts[deep] = Verdict(deep, Level.HIGH, 70)
    from depview.tui.app import make_app

    app = make_app(
        g,
        Path("/nonexistent/package-lock.json"),
        SETTINGS,
        analyzer=StaticAnalyzer(verdicts),
        triage_file=Path("/nonexistent/t.toml"),
    )
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(app, pilot)
        tree = tree_of(app)
        assert len(tree._tree_nodes) < 100  # nothing built beyond the top level
        await pilot.press("n")
        await pilot.pause()
        assert tree.current_pid() == deep
        assert len(tree._tree_nodes) < 400


async def test_sort_by_risk_keeps_cursor(make: MakeApp) -> None:
    app = make()
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(app, pilot)
        tree = tree_of(app)
        await pilot.press("down")  # beta
        await pilot.press("s")
        await pilot.pause()
        assert [r.split()[1] for r in labels(app)][:3] == ["evil", "beta", "alpha"]
        assert tree.current_pid() == BETA
        assert "sort risk" in screen_text(app)
        await pilot.press("s")
        await pilot.pause()
        assert [r.split()[1] for r in labels(app)][:2] == ["alpha", "beta"]


async def test_collapse_all(make: MakeApp) -> None:
    app = make()
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press("right", "down", "right")
        await pilot.pause()
        assert len(labels(app)) > 5
        await pilot.press("c")
        await pilot.pause()
        assert len(labels(app)) == 5


# -- details ---------------------------------------------------------------------------------------------


async def test_detail_screen_explains_everything(make: MakeApp) -> None:
    app = make()
    async with app.run_test(size=(120, 50)) as pilot:
        await settle(app, pilot)
        tree_of(app).reveal((EVIL,))
        await pilot.press("enter")
        await pilot.pause()
        screen = scr(app)
        assert isinstance(screen, DetailScreen)

        def part(name: str) -> str:
            return str(screen.query_one(f"#{name}", Static).render())

        assert "new postinstall script" in part("findings")
        assert "1 h 39 min before as-of by mallory <m@evil.test>" in part("findings")
        assert "previous publishers: GitHub Actions" in part("findings")
        assert "evil@6.6.5" in part("suggestion")
        # Install script verbatim but inert: markup stays literal, the escape is gone.
        scripts = part("scripts")
        assert "postinstall: node steal.js [bold]x[/bold] red" in scripts
        assert "\x1b" not in scripts
        assert "MAL-2026-0001" in part("advisories") and "GHSA-xxxx-yyyy-zzzz" in part("advisories")
        assert "https://osv.dev/vulnerability/MAL-2026-0001" in part("advisories")
        assert "6.6.6 ◀ locked" in part("timeline") and "prov ✗" in part("timeline")
        assert "□" in part("strips")
        assert "+ stealer ^0.0.1" in part("depchanges") and "versus 6.6.5" in part("depchanges")
        why = screen.query_one("#why", OptionList)
        assert why.option_count == 1
        # n/p step to other risky packages in place.
        await pilot.press("n")
        await pilot.pause()
        assert screen.pid == BETA
        await pilot.press("p")
        await pilot.pause()
        assert screen.pid == EVIL
        # a "why is it here" path jumps back to the tree.
        await pilot.press("w", "enter")
        await pilot.pause()
        assert scr(app) is app.main_screen
        assert tree_of(app).current_pid() == EVIL
        await pilot.press("enter", "escape")
        await pilot.pause()
        assert scr(app) is app.main_screen


async def test_why_paths_jump_through_deduped_rows(make: MakeApp) -> None:
    app = make()
    async with app.run_test(size=(120, 50)) as pilot:
        await settle(app, pilot)
        app.open_detail(pid("leaf"))
        await pilot.pause()
        screen = scr(app)
        assert isinstance(screen, DetailScreen)
        why = screen.query_one("#why", OptionList)
        assert why.option_count == 2  # alpha > shared > leaf, beta > shared > leaf
        why.focus()
        why.highlighted = 1
        await pilot.press("enter")
        await pilot.pause()
        assert scr(app) is app.main_screen
        data = tree_of(app).current()
        assert data is not None and data.pid == pid("leaf")


async def test_mouse_click_highlights_then_opens(make: MakeApp) -> None:
    app = make()
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(app, pilot)
        tree = tree_of(app)
        await pilot.click(DependencyTree, offset=(6, 2))  # third row: evil
        await pilot.pause()
        assert tree.current_pid() == EVIL
        assert scr(app) is app.main_screen
        await pilot.click(DependencyTree, offset=(6, 2))
        await pilot.pause()
        assert isinstance(scr(app), DetailScreen)


# -- triage --------------------------------------------------------------------------------------------------


async def test_triage_create_edit_expire_remove(make: MakeApp, tmp_path: Path) -> None:
    # Each step waits for its effect (not one fixed pause): under a loaded CI machine a
    # click or a save can take a few more event-loop turns.
    app = make()
    triage_file = tmp_path / ".depview-triage.toml"

    def saved() -> Any:
        return tomllib.loads(triage_file.read_text(encoding="utf-8"))

    async def open_dialog() -> TriageDialog:
        await pilot.press("t")
        await wait_until(pilot, lambda: isinstance(scr(app), TriageDialog))
        await pilot.pause()
        dialog = scr(app)
        assert isinstance(dialog, TriageDialog)
        return dialog

    async def choose(dialog: TriageDialog, state: str) -> None:
        await pilot.click(f"#state-{state}")
        await wait_until(pilot, lambda: dialog.query_one(f"#state-{state}", RadioButton).value)

    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        tree_of(app).reveal((EVIL,))
        dialog = await open_dialog()
        await choose(dialog, "accepted")
        dialog.query_one("#triage-note", Input).value = "vendor confirmed [red]ok[/red]"
        await pilot.click("#triage-save")
        await wait_until(pilot, lambda: scr(app) is app.main_screen)
        assert saved()["package"] == [
            {
                "purl": "pkg:npm/evil@6.6.6",
                "state": "accepted",
                "note": "vendor confirmed [red]ok[/red]",
            }
        ]
        await wait_until(pilot, lambda: label_of(app, EVIL).endswith("[accepted]"))
        # edit: the dialog comes back filled in
        dialog = await open_dialog()
        assert dialog.query_one("#triage-note", Input).value == "vendor confirmed [red]ok[/red]"
        assert dialog.query_one("#state-accepted", RadioButton).value
        await choose(dialog, "ignored")
        dialog.query_one("#triage-expires", Input).value = "not a date"
        await pilot.click("#triage-save")
        await wait_until(
            pilot, lambda: "not a date" in str(dialog.query_one("#triage-error", Static).render())
        )
        assert scr(app) is dialog  # bad date: stays, says why
        dialog.query_one("#triage-expires", Input).value = "2026-01-01"  # before as-of
        # a Button ignores clicks while it still shows its last press (0.2 s)
        save = dialog.query_one("#triage-save", Button)
        await wait_until(pilot, lambda: not save.has_class("-active"))
        await pilot.click("#triage-save")
        await wait_until(pilot, lambda: scr(app) is app.main_screen)
        data = saved()
        assert data["package"][0]["state"] == "ignored"
        assert data["package"][0]["expires"] == "2026-01-01T00:00:00Z"
        await wait_until(pilot, lambda: label_of(app, EVIL).endswith("[ignored, expired]"))
        # remove
        await open_dialog()
        await pilot.click("#triage-remove")
        await wait_until(pilot, lambda: scr(app) is app.main_screen)
        assert "package" not in saved()
        await wait_until(pilot, lambda: "[" not in label_of(app, EVIL))
        # escape cancels without writing
        before = triage_file.read_text(encoding="utf-8")
        await pilot.press("t", "escape")
        await pilot.pause()
        assert triage_file.read_text(encoding="utf-8") == before


async def test_triage_from_detail_and_loaded_marks(make: MakeApp, tmp_path: Path) -> None:
    from depview.triage import save_triage

    save_triage(tmp_path / ".depview-triage.toml", {BETA: TriageMark("investigate", "look")})
    app = make()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        assert label_of(app, BETA).endswith("[investigate]")
        tree_of(app).reveal((BETA,))
        await pilot.press("enter", "t")
        await pilot.pause()
        assert isinstance(scr(app), TriageDialog)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(scr(app), DetailScreen)
        assert "[investigate]" in str(scr(app).query_one("#detail-title", Static).render())


async def test_broken_triage_file_is_not_overwritten(make: MakeApp, tmp_path: Path) -> None:
    bad = tmp_path / ".depview-triage.toml"
    bad.write_text("this is = = not toml", encoding="utf-8")
    app = make()
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        await settle(app, pilot)
        await pilot.press("t")
        await pilot.pause()
        assert scr(app) is app.main_screen
        assert bad.read_text(encoding="utf-8") == "this is = = not toml"
        assert app.session.triage_error is not None


async def test_demo_triage_goes_to_state_dir(
    graph: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from depview.tui.app import demo_triage_file, make_app

    monkeypatch.setenv("DEPVIEW_DEMO_STATE_DIR", str(tmp_path / "state"))
    assert demo_triage_file() == tmp_path / "state" / ".depview-triage.toml"
    app = make_app(
        graph,
        tmp_path / "pkg" / "package-lock.json",
        SETTINGS,
        analyzer=StaticAnalyzer(verdicts_for(graph)),
        demo=True,
    )
    assert app.session.triage_file == tmp_path / "state" / ".depview-triage.toml"
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(app, pilot)
        assert app.apply_triage(EVIL, TriageMark("investigate"))
    assert (tmp_path / "state" / ".depview-triage.toml").is_file()
    assert not (tmp_path / "pkg").exists()


# -- export ------------------------------------------------------------------------------------------------------


async def test_export_unavailable_without_remedy(
    make: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("depview.tui.screens.export.load_remedy", lambda: None)
    app = make()
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(scr(app), ExportScreen)
        assert "export unavailable" in screen_text(app)
        await pilot.press("y")  # nothing to confirm
        await pilot.press("n")
        await pilot.pause()
        assert scr(app) is app.main_screen


def fake_remedy(calls: list[Any], tmp_path: Path) -> Any:
    change = types.SimpleNamespace(
        path=tmp_path / "package-lock.json", before="a\n", after="b\n", changed=True
    )
    result = types.SimpleNamespace(files=(change,), notes=("note [b]literal[/b]",))

    def build_export(graph: Any, lockfile: Path, analysis: Any, settings: Any, **kw: Any) -> Any:
        calls.append(
            ("build", lockfile, sorted(analysis.verdicts), kw["level"], dict(kw["triage"]))
        )
        return result

    def write_export(res: Any, *, output: Any, apply: bool) -> list[Path]:
        calls.append(("write", output, apply))
        return [tmp_path / "package-lock.depview.json"]

    return types.SimpleNamespace(
        build_export=build_export,
        unified_diff=lambda res: (
            "--- a/package-lock.json\n+++ b/package-lock.json\n@@ -1 +1 @@\n-a\n+b\n"
        ),
        write_export=write_export,
        summary=lambda res: ["pin evil@6.6.6 -> 6.6.5 (critical)"],
    )


def use_fake_remedy(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[Any]:
    """Export through :func:`fake_remedy`; the list it returns records its calls."""
    calls: list[Any] = []
    monkeypatch.setattr(
        "depview.tui.screens.export.load_remedy", lambda: fake_remedy(calls, tmp_path)
    )
    return calls


async def open_export(app: DepviewApp, pilot: Any) -> None:
    """Press ``e`` once the app has settled and wait for the export screen's worker."""
    await settle(app, pilot)
    await pilot.press("e")
    await pilot.pause()
    await scr(app).workers.wait_for_complete()
    await pilot.pause()


async def test_export_shows_diff_then_writes_on_confirm(
    make: MakeApp, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = use_fake_remedy(monkeypatch, tmp_path)
    app = make()
    async with app.run_test(size=(120, 30)) as pilot:
        await open_export(app, pilot)
        text = screen_text(app)
        assert "+b" in text and "-a" in text and "pin evil@6.6.6 -> 6.6.5" in text
        assert "note [b]literal[/b]" in text
        assert calls[0][0] == "build" and calls[0][3] is Level.HIGH and EVIL in calls[0][2]
        assert [c for c in calls if c[0] == "write"] == []  # nothing written before confirming
        await pilot.press("y")
        await pilot.pause()
        assert calls[-1] == ("write", None, False)
        assert "written:" in screen_text(app)
        await pilot.press("A")  # already written: no second write
        assert len([c for c in calls if c[0] == "write"]) == 1


async def test_export_apply_and_demo_preview_only(
    make: MakeApp, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = use_fake_remedy(monkeypatch, tmp_path)
    app = make()
    async with app.run_test(size=(120, 30)) as pilot:
        await open_export(app, pilot)
        await pilot.press("A")
        await pilot.pause()
        assert calls[-1] == ("write", None, True)
    calls.clear()
    demo = make(demo=True)
    async with demo.run_test(size=(120, 30)) as pilot:
        await open_export(demo, pilot)
        await pilot.press("y")
        assert "preview only" in screen_text(demo)
        assert [c for c in calls if c[0] == "write"] == []


async def test_export_failure_is_one_line(make: MakeApp, monkeypatch: pytest.MonkeyPatch) -> None:
    from depview.errors import UsageError

    def boom(*a: Any, **k: Any) -> Any:
        raise UsageError("cannot pin: lockfile changed")

    remedy = types.SimpleNamespace(build_export=boom, unified_diff=lambda r: "", write_export=None)
    monkeypatch.setattr("depview.tui.screens.export.load_remedy", lambda: remedy)
    app = make()
    async with app.run_test(size=(120, 30)) as pilot:
        await open_export(app, pilot)
        assert "export failed: cannot pin: lockfile changed" in screen_text(app)


# -- help, palette, quit -----------------------------------------------------------------------------------------


def every_binding() -> list[Any]:
    out = []
    for _title, bindings in help_sections():
        out.extend(bindings)
    return out


def test_every_binding_has_tooltip_and_id() -> None:
    bindings = every_binding()
    assert len(bindings) > 25
    ids = [b.id for b in bindings]
    assert all(b.tooltip for b in bindings)
    assert all(ids) and len(set(ids)) == len(ids)


async def test_help_lists_every_key(make: MakeApp) -> None:
    app = make()
    async with app.run_test(size=(120, 200)) as pilot:
        await settle(app, pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(scr(app), HelpScreen)
        text = str(scr(app).query_one("#help-text", Static).render())
        for binding in every_binding():
            assert binding.description in text
            assert binding.tooltip in text
        for key in ("q", "?", "/", "⏎", "n", "p", "t", "e", "f", "s", "^p"):
            assert f"  {key}" in text, key
        assert "‼  critical" in text and "?  unknown" in text and "+dep" in text
        await pilot.press("question_mark")
        await pilot.pause()
        assert scr(app) is app.main_screen


async def test_command_palette_runs_actions_and_goes_to_packages(make: MakeApp) -> None:
    app = make()
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(app, pilot)

        async def run_command(query: str, first: str) -> None:
            await pilot.press("ctrl+p")
            await pilot.pause()
            assert isinstance(scr(app), CommandPalette)
            for ch in query:
                await pilot.press("space" if ch == " " else ch)
            options = scr(app).query_one(OptionList)
            await wait_until(
                pilot,
                lambda: (
                    options.option_count > 0 and first in str(options.get_option_at_index(0).prompt)
                ),
            )
            await pilot.press("enter")
            await wait_until(pilot, lambda: scr(app) is app.main_screen)
            await pilot.pause()

        await run_command("next risky", "Next risky package")
        assert tree_of(app).current_pid() == BETA
        await run_command("leaf", "Go to leaf@1.0.0")
        assert tree_of(app).current_pid() == pid("leaf")
        await run_command("sort by risk", "Sort by risk")
        assert app.session.sort_mode == "risk"


def test_command_table_covers_every_main_action() -> None:
    from depview.tui.commands import command_table
    from depview.tui.screens.main import MainScreen

    fake: Any = types.SimpleNamespace(
        run_main=lambda action: action, action_help=lambda: None, action_quit=lambda: None
    )
    actions = {str(cb()) for _n, _h, cb in command_table(fake) if cb() is not None}
    for binding in MainScreen.BINDINGS:
        assert isinstance(binding, Binding)
        assert binding.action in actions, binding.action


async def test_quit(make: MakeApp) -> None:
    app = make()
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running


# -- hostile input and scale ----------------------------------------------------------------------------------------


async def test_hostile_names_render_as_plain_text(tmp_path: Path) -> None:
    root = PackageId("npm", "app", "0.0.0")
    nasty = PackageId("npm", "[bold red]pwn[/]\x1b]0;title\x07", "1.0.0\x1b[2J")
    g = build_graph(
        ecosystem="npm",
        format="npm-package-lock@3",
        path=str(tmp_path / "package-lock.json"),
        packages=[Package(root, source=Source(SourceKind.ROOT)), Package(nasty)],
        edges={root: [E(nasty)]},
        roots=[root],
    )
    from depview.tui.app import make_app

    app = make_app(
        g,
        tmp_path / "package-lock.json",
        SETTINGS,
        analyzer=StaticAnalyzer({nasty: Verdict(nasty, Level.LOW, 5)}),
    )
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(app, pilot)
        text = screen_text(app)
        assert "[bold red]pwn[/]" in text
        assert "\x1b" not in label_of(app, nasty)
        await pilot.press("enter")
        await pilot.pause()
        assert "[bold red]pwn[/]" in screen_text(app)


async def test_wide_child_lists_come_in_chunks(tmp_path: Path) -> None:
    root = PackageId("npm", "app", "0.0.0")
    kids = [PackageId("npm", f"p{i:04d}", "1.0.0") for i in range(CHUNK * 2 + 10)]
    g = build_graph(
        ecosystem="npm",
        format="npm-package-lock@3",
        path=str(tmp_path / "package-lock.json"),
        packages=[Package(root, source=Source(SourceKind.ROOT)), *(Package(k) for k in kids)],
        edges={root: [E(k) for k in kids]},
        roots=[root],
    )
    from depview.tui.app import make_app

    verdicts = {k: Verdict(k, Level.NONE, 0) for k in kids}
    verdicts[kids[-1]] = Verdict(kids[-1], Level.HIGH, 60)
    app = make_app(g, tmp_path / "package-lock.json", SETTINGS, analyzer=StaticAnalyzer(verdicts))
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(app, pilot)
        rows = labels(app)
        assert len(rows) == CHUNK + 1 and rows[-1].startswith(f"… {CHUNK + 10:,} more")
        await pilot.press("end", "enter")
        await pilot.pause()
        assert len(labels(app)) == 2 * CHUNK + 1
        await pilot.press("n")  # the high one sits in the last, unbuilt chunk
        await pilot.pause()
        assert tree_of(app).current_pid() == kids[-1]
        assert len(labels(app)) == len(kids)


async def test_root_only_graph_says_so(tmp_path: Path) -> None:
    root = PackageId("npm", "app", "0.0.0")
    g = build_graph(
        ecosystem="npm",
        format="npm-package-lock@3",
        path=str(tmp_path / "package-lock.json"),
        packages=[Package(root, source=Source(SourceKind.ROOT))],
        edges={},
        roots=[root],
    )
    from depview.tui.app import make_app

    app = make_app(g, tmp_path / "package-lock.json", SETTINGS, analyzer=StaticAnalyzer({}))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert "no dependencies in this lockfile" in screen_text(app)
        await pilot.press("enter", "n", "t", "s", "f")
        await pilot.pause()
        assert scr(app) is app.main_screen


def test_make_app_defaults_to_the_service(graph: Any, tmp_path: Path) -> None:
    from depview.service import analyze
    from depview.tui.app import make_app

    app = make_app(graph, tmp_path / "package-lock.json", SETTINGS)
    assert app._analyzer is analyze
    assert app.session.triage_file == tmp_path / ".depview-triage.toml"
    assert ROOT not in app.session.judged
