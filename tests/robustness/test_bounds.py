"""What bounds a report whatever the input: path elision, the string cap, the TUI's path text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from depview.model import PackageId
from depview.report.limits import MAX_STRING, PATH_HEAD, PATH_MAX, cap_strings, elide_path
from depview.textsafe import shorten
from depview.tui.widgets.risk_detail import path_text
from tests.robustness.helpers import chain_lockfile, run_cli, write_project

AS_OF = "2026-04-01T00:00:00Z"


def test_shorten() -> None:
    assert shorten("abc", 3) == "abc"
    assert shorten("abcd", 3) == "abc…(4 chars)"


@pytest.mark.parametrize("n", [0, 1, PATH_MAX, PATH_MAX + 1, 1_000])
def test_elide_path(n: int) -> None:
    path = list(range(n))
    head, tail = elide_path(path)
    if n <= PATH_MAX:
        assert (head, tail) == (path, [])
    else:
        assert head == path[:PATH_HEAD] and tail == path[-(PATH_MAX - PATH_HEAD) :]


def test_cap_strings_reaches_every_string_and_key() -> None:
    big = "x" * (MAX_STRING + 5)
    doc = {"a": [big, {"b": big, big: 1}], "n": 3, "ok": "short"}
    out = cap_strings(doc)
    text = json.dumps(out, ensure_ascii=False)
    assert big not in text
    assert text.count(f"…({MAX_STRING + 5} chars)") == 3
    assert out["n"] == 3 and out["ok"] == "short"
    deep: list[object] = [big]
    for _ in range(5_000):  # deeper than the recursion limit
        deep = [deep]
    capped = cap_strings(deep)
    for _ in range(5_000):
        capped = capped[0]
    assert capped == [shorten(big, MAX_STRING)]


def test_tui_path_text_is_elided() -> None:
    path = [PackageId("npm", f"c{i}", "1.0.0") for i in range(500)]
    text = path_text(path).plain
    assert text.startswith("c0@1.0.0 › c1@1.0.0")
    assert "c9@1.0.0 › … 480 more … › c490@1.0.0" in text
    assert text.endswith("c499@1.0.0")
    assert path_text(path[:3]).plain == "c0@1.0.0 › c1@1.0.0 › c2@1.0.0"


@pytest.mark.filterwarnings("ignore:The Component this BOM:UserWarning")
@pytest.mark.parametrize("fmt", ["json", "sarif", "cyclonedx"])
def test_a_huge_resolved_url_is_capped(tmp_path: Path, fmt: str) -> None:
    lock = chain_lockfile(2)
    url = "https://evil.test/" + "u" * 200_000 + ".tgz"
    lock["packages"]["node_modules/c1"]["resolved"] = url
    path = write_project(tmp_path / "p", lock)
    snap = tmp_path / "snap"
    snap.mkdir()
    run = run_cli(["scan", str(path), "--snapshot", str(snap), "--as-of", AS_OF, "--format", fmt])
    assert run.code in (0, 1), run.err[-500:]
    json.loads(run.out)
    assert "u" * (MAX_STRING + 1) not in run.out
    assert len(run.out) < 200_000


def test_an_already_shortened_path_keeps_its_real_length() -> None:
    path = list(range(1_000))
    head, tail = elide_path(path)
    kept = head + tail
    assert elide_path(kept, 1_000) == (head, tail)
    assert elide_path(kept[:5], 5) == (kept[:5], [])


def test_report_entries_keep_long_paths_short(tmp_path: Path) -> None:
    from depview.config import Settings
    from depview.lockfiles import load
    from depview.report.markdown import _path_text
    from depview.service import build_report

    graph = load(write_project(tmp_path / "p", chain_lockfile(300)))
    entries = {e.id.name: e for e in build_report(graph, Settings(offline=True), None).entries}
    deep = entries["c299"]
    assert [len(p) for p in deep.paths] == [PATH_MAX]  # not 300 PackageIds held per entry
    assert deep.path_length(0) == 300
    assert entries["c3"].path_lengths == () and entries["c3"].path_length(0) == 4
    text = _path_text(deep.paths[0], deep.path_length(0))
    assert "… 280 more …" in text and text.endswith("`c299@1.0.0`")
