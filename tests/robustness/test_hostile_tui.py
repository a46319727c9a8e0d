"""The hostile corpus in the TUI, through the real pipeline over the hostile snapshot.

What the terminal would get is read back from the compositor (the strips of
the whole screen): no ESC/C1/NUL, bidi controls as ``<U+XXXX>``, markup as
literal text with no link or action attached, every line exactly the screen
width. Clicking the text ``[@click=app.quit]QUITLINK`` does not quit.
"""

from __future__ import annotations

from pathlib import Path

from textual.containers import VerticalScroll
from textual.pilot import Pilot
from textual.strip import Strip

from depview.config import Settings, parse_instant
from depview.lockfiles import load
from depview.model import PackageId
from depview.tui.app import DepviewApp, make_app
from depview.tui.screens.detail import DetailScreen
from depview.tui.widgets.dependency_tree import MAX_DEPTH, DependencyTree
from tests.robustness import corpus as C
from tests.robustness.helpers import assert_inert

SIZE = (140, 45)
TALL = (140, 120)  # the detail tests: fewer pages to scroll through


def _app(tmp_path: Path) -> DepviewApp:
    graph = load(C.LOCKFILE)
    settings = Settings(
        snapshot=C.SNAPSHOT, offline=True, no_cache=True, as_of=parse_instant(C.AS_OF)
    )
    app = make_app(graph, C.LOCKFILE, settings, triage_file=tmp_path / "triage.toml")
    app.ui_interval = 0.0
    return app


def _pid(app: DepviewApp, name: str) -> PackageId:
    return next(p for p in app.session.graph.packages if p.name == name)


def _screen(app: DepviewApp) -> list[Strip]:
    return app.screen._compositor.render_strips()


def _check_screen(app: DepviewApp, where: str) -> str:
    strips = _screen(app)
    width, height = app.size
    assert len(strips) == height, where
    lines = []
    for y, strip in enumerate(strips):
        assert strip.cell_length == width, f"{where}: line {y} is {strip.cell_length} cells"
        for segment in strip:
            style = segment.style
            if style is None:
                continue
            assert not style.link, f"{where}: a link on {segment.text!r}"
            meta = style.meta or {}
            assert "@click" not in meta or "quit" not in str(meta["@click"]), (where, meta)
        lines.append(strip.text)
    text = "\n".join(lines)
    assert_inert(text, where)
    return text


async def test_tree_and_preview_are_inert(tmp_path: Path) -> None:
    app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        text = _check_screen(app, "main screen")
        assert "[@click=app.quit]x 6.6.6" in text
        assert "[link=https://evil.test/n]x[/link]" in text
        assert "bidi<U+202E>gpj.exe" in text
        # walk the whole tree: the preview pane shows each package in turn
        for i in range(len(app.session.graph.packages) + 2):
            await pilot.press("down")
            await pilot.pause()
            _check_screen(app, f"main screen after {i + 1} x down")
        assert app.is_running
        assert app.title == "depview"


async def _click_every_quitlink(app: DepviewApp, pilot: Pilot[int], limit: int = 4) -> int:
    """Click the text ``QUITLINK`` (``[@click=app.quit]`` if markup were live) where it shows."""
    clicked = 0
    for y, strip in enumerate(_screen(app)):
        x = strip.text.find("QUITLINK")
        if x != -1 and clicked < limit:
            await pilot.click(offset=(x + 2, y))
            await pilot.pause()
            clicked += 1
            assert app.is_running and app.return_code is None
    return clicked


async def test_detail_screens_are_inert_and_clicks_do_nothing(tmp_path: Path) -> None:
    app = _app(tmp_path)
    async with app.run_test(size=TALL) as pilot:
        await app.workers.wait_for_complete()
        clicked = 0
        for name in (C.META, C.CLICK, C.ANSI_NAME):
            app.open_detail(_pid(app, name))
            await pilot.pause()
            await pilot.pause()
            assert isinstance(app.screen, DetailScreen)
            seen = _check_screen(app, f"detail {name[:20]!r}")
            # scroll the whole body: every section gets drawn
            body = app.screen.query_one("#detail-body", VerticalScroll)
            for page in range(20):
                if name == C.META:
                    clicked += await _click_every_quitlink(app, pilot, 4 - clicked)
                if body.scroll_y >= body.max_scroll_y:
                    break
                await pilot.press("pagedown")
                await pilot.pause()
                seen += _check_screen(app, f"detail {name[:20]!r} page {page}")
            assert body.scroll_y >= body.max_scroll_y, "the detail body never ends"
            if name == C.META:
                for needle in (
                    "[@click=app.quit]QUITLINK[/]",
                    "[link=https://evil.test/m]click me[/link]",
                    "<U+202E>",
                    "nulbyte",
                    "RED",
                ):
                    assert needle in seen, needle
                assert clicked >= 3
                assert isinstance(app.screen, DetailScreen)  # the clicks did nothing
            await pilot.press("escape")
            await pilot.pause()
        assert app.is_running and app.return_code is None


def _deep_app(tmp_path: Path, depth: int) -> tuple[DepviewApp, list[BaseException]]:
    from depview.service import Enrichment
    from tests.robustness.helpers import chain_lockfile, write_project
    from tests.tui.helpers import StaticAnalyzer

    lock = write_project(tmp_path / "p", chain_lockfile(depth))
    graph = load(lock)
    app = make_app(
        graph,
        lock,
        Settings(offline=True, no_cache=True),
        analyzer=StaticAnalyzer({}, Enrichment()),
        triage_file=tmp_path / "triage.toml",
    )
    errors: list[BaseException] = []
    # record instead of crashing: a 1,000-frame traceback takes Textual (and pytest) minutes to render
    app._handle_exception = errors.append  # type: ignore[method-assign,assignment]
    return app, errors


def _c(i: int) -> PackageId:
    return PackageId("npm", f"c{i}", "1.0.0")


def _deepest_line(tree: DependencyTree) -> int:
    return max(len(line.path) for line in tree._tree_lines)


async def test_deep_chain_go_to_the_deepest_package(tmp_path: Path) -> None:
    app, errors = _deep_app(tmp_path, 1_200)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await app.workers.wait_for_complete()
        tree = app.main_screen.dep_tree
        try:
            moved = app.main_screen.go_to(_c(1199))
            await pilot.pause()
        except RecursionError:
            moved = False
        node = tree.cursor_node
        label = str(node.label) if node is not None else ""
        running = app.is_running
        # re-rooted 50 levels above it, and the user is told
        assert tree.base == tuple(_c(i) for i in range(1150))
        assert _deepest_line(tree) <= MAX_DEPTH
        assert str(tree.root.children[0].label).startswith("↑ 1,149 levels above")
        messages = [n.message for n in app._notifications]
        assert any("c1199@1.0.0 is 1,200 levels deep" in m for m in messages), messages
        # enter on the first row: 50 levels further up, the old top selected
        tree.move_cursor(tree.root.children[0])
        await pilot.press("enter")
        await pilot.pause()
        assert len(tree.base) == 1100
        assert tree.current_pid() == _c(1149)
        # a shallow package brings the whole tree back
        assert app.main_screen.go_to(_c(3))
        await pilot.pause()
        assert tree.base == () and tree.current_pid() == _c(3)
    assert not errors, [type(e).__name__ for e in errors]
    assert moved and running
    assert "c1199" in label


async def test_expanding_past_the_depth_limit_re_roots(tmp_path: Path) -> None:
    app, errors = _deep_app(tmp_path, 300)
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        tree = app.main_screen.dep_tree
        edge = MAX_DEPTH - 1  # c99, at level 100: the deepest shown without re-rooting
        assert app.main_screen.go_to(_c(edge))
        await pilot.pause()
        assert tree.base == ()
        await pilot.press("right")  # expand it: its child would be one level too deep
        await pilot.pause()
        await pilot.pause()
        assert tree.base == tuple(_c(i) for i in range(edge + 1 - 50))
        assert tree.current_pid() == _c(edge)
        assert [n.data.pid for n in tree.cursor_node.children if n.data] == [_c(edge + 1)]
        assert _deepest_line(tree) <= MAX_DEPTH
    assert not errors, [type(e).__name__ for e in errors]
