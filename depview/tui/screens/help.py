"""``?``: every key of every screen (from the Binding objects themselves) and the legend."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from depview.risk.model import Level
from depview.tui.view import BADGE_LEGEND, LEVEL_STYLE, LEVEL_SYMBOL, Shown, level_word

__all__ = ["HelpScreen", "help_text", "key_display"]


def key_display(app: App[object] | None, binding: Binding) -> str:
    keys = [k.strip() for k in binding.key.split(",") if k.strip()]
    shown: list[str] = []
    for key in keys:
        single = Binding(key, binding.action)
        shown.append(app.get_key_display(single) if app is not None else key)
    return " / ".join(shown)


def _as_binding(b: BindingType) -> Binding:
    if isinstance(b, Binding):
        return b
    key, action, *rest = b
    return Binding(key, action, rest[0] if rest else "")


def help_text(
    app: App[object] | None, sections: Sequence[tuple[str, Sequence[BindingType]]]
) -> Text:
    text = Text()
    for i, (title, bindings) in enumerate(sections):
        if i:
            text.append("\n\n")
        text.append(title, style="bold underline")
        for raw in bindings:
            b = _as_binding(raw)
            text.append("\n  ")
            text.append(key_display(app, b).ljust(18), style="bold cyan")
            text.append(b.description or b.action)
            if b.tooltip and b.tooltip != b.description:
                text.append(" — ", style="dim")
                text.append(b.tooltip, style="dim")
    text.append("\n\n")
    text.append("Levels (symbol and colour)", style="bold underline")
    for key in (
        Level.CRITICAL,
        Level.HIGH,
        Level.MEDIUM,
        Level.LOW,
        Level.NONE,
        Shown.UNKNOWN,
        Shown.PENDING,
    ):
        text.append("\n  ")
        text.append(f"{LEVEL_SYMBOL[key]}  {level_word(key)}", style=LEVEL_STYLE[key])
        if key is Shown.UNKNOWN:
            text.append(" — registry data missing: never shown as safe", style="dim")
        elif key is Shown.PENDING:
            text.append(" — registry data still arriving", style="dim")
        elif key is Level.NONE:
            text.append(" — no signal (info-only findings too)", style="dim")
    text.append("\n\n")
    text.append("Badges", style="bold underline")
    for badge, meaning in BADGE_LEGEND:
        text.append("\n  ")
        text.append(badge.ljust(14), style="bold")
        text.append(meaning)
    text.append("\n  ")
    text.append("[state]".ljust(14), style="bold")
    text.append("triage decision (accepted / ignored / investigate; 'expired' once past its date)")
    text.append("\n  ")
    text.append("↪ deduped".ljust(14), style="bold")
    text.append("shown in full elsewhere; enter jumps to the full subtree")
    return text


class HelpScreen(Screen[None]):
    """All key bindings, grouped by where they work."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark", "close", "Close", tooltip="Close the help screen", id="help.close"),
    ]  # fmt: skip

    def __init__(self, sections: Sequence[tuple[str, Sequence[BindingType]]]) -> None:
        super().__init__()
        self.sections = sections

    def compose(self) -> ComposeResult:
        yield Static(Text("depview keys", style="bold"), id="help-title")
        with VerticalScroll(id="help-body"):
            yield Static(help_text(self.app, self.sections), id="help-text")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#help-body", VerticalScroll).focus()

    def action_close(self) -> None:
        self.dismiss()
