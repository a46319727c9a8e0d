"""CycloneDX 1.6: valid per the library's own strict validator; components, graph, vulnerabilities."""

from __future__ import annotations

import json
from typing import Any

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

from depview.report.cyclonedx import format_cyclonedx
from depview.report.model import Report
from tests.report.fixtures import (
    AXIOS,
    FOLLOW,
    LEFTPAD,
    LODASH,
    PLAIN,
    SCOPED,
    SETTINGS,
    clean_report,
    report,
)


def bom(rep: Report) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(format_cyclonedx(rep, settings=SETTINGS))
    return data


@pytest.mark.parametrize(
    "rep", [report(), report(diff=True), clean_report()], ids=["scan", "diff", "clean"]
)
def test_valid_per_library_validator(rep: Report) -> None:
    text = format_cyclonedx(rep, settings=SETTINGS)
    errors = JsonStrictValidator(SchemaVersion.V1_6).validate_str(text)
    assert errors is None, errors
    data = json.loads(text)
    assert data["bomFormat"] == "CycloneDX"
    assert data["specVersion"] == "1.6"


def test_components_have_purl_name_version_scope() -> None:
    data = bom(report())
    comps = {c["purl"]: c for c in data["components"]}
    assert set(comps) == {p.purl for p in (AXIOS, PLAIN, FOLLOW, LODASH, LEFTPAD, SCOPED)} | {
        "pkg:npm/ghost-pkg@0.1.0"
    }
    assert comps[SCOPED.purl]["name"] == "@evil/pkg"
    assert comps[SCOPED.purl]["version"] == "2.0.0"
    assert comps[AXIOS.purl]["scope"] == "required"
    assert comps[LEFTPAD.purl]["scope"] == "optional"  # dev dependency
    props = {p["name"]: p["value"] for p in comps[AXIOS.purl]["properties"]}
    assert props["depview:level"] == "critical"
    assert data["metadata"]["component"]["name"] == "demo-app"
    assert data["metadata"]["tools"]["components"][0]["name"] == "depview"


def test_dependency_graph_from_edges() -> None:
    deps = {d["ref"]: set(d.get("dependsOn", [])) for d in bom(report())["dependencies"]}
    assert deps[AXIOS.purl] == {PLAIN.purl, FOLLOW.purl}
    root = next(ref for ref in deps if ref.startswith("project:"))
    assert {AXIOS.purl, LODASH.purl, LEFTPAD.purl} <= deps[root]
    assert deps[PLAIN.purl] == set()


def test_vulnerabilities_for_advisories_and_malware_only() -> None:
    vulns = {v["id"]: v for v in bom(report())["vulnerabilities"]}
    assert set(vulns) == {"MAL-2026-1234", "GHSA-35jh-r3h4-6jhm"}
    mal = vulns["MAL-2026-1234"]
    assert mal["affects"] == [
        {"ref": PLAIN.purl, "versions": [{"version": "4.2.1", "status": "affected"}]}
    ]
    assert mal["ratings"][0]["severity"] == "critical"
    assert mal["source"]["name"] == "OSV"
    assert [r["id"] for r in mal["references"]] == ["GHSA-aaaa-bbbb-cccc"]
    ghsa = vulns["GHSA-35jh-r3h4-6jhm"]
    assert ghsa["ratings"][0]["severity"] == "high"
    assert ghsa["ratings"][0]["score"] == 7.2
    assert ghsa["references"][0] == {
        "id": "CVE-2021-23337",
        "source": {"name": "NVD", "url": "https://nvd.nist.gov/vuln/detail/CVE-2021-23337"},
    }
    assert "4.17.21" in ghsa["recommendation"]


def test_deterministic_and_ascii() -> None:
    a = format_cyclonedx(report(), settings=SETTINGS)
    assert a == format_cyclonedx(report(), settings=SETTINGS)
    assert a.isascii()
    assert "\\u001b" not in a


def test_clean_report_has_no_vulnerabilities() -> None:
    assert bom(clean_report()).get("vulnerabilities", []) == []


def test_library_validation_keeps_one_dependency_entry_per_node() -> None:
    """The fast path for ``register_dependency`` must not change what validate() builds."""
    from depview.report.cyclonedx import bom_for

    bom = bom_for(report())
    before = {str(d.ref) for d in bom.dependencies}
    assert bom.validate() is True
    after = [str(d.ref) for d in bom.dependencies]
    assert sorted(after) == sorted(before) and len(after) == len(set(after))
