"""The plain-text table: ordering, columns, summary, inert strings."""

from __future__ import annotations

from dataclasses import replace

from depview.config import Settings
from depview.report.table import format_table, reason, shown_entries
from depview.risk.model import Level
from tests.report.fixtures import AXIOS, LEFTPAD, PLAIN, SETTINGS, clean_report, report


def _rows(text: str) -> list[str]:
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("LEVEL"))
    end = lines.index("", start)
    return lines[start + 1 : end]


def test_rows_sorted_by_level_then_name() -> None:
    rows = _rows(format_table(report(), settings=SETTINGS, min_level=Level.LOW))
    names = [r.split()[1] for r in rows]
    assert names == [
        "axios@1.14.1",
        "plain-crypto-js@4.2.1",
        "lodash@4.17.20",
        "@evil/pkg@2.0.0",
        "left-pad@1.3.0",
    ]
    assert [r.split()[0] for r in rows] == ["critical", "critical", "high", "medium", "low"]


def test_min_level_filters_rows() -> None:
    rows = _rows(format_table(report(), settings=SETTINGS, min_level=Level.HIGH))
    assert [r.split()[0] for r in rows] == ["critical", "critical", "high"]


def test_row_has_flags_pin_and_strongest_reasons() -> None:
    text = format_table(report(), settings=SETTINGS, min_level=Level.LOW)
    axios = next(r for r in _rows(text) if r.split()[1] == "axios@1.14.1")
    assert " direct " in axios
    assert " 1.14.0 " in axios
    # Strongest first; the fourth (low) finding is counted, not named.
    assert "provenance dropped; published by a new account; published 2 h 39 min" in axios
    assert axios.endswith("+1 more")
    plain = next(r for r in _rows(text) if r.split()[1] == "plain-crypto-js@4.2.1")
    assert "none safe" in plain
    leftpad = next(r for r in _rows(text) if r.split()[1] == "left-pad@1.3.0")
    assert "direct,dev,ignored" in leftpad


def test_summary_counts_levels_unknowns_suppressed_errors() -> None:
    text = format_table(report(), settings=SETTINGS, min_level=Level.LOW)
    summary = next(line for line in text.splitlines() if line.startswith("Summary:"))
    assert summary == (
        "Summary: 7 packages · 2 critical, 1 high, 1 medium, 1 low, 1 info"
        " · 1 unknown · 1 suppressed · 1 error"
    )
    assert "Suppressed (triaged): left-pad@1.3.0 (ignored)" in text
    assert "Result: FAIL (--fail-on high; worst counted: critical)" in text


def test_clean_report_says_nothing_found() -> None:
    text = format_table(clean_report(), settings=SETTINGS, min_level=Level.LOW)
    assert "No packages at or above low." in text
    assert "LEVEL" not in text
    assert "Result: ok" in text


def test_diff_table_shows_change_and_removed() -> None:
    text = format_table(report(diff=True), settings=SETTINGS, min_level=Level.LOW)
    assert text.startswith("depview diff: package-lock.json")
    rows = _rows(text)
    assert "1.14.0 -> 1.14.1" in rows[0]
    assert " added " in rows[1]
    assert "Summary: 1 added, 2 changed, 1 removed" in text
    assert "Removed: form-data@4.0.0" in text


def test_no_control_characters_reach_the_output() -> None:
    text = format_table(report(), settings=SETTINGS, min_level=Level.LOW)
    assert "\x1b" not in text
    assert "\u202e" not in text
    assert "[click](https://evil.example/x)" in text  # shown as plain text
    assert all(ch == "\n" or ch >= " " for ch in text)


def test_width_cuts_only_the_reason_column() -> None:
    text = format_table(report(), settings=SETTINGS, min_level=Level.LOW, width=140)
    for row in _rows(text):
        assert len(row) <= 140
    assert "…" in text


def test_fail_on_none_prints_no_result_line() -> None:
    settings = replace(SETTINGS, fail_on=Level.NONE)
    assert "Result:" not in format_table(report(), settings=settings, min_level=Level.LOW)
    assert "Result:" in format_table(report(), settings=Settings(), min_level=Level.LOW)


def test_reason_for_unjudged_and_unknown() -> None:
    rep = report()
    entry = next(e for e in rep.entries if e.id == AXIOS)
    assert reason(replace(entry, verdict=None)) == "not judged (no registry data)"
    assert [e.id for e in shown_entries(rep, Level.CRITICAL)] == [AXIOS, PLAIN]
    assert LEFTPAD in {e.id for e in shown_entries(rep, Level.LOW)}
