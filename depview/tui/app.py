"""The depview Textual app: ``make_app`` builds it, ``run_app`` runs it (the CLI calls this).

Data flow: the tree is built from the lockfile graph at once (lazily); an
async worker runs the analyzer (``depview.service.analyze`` by default), whose
``on_verdicts`` callback parks verdict batches in a buffer and posts a
coalescing :class:`~depview.tui.messages.VerdictsPending`; the handler
relabels only the affected, already-built nodes. Worker failure is handled in
one place (``on_worker_state_changed``): every package still without a verdict
then shows as unknown (``?``), never as safe.

Triage decisions live in ``.depview-triage.toml`` beside the lockfile. The
demo's lockfile sits inside the installed package, so ``depview demo`` keeps
its decisions in the user state directory instead
(``platformdirs.user_state_path("depview") / "demo"``, or
``$DEPVIEW_DEMO_STATE_DIR`` when set) and never writes into the package.
"""

from __future__ import annotations

import gc
import os
import threading
import time
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import ClassVar, Protocol

from textual import work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.command import Provider
from textual.timer import Timer
from textual.worker import Worker, WorkerState

from depview.config import Settings
from depview.errors import DepviewError
from depview.model import DependencyGraph, PackageId
from depview.report.model import TriageMark
from depview.risk.model import Level, Verdict
from depview.service import Analysis, Enrichment
from depview.sources.interface import Progress, ProgressEvent
from depview.textsafe import one_line
from depview.triage import TRIAGE_FILE, load_triage, save_triage, triage_path
from depview.tui.commands import DepviewCommands
from depview.tui.messages import EnrichmentProgress, VerdictsPending
from depview.tui.screens.detail import DetailScreen
from depview.tui.screens.export import ExportScreen
from depview.tui.screens.help import HelpScreen
from depview.tui.screens.main import MainScreen, SearchBox
from depview.tui.screens.triage import TriageDialog, TriageResult
from depview.tui.state import Session
from depview.tui.treemodel import Location
from depview.tui.widgets.dependency_tree import DependencyTree
from depview.tui.widgets.summary_bar import SummaryBar

__all__ = ["Analyzer", "DepviewApp", "demo_triage_file", "make_app", "run_app"]

OnVerdicts = Callable[[Mapping[PackageId, Verdict]], None]


class Analyzer(Protocol):
    """``depview.service.analyze``'s shape; tests pass stubs."""

    def __call__(
        self,
        graph: DependencyGraph,
        settings: Settings,
        *,
        project_dir: Path,
        progress: Progress | None = ...,
        on_verdicts: OnVerdicts | None = ...,
    ) -> Awaitable[Analysis]: ...


def demo_triage_file() -> Path:
    """Where ``depview demo`` keeps triage decisions (outside the installed package)."""
    override = os.environ.get("DEPVIEW_DEMO_STATE_DIR")
    if override:
        return Path(override) / TRIAGE_FILE
    from platformdirs import user_state_path

    return user_state_path("depview") / "demo" / TRIAGE_FILE


class DepviewApp(App[int]):
    """Annotated dependency tree with streaming risk verdicts."""

    CSS_PATH = "app.tcss"
    TITLE = "depview"
    COMMANDS: ClassVar[set[type[Provider] | Callable[[], type[Provider]]]] = {DepviewCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", tooltip="Leave depview", id="app.quit"),
        Binding("question_mark", "help", "Help", tooltip="Every key and what the symbols mean", id="app.help"),
        Binding("ctrl+p", "command_palette", "Commands", show=False, priority=True, tooltip="Command palette: every action, and go-to-package by name", id="app.palette"),
    ]  # fmt: skip
    """
    | Key | Description |
    | :- | :- |
    | q | Quit. |
    | ? | Help: every key and the legend. |
    | ctrl+p | Command palette. |
    """

    #: Screen updates from streaming verdicts are applied at most this often (seconds).
    UI_INTERVAL: ClassVar[float] = 0.05

    def __init__(
        self,
        session: Session,
        analyzer: Analyzer,
    ) -> None:
        super().__init__()
        self.session = session
        self._analyzer = analyzer
        self.ui_interval = self.UI_INTERVAL
        self._pending: dict[PackageId, Verdict] = {}
        self._dirty: set[PackageId] = set()
        self._summary_dirty = False
        self._flush_timer: Timer | None = None
        self._last_flush = 0.0
        self._loop_thread = threading.get_ident()
        self._started = False
        self.main_screen = MainScreen(session)

    # -- lifecycle ------------------------------------------------------------------
    def get_default_screen(self) -> MainScreen:
        return self.main_screen

    def on_mount(self) -> None:
        self._loop_thread = threading.get_ident()
        if self.session.triage_error:
            self.notify(self.session.triage_error, severity="error", markup=False, timeout=8)

    def start_enrichment(self) -> None:
        """Called once the main screen is up: the tree is interactive before any fetch."""
        if not self._started:
            self._started = True
            self.enrich()

    @work(exclusive=True, exit_on_error=False, group="enrich", description="Fetching registry data")
    async def enrich(self) -> Analysis:
        session = self.session
        return await self._analyzer(
            session.graph,
            session.settings,
            project_dir=session.lockfile.parent,
            progress=self._on_progress,
            on_verdicts=self._on_verdicts,
        )

    # -- worker callbacks (run inside the worker; never touch widgets) ----------------
    def _on_verdicts(self, batch: Mapping[PackageId, Verdict]) -> None:
        if threading.get_ident() != self._loop_thread:
            self.call_from_thread(self._on_verdicts, dict(batch))
            return
        self._pending.update(batch)
        self.post_message(VerdictsPending())

    def _on_progress(self, event: ProgressEvent) -> None:
        self.post_message(EnrichmentProgress(event.done, event.total, event.errors))

    # -- message handlers -----------------------------------------------------------------
    def on_verdicts_pending(self, _: VerdictsPending) -> None:
        self._drain()

    def _drain(self) -> set[PackageId]:
        """Move parked verdicts into the session; the screen catches up in :meth:`_flush_updates`."""
        if not self._pending:
            return set()
        batch, self._pending = self._pending, {}
        changed = self.session.add_verdicts(batch)
        if changed:
            self._dirty |= changed
            self._schedule_flush()
        return changed

    def on_enrichment_progress(self, message: EnrichmentProgress) -> None:
        p = self.session.progress
        p.done, p.total, p.errors = message.done, message.total, message.errors
        self._summary_dirty = True
        self._schedule_flush()

    def _schedule_flush(self) -> None:
        """Throttle: at most one screen update per ``ui_interval`` while verdicts stream."""
        if self._flush_timer is not None or not self._ui_alive():
            return
        wait = self._last_flush + self.ui_interval - time.monotonic()
        if wait <= 0:
            self._flush_updates()
        else:
            self._flush_timer = self.set_timer(wait, self._flush_updates, name="flush-verdicts")

    def _ui_alive(self) -> bool:
        """False while the app shuts down (late worker messages must not touch screens)."""
        return self.is_running and not self._closing and len(self.screen_stack) > 0

    def _flush_updates(self) -> None:
        self._flush_timer = None
        if not self._ui_alive():
            return
        self._last_flush = time.monotonic()
        dirty, self._dirty = self._dirty, set()
        summary, self._summary_dirty = self._summary_dirty, False
        if dirty:
            self._changed(dirty)
        elif summary and self.main_screen.is_mounted:
            self.main_screen.query_one("#summary", SummaryBar).refresh_summary()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker.group != "enrich":
            return
        if event.state is WorkerState.SUCCESS:
            self._drain()
            analysis = worker.result
            if isinstance(analysis, Analysis):
                self.session.add_verdicts(analysis.verdicts)
                self.session.finish(errors=analysis.errors, enrichment=analysis.enrichment)
                if analysis.errors:
                    self.notify(
                        f"{len(analysis.errors)} registry errors: affected packages show ? (unknown)",
                        severity="warning",
                        markup=False,
                    )
            else:
                self.session.finish(failure="the analyzer returned no result")
            self._finished()
        elif event.state is WorkerState.ERROR:
            self._drain()
            err = worker.error
            text = (
                err.one_line() if isinstance(err, DepviewError) else f"{type(err).__name__}: {err}"
            )
            self.session.finish(failure=one_line(text, 300), enrichment=Enrichment())
            self.notify(
                f"enrichment failed: {one_line(text, 200)} — packages without data show ? (unknown)",
                severity="error",
                markup=False,
                timeout=8,
            )
            self._finished()
        elif event.state is WorkerState.CANCELLED:
            self.session.finish(failure="enrichment cancelled")
            self._finished()

    def _finished(self) -> None:
        if self._flush_timer is not None:
            self._flush_timer.stop()
            self._flush_timer = None
        self._dirty.clear()
        self._summary_dirty = False
        if not self._ui_alive():
            return
        self.main_screen.enrichment_finished()
        screen = self.screen
        if isinstance(screen, DetailScreen):
            screen.refresh_if(None)

    def _changed(self, changed: set[PackageId] | None) -> None:
        if not self._ui_alive():
            return
        self.main_screen.apply_changes(changed)
        screen = self.screen
        if isinstance(screen, DetailScreen):
            screen.refresh_if(changed)

    # -- navigation used by screens and the palette ---------------------------------------------
    def run_main(self, action: str) -> None:
        """Run a main-screen action (the palette uses this), returning to it first."""
        while len(self.screen_stack) > 1 and self.screen is not self.main_screen:
            self.pop_screen()
        self.call_later(self.main_screen.run_action, action)

    def go_to_package(self, pid: PackageId) -> None:
        while len(self.screen_stack) > 1 and self.screen is not self.main_screen:
            self.pop_screen()
        self.main_screen.go_to(pid)

    def open_detail(self, pid: PackageId) -> None:
        screen = DetailScreen(
            self.session,
            pid,
            on_jump=self._jump_from_detail,
            on_triage=self.open_triage,
            on_step=self.main_screen.step,
        )
        self.push_screen(screen)

    def _jump_from_detail(self, location: Location) -> None:
        self.main_screen.jump_to(location)

    def open_triage(self, pid: PackageId) -> None:
        if self.session.triage_error is not None:
            self.notify(self.session.triage_error, severity="error", markup=False)
            return
        mark = self.session.marks.get(pid)

        def done(result: TriageResult | None) -> None:
            if result is not None:
                self.apply_triage(pid, None if result.clear else result.mark)

        self.push_screen(TriageDialog(pid, mark, self.session.instant), done)

    def apply_triage(self, pid: PackageId, mark: TriageMark | None) -> bool:
        """Store (or clear) a decision and write the triage file atomically."""
        marks = dict(self.session.marks)
        if mark is None:
            marks.pop(pid, None)
        else:
            marks[pid] = mark
        path = self.session.triage_file
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            save_triage(path, marks)
        except OSError as exc:
            self.notify(
                f"cannot write {path}: {exc.strerror or exc}", severity="error", markup=False
            )
            return False
        self.session.marks = marks
        self.session.version += 1
        self._changed({pid})
        what = "cleared" if mark is None else mark.state
        self.notify(
            f"{one_line(str(pid), 120)}: {what} (saved to {path.name})", timeout=2, markup=False
        )
        return True

    def open_export(self) -> None:
        session = self.session

        def build(remedy: object) -> object:
            analysis = Analysis(
                verdicts=dict(session.verdicts),
                errors=list(session.errors),
                enrichment=session.enrichment or Enrichment(),
            )
            return remedy.build_export(  # type: ignore[attr-defined]
                session.graph,
                session.lockfile,
                analysis,
                session.settings,
                level=Level.HIGH,
                triage=dict(session.marks),
            )

        if not session.finished:
            self.notify(
                "registry data is still arriving: the export uses the verdicts so far", markup=False
            )
        self.push_screen(ExportScreen(build, demo=session.demo))

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            self.pop_screen()
            return
        self.push_screen(HelpScreen(help_sections()))


def help_sections() -> list[tuple[str, list[BindingType]]]:
    return [
        ("Everywhere", list(DepviewApp.BINDINGS)),
        ("Dependency tree", list(MainScreen.BINDINGS) + list(DependencyTree.BINDINGS)),
        ("Search box (after /)", [*SearchBox.BINDINGS, Binding("enter", "submit", "Keep this match", tooltip="Close the search and stay on the match", id="search.keep")]),
        ("Package details", list(DetailScreen.BINDINGS)),
        ("Triage dialog", [*TriageDialog.BINDINGS, Binding("enter", "save", "Save", tooltip="Save from a text field", id="triage.enter")]),
        ("Export", list(ExportScreen.BINDINGS)),
        ("Help", list(HelpScreen.BINDINGS)),
    ]  # fmt: skip


def make_app(
    graph: DependencyGraph,
    lockfile: Path,
    settings: Settings,
    *,
    analyzer: Analyzer | None = None,
    demo: bool = False,
    triage_file: Path | None = None,
) -> DepviewApp:
    """Build the app (the CLI, the tests and the screenshots all come through here)."""
    if analyzer is None:
        from depview.service import analyze

        analyzer = analyze
    if triage_file is None:
        triage_file = demo_triage_file() if demo else triage_path(lockfile)
    session = Session(
        graph=graph,
        settings=settings,
        lockfile=lockfile,
        triage_file=triage_file,
        instant=settings.instant,
        demo=demo,
    )
    try:
        session.marks = load_triage(triage_file)
    except DepviewError as exc:
        session.triage_error = f"{exc.one_line()} (triage is read-only until it is fixed)"
    return DepviewApp(session, analyzer)


def run_app(
    *,
    graph: DependencyGraph,
    lockfile: Path,
    settings: Settings,
    demo: bool = False,
    analyzer: Analyzer | None = None,
) -> int:
    """Run the TUI until the user quits; returns the exit status (0)."""
    app = make_app(graph, lockfile, settings, analyzer=analyzer, demo=demo)
    # The graph, the tree model and Textual's own objects live as long as the app:
    # keep them out of the cyclic collector's passes (shorter GC pauses while typing).
    gc.freeze()
    result = app.run()
    return result if isinstance(result, int) else 0
