"""Everything about one package: why it is risky, its releases, why it is here."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Sparkline, Static
from textual.widgets.option_list import Option

from depview.metadata import PackageMetadata
from depview.model import PackageId
from depview.tui.timeline import monthly_counts, releases
from depview.tui.treemodel import Location
from depview.tui.widgets.risk_detail import (
    advisories_text,
    dependency_changes_text,
    errors_text,
    findings_text,
    header_text,
    install_scripts_text,
    path_text,
    suggestion_text,
    timeline_strips,
    timeline_text,
)

if TYPE_CHECKING:
    from depview.tui.state import Session

__all__ = ["DetailScreen"]


class DetailScreen(Screen[None]):
    """Details of one package; ``n``/``p`` step to the next risky one in place."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", tooltip="Back to the dependency tree", id="detail.back"),
        Binding("t", "triage", "Triage", tooltip="Accept, ignore or investigate this package", id="detail.triage"),
        Binding("n", "step(1)", "Next risky", tooltip="Show the next package at the filter level", id="detail.next"),
        Binding("p", "step(-1)", "Prev risky", tooltip="Show the previous package at the filter level", id="detail.prev"),
        Binding("w", "focus_paths", "Why here", tooltip="Focus the 'why is it here' paths (enter jumps there)", id="detail.paths"),
    ]  # fmt: skip
    """
    | Key | Description |
    | :- | :- |
    | escape | Back to the tree. |
    | t | Triage this package. |
    | n / p | Next / previous risky package. |
    | w | Focus the "why is it here" paths; enter jumps to one. |
    """

    def __init__(
        self,
        session: Session,
        pid: PackageId,
        *,
        on_jump: Callable[[Location], None],
        on_triage: Callable[[PackageId], None],
        on_step: Callable[[PackageId | None, bool], PackageId | None],
    ) -> None:
        super().__init__()
        self.session = session
        self.pid = pid
        self._on_jump = on_jump
        self._on_triage = on_triage
        self._on_step = on_step
        self._locations: list[Location] = []

    def compose(self) -> ComposeResult:
        yield Static(id="detail-title")
        with VerticalScroll(id="detail-body"):
            yield Static("Suggested pin", classes="section-title")
            yield Static(id="suggestion", classes="section")
            yield Static("Findings", classes="section-title")
            yield Static(id="findings", classes="section")
            yield Static(
                "Why is it here (enter or click a path to jump there)", classes="section-title"
            )
            yield OptionList(id="why")
            yield Static("Release timeline", classes="section-title")
            yield Static(id="strips", classes="section")
            yield Static(id="spark-label", classes="section")
            yield Sparkline([], id="spark")
            yield Static(id="timeline", classes="section")
            yield Static("Dependency changes", classes="section-title")
            yield Static(id="depchanges", classes="section")
            yield Static("Install scripts", classes="section-title")
            yield Static(id="scripts", classes="section")
            yield Static("Advisories", classes="section-title")
            yield Static(id="advisories", classes="section")
            yield Static("Registry errors", classes="section-title", id="errors-title")
            yield Static(id="errors", classes="section")
        yield Footer()

    def on_mount(self) -> None:
        self.show_package(self.pid)
        self.query_one("#detail-body", VerticalScroll).focus()

    def show_package(self, pid: PackageId) -> None:
        self.pid = pid
        s = self.session
        self.query_one("#detail-title", Static).update(header_text(s, pid))
        self.query_one("#findings", Static).update(findings_text(s, pid))
        self.query_one("#suggestion", Static).update(suggestion_text(s, pid))
        self._fill_paths(pid)
        strips = timeline_strips(s, pid)
        self.query_one("#strips", Static).update(strips if strips is not None else Text())
        self.query_one("#strips", Static).display = strips is not None
        self._fill_spark(pid)
        self.query_one("#timeline", Static).update(timeline_text(s, pid))
        self.query_one("#depchanges", Static).update(dependency_changes_text(s, pid))
        self.query_one("#scripts", Static).update(install_scripts_text(s, pid))
        self.query_one("#advisories", Static).update(advisories_text(s, pid))
        errs = errors_text(s, pid)
        self.query_one("#errors", Static).update(errs if errs is not None else Text())
        self.query_one("#errors", Static).display = errs is not None
        self.query_one("#errors-title", Static).display = errs is not None

    def _fill_spark(self, pid: PackageId) -> None:
        meta = self.session.metadata(pid)
        spark = self.query_one("#spark", Sparkline)
        label = self.query_one("#spark-label", Static)
        if not isinstance(meta, PackageMetadata) or meta.not_found:
            spark.display = False
            label.display = False
            return
        counts = monthly_counts(releases(meta, pid.version), self.session.instant, 24)
        spark.data = [float(c) for c in counts]
        spark.display = True
        label.display = True
        label.update(
            Text(
                f"releases per month, last 24 months (peak {max(counts)}, total {sum(counts)})",
                style="dim",
            )
        )

    def _fill_paths(self, pid: PackageId) -> None:
        why = self.query_one("#why", OptionList)
        why.clear_options()
        self._locations = []
        paths = self.session.why_paths(pid, 5)
        if not paths:
            why.add_option(
                Option(
                    Text("not reachable from the project's dependencies", style="dim"),
                    disabled=True,
                )
            )
            return
        for path in paths:
            self._locations.append(self.session.model.location_for_path(path))
            why.add_option(Option(path_text(path)))
        why.highlighted = 0

    def refresh_if(self, changed: set[PackageId] | None) -> None:
        """Re-render when this package's verdict (or everything, ``None``) changed."""
        if changed is None or self.pid in changed:
            self.show_package(self.pid)

    @on(OptionList.OptionSelected, "#why")
    def _jump(self, event: OptionList.OptionSelected) -> None:
        index = event.option_index
        if 0 <= index < len(self._locations):
            location = self._locations[index]
            self.dismiss()
            self._on_jump(location)

    def action_back(self) -> None:
        self.dismiss()

    def action_triage(self) -> None:
        self._on_triage(self.pid)

    def action_step(self, direction: int) -> None:
        pid = self._on_step(self.pid, direction > 0)
        if pid is not None:
            self.show_package(pid)
            self.query_one("#detail-body", VerticalScroll).scroll_home(animate=False)

    def action_focus_paths(self) -> None:
        self.query_one("#why", OptionList).focus()
