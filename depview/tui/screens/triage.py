"""The triage dialog: accepted / ignored / investigate, a note, an optional expiry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, RadioButton, RadioSet, Static

from depview.config import parse_instant
from depview.errors import DepviewError
from depview.model import PackageId
from depview.report.model import TriageMark
from depview.textsafe import one_line
from depview.triage import STATES

__all__ = ["TriageDialog", "TriageResult", "parse_expiry"]


@dataclass(frozen=True, slots=True)
class TriageResult:
    """``mark`` None with ``clear`` True removes the decision."""

    mark: TriageMark | None
    clear: bool = False


def parse_expiry(text: str) -> datetime | None:
    """``""`` -> None; a date or an ISO 8601 instant -> UTC datetime; else ValueError."""
    raw = text.strip()
    if not raw:
        return None
    try:
        return parse_instant(raw)
    except DepviewError:
        raise ValueError(f"not a date: {raw!r} (use YYYY-MM-DD or an ISO 8601 instant)") from None


_HELP = {
    "accepted": "the risk is understood and accepted (not counted for --fail-on)",
    "ignored": "not relevant here (reported separately, not counted for --fail-on)",
    "investigate": "needs a closer look (still counted)",
}


class TriageDialog(ModalScreen[TriageResult | None]):
    """Record a decision on one package."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", tooltip="Close without saving", id="triage.cancel"),
        Binding("ctrl+s", "save", "Save", tooltip="Save the decision to .depview-triage.toml", id="triage.save"),
    ]  # fmt: skip
    """
    | Key | Description |
    | :- | :- |
    | escape | Close without saving. |
    | ctrl+s / enter | Save. |
    """

    def __init__(self, pid: PackageId, mark: TriageMark | None, instant: datetime) -> None:
        super().__init__()
        self.pid = pid
        self.mark = mark
        self.instant = instant

    def compose(self) -> ComposeResult:
        state = self.mark.state if self.mark is not None else "investigate"
        with Vertical(id="triage-box"):
            title = Text("Triage ", style="bold")
            title.append(one_line(str(self.pid), 200), style="bold")
            yield Static(title, id="triage-title")
            if self.mark is not None and not self.mark.active(self.instant):
                yield Static(Text("this decision has expired", style="bold yellow"))
            with RadioSet(id="triage-state"):
                for name in STATES:
                    yield RadioButton(name, value=name == state, id=f"state-{name}")
            yield Static(Text(_HELP[state], style="dim"), id="triage-help")
            yield Label("Note")
            yield Input(
                value=self.mark.note if self.mark else "",
                placeholder="why (free text)",
                id="triage-note",
            )
            yield Label("Expires (optional, YYYY-MM-DD)")
            expires = ""
            if self.mark is not None and self.mark.expires is not None:
                expires = self.mark.expires.strftime("%Y-%m-%d")
            yield Input(value=expires, placeholder="never", id="triage-expires")
            yield Static(id="triage-error")
            with Horizontal(id="triage-buttons"):
                yield Button("Save", variant="primary", id="triage-save")
                if self.mark is not None:
                    yield Button("Remove", variant="warning", id="triage-remove")
                yield Button("Cancel", id="triage-cancel")

    def on_mount(self) -> None:
        self.query_one("#triage-state", RadioSet).focus()

    def selected_state(self) -> str:
        radio = self.query_one("#triage-state", RadioSet)
        button = radio.pressed_button
        if button is None or button.id is None:
            return "investigate"
        return button.id.removeprefix("state-")

    @on(RadioSet.Changed)
    def _state_changed(self) -> None:
        self.query_one("#triage-help", Static).update(
            Text(_HELP.get(self.selected_state(), ""), style="dim")
        )

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#triage-save")
    def action_save(self) -> None:
        note = self.query_one("#triage-note", Input).value.strip()
        try:
            expires = parse_expiry(self.query_one("#triage-expires", Input).value)
        except ValueError as exc:
            self.query_one("#triage-error", Static).update(Text(str(exc), style="bold red"))
            self.query_one("#triage-expires", Input).focus()
            return
        author = self.mark.author if self.mark is not None else None
        self.dismiss(TriageResult(TriageMark(self.selected_state(), note, expires, author)))

    @on(Button.Pressed, "#triage-remove")
    def _remove(self) -> None:
        self.dismiss(TriageResult(None, clear=True))

    @on(Button.Pressed, "#triage-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
