"""The hostile corpus through every headless surface: ``scan`` in each format and ``tree``.

Inert means: no byte a terminal acts on (C0/C1 controls, ESC, NUL), bidi and
zero-width characters visible as ``<U+XXXX>`` (JSON: ``\\uXXXX`` escapes, the
file is ASCII), markup shown literally and never interpreted, Markdown unable
to inject links, images or HTML, and output bounded whatever the input size.
"""

from __future__ import annotations

import functools
import html
import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.robustness import corpus as C
from tests.robustness.helpers import CliRun, assert_inert, markdown_prose, run_cli

SCAN = ["--snapshot", str(C.SNAPSHOT), "--as-of", C.AS_OF, "--no-cache"]
FORMATS = ("table", "json", "markdown", "sarif", "cyclonedx")
JSON_FORMATS = ("json", "sarif", "cyclonedx")
#: Far above what 9 packages need, far below the 1 MB strings of the corpus.
OUTPUT_LIMIT = 512 * 1024
SARIF_SCHEMA = Path(__file__).resolve().parents[1] / "data" / "report" / "sarif-schema-2.1.0.json"


@functools.cache
def scan(fmt: str) -> CliRun:
    return run_cli(["scan", str(C.LOCKFILE), "--format", fmt, *SCAN])


def test_corpus_is_current(tmp_path: Path) -> None:
    """The committed files are exactly what tests/robustness/corpus.py writes."""
    C.write_corpus(tmp_path)
    for rel in C.files():
        assert (tmp_path / rel).read_bytes() == (C.HOSTILE_DIR / rel).read_bytes(), rel


@pytest.mark.parametrize("fmt", FORMATS)
def test_scan_completes_and_fails_on_the_malicious_packages(fmt: str) -> None:
    run = scan(fmt)
    assert run.code == 1, run.err[-2000:]
    assert "Traceback" not in run.err


@pytest.mark.parametrize("fmt", FORMATS)
def test_scan_output_is_inert(fmt: str) -> None:
    run = scan(fmt)
    assert_inert(run.out, f"scan --format {fmt}")
    if fmt in JSON_FORMATS:
        assert run.out.isascii(), "machine formats are ASCII with \\u escapes"
        json.loads(run.out)


def test_scan_stderr_is_inert() -> None:
    assert_inert(scan("table").err, "stderr")


@pytest.mark.parametrize("fmt", FORMATS)
def test_scan_output_is_bounded(fmt: str) -> None:
    assert len(scan(fmt).out) < OUTPUT_LIMIT
    assert max(len(line) for line in scan(fmt).out.splitlines()) < 20_000


def test_scan_stderr_is_bounded() -> None:
    assert len(scan("table").err) < 64 * 1024


def _entries() -> dict[str, dict[str, Any]]:
    report = json.loads(scan("json").out)
    return {p["name"]: p for p in report["packages"]}


#: Every name a registry could hold: the 1 MB one is over npm's 214 characters.
PLAUSIBLE_NAMES = set(C.NAMES) - {C.BIG_NAME}


def test_json_keeps_every_hostile_name_exactly() -> None:
    """JSON is data: the names come back byte for byte once decoded."""
    assert set(_entries()) == PLAUSIBLE_NAMES


def test_the_megabyte_name_is_refused_with_a_short_warning() -> None:
    """The reader leaves it out (no registry has such a name) and says so in one short line."""
    for fmt in FORMATS:
        assert "N" * 1000 not in scan(fmt).out, fmt
    err = scan("table").err
    [line] = [line for line in err.splitlines() if "big-NNN" in line]
    assert line.startswith("depview: warning: ")
    assert "…(1000004 chars)@1.0.0" in line
    assert "the name is 1000004 characters long" in line
    assert len(line) < 400


def test_hostile_metadata_reached_the_findings() -> None:
    """The corpus exercises every finding that quotes registry text (else the test proves little)."""
    kinds = {f["kind"] for f in _entries()[C.META]["findings"]}
    assert {
        "advisory",
        "new-install-script",
        "publisher-change",
        "maintainer-change",
        "deprecated",
        "new-dependency",
        "recent-publish",
    } <= kinds
    assert {f["kind"] for f in _entries()[C.CLICK]["findings"]} >= {"malware", "install-script"}
    for name in (C.ANSI_NAME, C.NUL_NAME, C.LINK_NAME):
        assert _entries()[name]["unknown"] is True, name


def test_json_strings_are_capped_where_they_came_from_the_registry() -> None:
    for name, entry in _entries().items():
        for finding in entry["findings"]:
            text = json.dumps(finding)
            assert len(text) < 64 * 1024, (name, finding["kind"], len(text))


def test_table_shows_markup_literally_and_bidi_visibly() -> None:
    out = scan("table").out
    assert "[@click=app.quit]x@6.6.6" in out
    assert "[link=https://evil.test/n]x[/link]@1.0.0" in out
    assert "bidi<U+202E>gpj.exe<U+2066>x<U+2069><U+200B>@1.0.0" in out
    assert "redpkg@1.0.0" in out  # the escapes are gone, the text stays


def test_markdown_cannot_inject_links_images_or_html() -> None:
    out = scan("markdown").out
    # <summary> lines are an HTML block: no Markdown there (checked below for tags)
    prose = markdown_prose(
        "\n".join(line for line in out.splitlines() if not line.startswith("<details><summary>"))
    )
    unescaped = re.search(r"(?<!\\)[\[\]<>]", prose)
    assert unescaped is None, prose[max(0, unescaped.start() - 80) : unescaped.start() + 40]
    # no autolink: every URL scheme separator in prose is escaped
    assert re.search(r"(?<!\\)(https?|javascript|mailto):(?!\\)", prose) is None
    assert "www." not in prose
    # the <summary> lines are HTML: entities, never tags from the data
    for line in out.splitlines():
        if line.startswith("<details><summary>"):
            inner = line.removeprefix("<details><summary>").removesuffix("</summary>")
            assert "<" not in inner and ">" not in inner, line[:200]
            assert_inert(html.unescape(inner), "summary")
    assert len(out) < 65_536  # GitHub's comment limit


def test_markdown_shows_the_hostile_text_escaped() -> None:
    out = scan("markdown").out
    assert r"\[\@click\=app\.quit\]QUITLINK\[/\]" in out
    assert "<U+202E>" in out or r"\<U\+202E\>" in out


def test_sarif_is_valid_sarif() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    if not SARIF_SCHEMA.is_file():
        pytest.skip("no SARIF schema copy")
    jsonschema.validate(json.loads(scan("sarif").out), json.loads(SARIF_SCHEMA.read_text()))


def test_sarif_messages_are_clean_text() -> None:
    doc = json.loads(scan("sarif").out)
    for result in doc["runs"][0]["results"]:
        text = result["message"]["text"]
        assert_inert(text, "sarif message")
        assert len(text) <= 4096


# -- tree ---------------------------------------------------------------------------------------


@functools.cache
def tree(*extra: str) -> CliRun:
    return run_cli(["tree", str(C.LOCKFILE), *extra])


def test_tree_is_inert_and_bounded() -> None:
    run = tree()
    assert run.code == 0, run.err[-2000:]
    assert_inert(run.out, "tree")
    assert_inert(run.err, "tree stderr")
    assert max(len(line) for line in run.out.splitlines()) < 1000
    assert "[@click=app.quit]x@6.6.6" in run.out
    assert "link-name@npm:[link=https://evil.test/n]x[/link]@1.0.0" in run.out
    assert "hostile-version@1.0.0-[bold]x<U+202E>" in run.out


def test_tree_with_risk_is_inert() -> None:
    run = tree("--risk", *SCAN)
    assert run.code == 0, run.err[-2000:]
    assert_inert(run.out, "tree --risk")
    assert "evil-meta@1.0.1 [install-script] [critical]" in run.out


def test_tree_json_is_ascii_and_exact() -> None:
    run = tree("--json")
    assert run.code == 0
    assert run.out.isascii()
    doc = json.loads(run.out)
    assert {p["name"] for p in doc["packages"]} >= PLAUSIBLE_NAMES


@pytest.mark.parametrize(
    "argv",
    [
        ["scan", "--format", "table", *SCAN],
        ["tree", "--risk", *SCAN],
    ],
    ids=["scan-table", "tree"],
)
def test_real_stdout_takes_every_byte(argv: list[str]) -> None:
    """Through a real (UTF-8) stdout, not a StringIO: lone surrogates would fail to encode."""
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    proc = subprocess.run(
        [sys.executable, "-m", "depview", argv[0], str(C.LOCKFILE), *argv[1:]],
        capture_output=True,
        cwd=root,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(root), "LANG": "C.UTF-8"},
        timeout=120,
    )
    assert proc.returncode in (0, 1), proc.stderr[-2000:]
    assert b"Traceback" not in proc.stderr
    assert_inert(proc.stdout.decode("utf-8"), " ".join(argv[:2]))
    assert_inert(proc.stderr.decode("utf-8"), "stderr")
