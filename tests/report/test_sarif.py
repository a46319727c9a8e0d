"""SARIF 2.1.0: valid against the OASIS schema, GitHub's conventions, golden files."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from depview.report.model import Report
from depview.report.sarif import RULES, format_sarif, lockfile_uri, sarif_level
from depview.risk.model import KINDS, Level
from tests.report.fixtures import (
    AXIOS,
    DATA,
    GHOST,
    LEFTPAD,
    LODASH,
    PLAIN,
    SETTINGS,
    clean_report,
    report,
)

SCHEMA = json.loads((DATA / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
GOLDEN = DATA / "golden"
UPDATE = os.environ.get("DEPVIEW_UPDATE_GOLDEN") == "1"


def sarif(rep: Report, root: Path | None = None) -> dict[str, Any]:
    text = format_sarif(rep, settings=SETTINGS, root=root if root is not None else Path.cwd())
    data: dict[str, Any] = json.loads(text)
    return data


def results_for(data: dict[str, Any], purl: str) -> list[dict[str, Any]]:
    return [r for r in data["runs"][0]["results"] if r["properties"]["purl"] == purl]


@pytest.mark.parametrize(
    "rep", [report(), report(diff=True), clean_report()], ids=["scan", "diff", "clean"]
)
def test_valid_against_the_official_schema(rep: Report) -> None:
    jsonschema.validate(sarif(rep), SCHEMA, cls=jsonschema.Draft7Validator)


@pytest.mark.parametrize(("name", "diff"), [("scan", False), ("diff", True)])
def test_golden(name: str, diff: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("depview.report.sarif.__version__", "0.0.0-test")
    text = format_sarif(report(diff=diff), settings=SETTINGS, root=Path.cwd())
    path = GOLDEN / f"{name}.sarif"
    if UPDATE:
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


def test_one_rule_per_kind_with_help() -> None:
    rules = sarif(report())["runs"][0]["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == list(KINDS)
    assert set(RULES) == set(KINDS)
    for rule in rules:
        assert rule["name"] and rule["shortDescription"]["text"]
        assert len(rule["help"]["text"]) > 40
        assert float(rule["properties"]["security-severity"]) >= 0


def test_result_per_finding_with_level_severity_and_location() -> None:
    data = sarif(report())
    results = data["runs"][0]["results"]
    assert len(results) == 10  # 4 + 2 + 1 + 1 + 1 + 1: every finding once
    rules = data["runs"][0]["tool"]["driver"]["rules"]
    for r in results:
        assert rules[r["ruleIndex"]]["id"] == r["ruleId"]
    axios = results_for(data, AXIOS.purl)
    assert [r["ruleId"] for r in axios] == [
        "provenance-dropped",
        "publisher-change",
        "recent-publish",
        "new-dependency",
    ]
    assert [r["level"] for r in axios] == ["error", "error", "warning", "note"]
    assert [r["properties"]["security-severity"] for r in axios] == ["8.0", "8.0", "5.5", "3.0"]
    loc = axios[0]["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"] == {"uri": "package-lock.json", "uriBaseId": "%SRCROOT%"}
    assert loc["region"] == {"startLine": 12}
    assert axios[0]["message"]["text"].startswith("axios@1.14.1: provenance dropped. the previous")
    malware = results_for(data, PLAIN.purl)[0]
    assert malware["ruleId"] == "malware"
    assert malware["properties"]["security-severity"] == "9.5"
    assert malware["properties"]["advisory"] == "MAL-2026-1234"


def test_region_omitted_when_line_unknown() -> None:
    ghost = results_for(sarif(report()), GHOST.purl)[0]
    assert "region" not in ghost["locations"][0]["physicalLocation"]
    assert ghost["level"] == "note"
    assert ghost["properties"]["security-severity"] == "1.0"


def test_triaged_findings_are_suppressed() -> None:
    data = sarif(report())
    (leftpad,) = results_for(data, LEFTPAD.purl)
    assert leftpad["suppressions"][0]["kind"] == "external"
    assert leftpad["suppressions"][0]["justification"].startswith("dev-only, [click]")
    assert all("suppressions" not in r for r in results_for(data, LODASH.purl))


def test_fingerprints_distinct_and_stable() -> None:
    results = sarif(report())["runs"][0]["results"]
    prints = [r["partialFingerprints"]["depviewFinding/v1"] for r in results]
    assert len(set(prints)) == len(prints)
    assert prints == [
        r["partialFingerprints"]["depviewFinding/v1"] for r in sarif(report())["runs"][0]["results"]
    ]
    assert all(
        AXIOS.purl in r["partialFingerprints"]["packagePurl/v1"]
        for r in results_for(sarif(report()), AXIOS.purl)
    )


def test_level_mapping() -> None:
    assert [
        sarif_level(lv) for lv in (Level.CRITICAL, Level.HIGH, Level.MEDIUM, Level.LOW, Level.INFO)
    ] == [
        "error",
        "error",
        "warning",
        "note",
        "note",
    ]


def test_errors_become_notifications_and_output_is_ascii() -> None:
    text = format_sarif(report(), settings=SETTINGS, root=Path.cwd())
    assert text.isascii()
    assert "\\u001b" not in text  # escapes stripped, not merely encoded
    notes = json.loads(text)["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert notes[0]["message"]["text"] == f"npm: {GHOST.purl}: timed out after 10 s"


def test_diff_results_carry_change() -> None:
    data = sarif(report(diff=True))
    axios = results_for(data, AXIOS.purl)[0]
    assert axios["properties"]["change"] == {"from": "1.14.0", "to": "1.14.1"}
    assert data["runs"][0]["properties"]["removed"] == ["pkg:npm/form-data@4.0.0"]
    assert not results_for(data, LODASH.purl)  # unchanged packages are not reported


def test_lockfile_uri_relative_to_repository(tmp_path: Path) -> None:
    repo = tmp_path / "my repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "web app").mkdir()
    lock = repo / "web app" / "package-lock.json"
    lock.write_text("{}", encoding="utf-8")
    rep = replace(report(), lockfile_display=str(lock))
    assert lockfile_uri(rep) == ("web%20app/package-lock.json", "%SRCROOT%")
    assert lockfile_uri(rep, root=repo / "web app") == ("package-lock.json", "%SRCROOT%")


def test_lockfile_uri_outside_any_repository(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("depview.report.sarif._git_root", lambda start: None)
    lock = tmp_path / "package-lock.json"
    rep = replace(report(), lockfile_display=str(lock))
    uri, base = lockfile_uri(rep)
    assert uri == lock.resolve().as_uri() and base is None
    monkeypatch.chdir(tmp_path)
    rel = replace(report(), lockfile_display="./sub/../package-lock.json")
    assert lockfile_uri(rel) == ("package-lock.json", "%SRCROOT%")
