"""Export: show the unified diff of the pinned-safe change, write only after confirmation.

``depview.remedy.api`` is imported lazily: while it is missing (or fails) the
screen says "export unavailable" and writes nothing.
"""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, ScrollableContainer, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Footer, Static
from textual.worker import Worker, WorkerState

from depview.errors import DepviewError
from depview.textsafe import clean, one_line

__all__ = ["ExportScreen", "diff_text", "load_remedy"]


def load_remedy() -> Any | None:
    """The ``depview.remedy.api`` module, or None while it does not exist."""
    try:
        return importlib.import_module("depview.remedy.api")
    except ImportError:
        return None


def diff_text(diff: str) -> Text:
    """A unified diff, coloured line by line, as inert text."""
    text = Text()
    for i, line in enumerate(clean(diff, 400_000).splitlines()):
        if i:
            text.append("\n")
        if line.startswith(("+++", "---")):
            style = "bold"
        elif line.startswith("@@"):
            style = "cyan"
        elif line.startswith("+"):
            style = "green"
        elif line.startswith("-"):
            style = "red"
        else:
            style = ""
        text.append(line, style=style)
    return text


class ExportScreen(Screen[None]):
    """Preview the export; ``y`` writes, ``n``/escape goes back."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,n", "cancel", "Back", tooltip="Back without writing anything", id="export.cancel"),
        Binding("y", "confirm", "Write beside", tooltip="Write the changed files as new files beside the originals (name.depview.ext)", id="export.confirm"),
        Binding("A", "apply", "Apply", tooltip="Overwrite the original files with the changes shown", id="export.apply"),
    ]  # fmt: skip
    """
    | Key | Description |
    | :- | :- |
    | y | Write the changes beside the originals. |
    | A | Apply the changes over the originals. |
    | n / escape | Back without writing. |
    """

    def __init__(self, build: Callable[[Any], Any], *, demo: bool = False) -> None:
        super().__init__()
        self._build = build
        self.demo = demo
        self.result: Any | None = None
        self.remedy: Any | None = None
        self.written: list[Path] = []

    def compose(self) -> ComposeResult:
        yield Static(Text("Export pinned-safe versions", style="bold"), id="export-title")
        yield Static(Text("preparing…", style="dim italic"), id="export-status")
        with VerticalScroll(id="export-notes"):
            yield Static(id="export-summary")
        with ScrollableContainer(id="export-body"):
            yield Static(id="export-diff")
        with Horizontal(id="export-buttons"):
            yield Button("Write beside (y)", variant="primary", id="export-write", disabled=True)
            yield Button(
                "Apply to originals (A)", variant="warning", id="export-apply", disabled=True
            )
            yield Button("Back (n)", id="export-back")
        yield Footer()

    def on_mount(self) -> None:
        self.remedy = load_remedy()
        if self.remedy is None:
            self._status(
                Text(
                    "export unavailable: this build has no depview.remedy module yet; nothing was written.",
                    style="bold yellow",
                )
            )
            return
        self.prepare()

    def _status(self, text: Text) -> None:
        self.query_one("#export-status", Static).update(text)

    @work(exclusive=True, exit_on_error=False, group="export", description="Preparing export")
    async def prepare(self) -> Any:
        remedy = self.remedy
        result = await asyncio.to_thread(self._build, remedy)
        diff = await asyncio.to_thread(remedy.unified_diff, result) if remedy else ""
        return result, diff

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "export":
            return
        if event.state is WorkerState.ERROR:
            err = event.worker.error
            msg = (
                err.one_line() if isinstance(err, DepviewError) else f"{type(err).__name__}: {err}"
            )
            self._status(Text("export failed: " + one_line(msg, 300), style="bold red"))
        elif event.state is WorkerState.SUCCESS and event.worker.result is not None:
            result, diff = event.worker.result
            self.result = result
            self._show_result(result, diff)

    def _show_result(self, result: Any, diff: str) -> None:
        files = [f for f in (getattr(result, "files", ()) or ()) if getattr(f, "changed", True)]
        info = Text()
        lines: list[str] = []
        summary = getattr(self.remedy, "summary", None)
        if callable(summary):
            try:
                lines = [str(x) for x in summary(result)]
            except Exception:  # a preview helper failing must not hide the diff
                lines = []
        lines += [str(n) for n in getattr(result, "notes", ()) or ()]
        for line in lines[:12]:
            if info:
                info.append("\n")
            info.append("• " + one_line(line, 300))
        if len(lines) > 12:
            info.append(f"\n… {len(lines) - 12} more", style="dim")
        if not files or not diff.strip():
            head = Text(
                "nothing to change: no package at the export level has a safer pin.", style="green"
            )
            if info:
                head.append("\n")
                head.append_text(info)
            self._status(head)
            return
        self.query_one("#export-summary", Static).update(info)
        self.query_one("#export-diff", Static).update(diff_text(diff))
        names = ", ".join(self._short(getattr(f, "path", "?")) for f in files)
        if self.demo:
            self._status(
                Text(
                    f"demo: preview only (the demo project is read-only). Would change: {names}",
                    style="yellow",
                )
            )
            return
        status = Text(f"Write {len(files)} file(s)? ", style="bold")
        status.append(names)
        status.append("  y: new files beside them · A: overwrite them · n: back", style="dim")
        self._status(status)
        self.query_one("#export-write", Button).disabled = False
        self.query_one("#export-apply", Button).disabled = False

    def _short(self, path: object) -> str:
        """A changed file's path relative to the lockfile's folder (the full path elsewhere)."""
        base = getattr(self.result, "lockfile", None)
        p = Path(str(path))
        if isinstance(base, Path):
            try:
                return one_line(p.relative_to(base.parent).as_posix(), 200)
            except ValueError:
                pass
        return one_line(str(p), 200)

    @on(Button.Pressed, "#export-write")
    def action_confirm(self) -> None:
        self._write(apply=False)

    @on(Button.Pressed, "#export-apply")
    def action_apply(self) -> None:
        self._write(apply=True)

    def _write(self, *, apply: bool) -> None:
        if self.result is None or self.remedy is None or self.demo or self.written:
            return
        try:
            self.written = list(self.remedy.write_export(self.result, output=None, apply=apply))
        except (DepviewError, OSError) as exc:
            msg = exc.one_line() if isinstance(exc, DepviewError) else str(exc)
            self._status(Text("write failed: " + one_line(msg, 300), style="bold red"))
            return
        self.query_one("#export-write", Button).disabled = True
        self.query_one("#export-apply", Button).disabled = True
        done = Text("written: ", style="bold green")
        done.append(", ".join(one_line(str(p), 200) for p in self.written))
        self._status(done)
        self.app.notify(
            f"export written: {len(self.written)} file(s)", title="depview", markup=False
        )

    @on(Button.Pressed, "#export-back")
    def action_cancel(self) -> None:
        self.dismiss()
