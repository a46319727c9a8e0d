"""The Markdown PR comment: structure, escaping of attacker strings, size budget."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from depview.report.markdown import format_markdown, html_text, md_code, md_text
from depview.risk.model import Finding, Level, Verdict
from tests.report.fixtures import HOSTILE, SCOPED, SETTINGS, clean_report, report


def render(text: str) -> str:
    """GFM-like rendering with autolinks (``linkify``), as GitHub would link bare URLs."""
    html: str = MarkdownIt("gfm-like", {"linkify": True}).render(text)
    return html


def _table_rows(html: str) -> list[list[str]]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [
        re.findall(r"<td>(.*?)</td>", row, re.S) for row in body.split("</tr>") if "<td>" in row
    ]


def test_structure_title_summary_table_details() -> None:
    text = format_markdown(report(), settings=SETTINGS, min_level=Level.LOW)
    assert text.startswith("### depview scan: `package-lock.json`")
    assert "**Summary:** 7 packages" in text
    assert "| Level | Package | Reason | Suggested pin |" in text
    assert text.count("<details><summary>") == 5
    assert text.count("</details>") == 5
    html = render(text)
    rows = _table_rows(html)
    assert len(rows) == 5
    assert all(len(r) == 4 for r in rows)  # nothing broke a cell
    assert "<code>axios@1.14.1</code> (direct)" in rows[0][1]
    assert rows[0][3] == "<code>1.14.0</code>"


def test_findings_in_details_with_detail_text() -> None:
    html = render(format_markdown(report(), settings=SETTINGS, min_level=Level.LOW))
    assert "<strong>critical</strong> malware: malicious package" in html
    assert "OSV MAL-2026-1234 marks plain-crypto-js 4.2.1 as malicious" in html
    assert "Why it is here: <code>axios@1.14.1</code> › <code>plain-crypto-js@4.2.1</code>" in html


def test_hostile_strings_are_inert() -> None:
    text = format_markdown(report(), settings=SETTINGS, min_level=Level.LOW)
    html = render(text)
    assert "<a " not in html  # no links, not even autolinked URLs or e-mails
    assert "<img" not in html
    assert "<script" not in html
    assert "<em>" not in html
    assert "\x1b" not in text and "\u202e" not in text
    # The attacker's text is still there, readable.
    assert "[click](https://evil.example/x)" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    strongs = re.findall(r"<strong>(.*?)</strong>", html)
    assert "bold" not in strongs


def test_summary_line_is_html_escaped() -> None:
    rep = report()
    hostile_id = replace(rep.entries[0].package.id, name="<b>x</b>")
    entry = replace(rep.entries[0], package=replace(rep.entries[0].package, id=hostile_id))
    text = format_markdown(replace(rep, entries=(entry,)), settings=SETTINGS, min_level=Level.NONE)
    summary = re.search(r"<summary>(.*?)</summary>", text)
    assert summary is not None
    assert "&lt;b&gt;x&lt;/b&gt;" in summary.group(1)
    assert "<b>" not in render(text)


def test_diff_shows_change_and_removed() -> None:
    text = format_markdown(report(diff=True), settings=SETTINGS, min_level=Level.LOW)
    assert text.startswith("### depview diff:")
    assert "| Level | Package | Change | Reason | Suggested pin |" in text
    assert "**Removed:** `form-data@4.0.0`" in text
    html = render(text)
    rows = _table_rows(html)
    assert rows[0][2] == "<code>1.14.0</code> → <code>1.14.1</code>"
    assert rows[1][2] == "added"
    assert "1 added, 2 changed, 1 removed" in html


def test_clean_report() -> None:
    text = format_markdown(clean_report(), settings=SETTINGS, min_level=Level.LOW)
    assert "No packages at or above **low**." in text
    assert "✅ Nothing at or above `high`" in text
    assert "<details>" not in text


def test_budget_cuts_rows_and_details_with_a_note() -> None:
    rep = report()
    big = Verdict(SCOPED, Level.HIGH, 80, (Finding("typosquat", Level.HIGH, "t", "d" * 900),))
    entries = tuple(
        replace(
            rep.entries[0],
            package=replace(
                rep.entries[0].package, id=replace(rep.entries[0].id, name=f"pkg{i:04d}")
            ),
            verdict=big,
        )
        for i in range(400)
    )
    text = format_markdown(
        replace(rep, entries=entries), settings=SETTINGS, min_level=Level.LOW, budget=20_000
    )
    assert len(text) <= 20_000
    assert "more rows not shown" in text or "more packages not shown" in text
    assert text.count("<details>") == text.count("</details>")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("a|b", "a\\|b"),
        ("[x](y)", "\\[x\\]\\(y\\)"),
        ("<img>", "\\<img\\>"),
        ("*_`~", "\\*\\_\\`\\~"),
        ("a@b.c", "a\\@b\\.c"),
    ],
)
def test_md_text_escapes(raw: str, expected: str) -> None:
    assert md_text(raw) == expected


def test_md_code_fences_longer_than_content_backticks() -> None:
    assert md_code("a``b") == "```a``b```"
    assert md_code("`x") == "`` `x ``"
    assert md_code("a|b", in_table=True) == "`a\\|b`"
    assert html_text('<a href="x">') == "&lt;a href=&quot;x&quot;&gt;"


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=60))
def test_md_text_renders_as_the_same_text(raw: str) -> None:
    """Whatever the input, escaped prose renders to exactly that text, in one paragraph cell."""
    from depview.textsafe import one_line

    text = f"| a |\n|---|\n| {md_text(raw)} |\n"
    html = render(text)
    cells = _table_rows(html)
    assert len(cells) == 1 and len(cells[0]) == 1
    assert "<a " not in html and "<img" not in html
    import html as htmllib

    expected = one_line(raw, 300).strip()
    got = htmllib.unescape(cells[0][0]).strip()
    # markdown-it normalises runs of spaces at cell edges and NUL; compare what is shown.
    assert " ".join(got.split()) == " ".join(expected.replace("\x00", "\ufffd").split())


def test_hostile_constant_is_really_hostile() -> None:
    # Guard for the tests above: unescaped, the same text does produce links and HTML.
    html = render(HOSTILE)
    assert "<a " in html and "<img" in html
