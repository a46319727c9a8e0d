"""The PyPI normaliser: JSON API, Simple JSON API and Integrity API provenance."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hypothesis import given, settings

from depview.metadata import Person
from depview.sources.pypi import (
    SDIST_INSTALL,
    normalize_pypi,
    publisher_from_provenance,
    pypi_vulnerabilities,
    version_of_file,
)
from tests.sources.helpers import json_like, load

PROVENANCE_FILE = "tinylib-1.1.0-py3-none-any.whl"


def _full() -> Any:
    provenance = {PROVENANCE_FILE: load(f"pypi-provenance/tinylib/1.1.0/{PROVENANCE_FILE}.json")}
    return normalize_pypi(load("pypi/tinylib.json"), load("pypi-simple/tinylib.json"), provenance)


def test_json_api_alone() -> None:
    meta = normalize_pypi(load("pypi/tinylib.json"))
    assert meta.ecosystem == "pypi" and meta.name == "tinylib"  # PEP 503
    assert meta.maintainers == (Person("ann"), Person("bob"))
    assert meta.organization == "tiny-org"
    assert meta.dist_tags == {"latest": "1.1.0"}
    old = meta.versions["1.0.0"]
    assert old.has_wheel is False
    assert old.install_scripts == {"sdist": SDIST_INSTALL}
    assert old.published == datetime(2024, 1, 10, 10, 0, 0, 123456, tzinfo=UTC)
    current = meta.versions["1.1.0"]
    assert current.has_wheel is True and current.install_scripts == {}
    # Earliest upload of the release's files.
    assert current.published == datetime(2025, 3, 1, 12, 0, 1, 500000, tzinfo=UTC)
    assert len(current.hashes) == 2 and all(h.startswith("sha256:") for h in current.hashes)
    assert current.files == ("tinylib-1.1.0-py3-none-any.whl", "tinylib-1.1.0.tar.gz")
    assert current.provenance is False  # only the Simple API says so
    yanked = meta.versions["1.2.0"]
    assert yanked.yanked and yanked.yanked_reason == "broken build"
    empty = meta.versions["0.9.0"]  # a release with no files installs nothing
    assert empty.has_wheel is None and empty.install_scripts == {} and not empty.yanked
    assert meta.created == old.published


def test_simple_api_and_integrity_provenance() -> None:
    meta = _full()
    current = meta.versions["1.1.0"]
    assert current.provenance is True
    assert current.trusted_publisher == "github"
    assert current.publisher == Person("github:tiny-org/tinylib (release.yml)")
    assert meta.versions["1.0.0"].provenance is False
    assert meta.versions["1.0.0"].publisher is None
    assert meta.versions["1.2.0"].yanked


def test_simple_api_yank_reason_and_unknown_files() -> None:
    simple = {
        "files": [
            {
                "filename": "x-2.0-py3-none-any.whl",
                "hashes": {"sha256": "AB"},
                "yanked": "bad",
                "upload-time": "2026-01-01T00:00:00Z",
                "provenance": None,
            },
            {"filename": "x-2.1.tar.gz", "yanked": False, "upload-time": "2026-02-01T00:00:00Z"},
            {"filename": "garbage"},
        ]
    }
    meta = normalize_pypi({}, simple, name="X")
    assert meta.name == "x"
    assert meta.versions["2.0"].yanked and meta.versions["2.0"].yanked_reason == "bad"
    assert meta.versions["2.0"].hashes == ("sha256:ab",)
    assert meta.versions["2.1"].install_scripts == {"sdist": SDIST_INSTALL}


def test_publisher_kinds() -> None:
    gitlab = {
        "attestation_bundles": [
            {
                "publisher": {
                    "kind": "GitLab",
                    "repository": "g/p",
                    "workflow_filepath": ".gitlab-ci.yml",
                }
            }
        ]
    }
    assert publisher_from_provenance(gitlab) == (Person("gitlab:g/p (.gitlab-ci.yml)"), "gitlab")
    assert publisher_from_provenance({"attestation_bundles": [{"publisher": {}}]}) is None
    assert publisher_from_provenance({"attestation_bundles": "x"}) is None


def test_vulnerabilities_as_advisories() -> None:
    [adv] = pypi_vulnerabilities(load("pypi/tinylib.json"))
    assert adv.id == "PYSEC-2025-1" and adv.aliases == ("CVE-2025-0001",)
    assert adv.fixed == ("1.2.0",)
    assert adv.package == "tinylib" and adv.versions == ("1.1.0",)


def test_version_of_file() -> None:
    assert version_of_file("tinylib-1.1.0-py3-none-any.whl") == "1.1.0"
    assert version_of_file("tinylib-1.1.0.tar.gz") == "1.1.0"
    assert version_of_file("nonsense") is None


PYPI_KEYS = [
    "info",
    "releases",
    "files",
    "filename",
    "digests",
    "sha256",
    "yanked",
    "upload_time_iso_8601",
    "upload-time",
    "ownership",
    "roles",
    "user",
    "organization",
    "provenance",
    "attestation_bundles",
    "publisher",
    "kind",
    "1.0",
    "x-1.0.tar.gz",
    "packagetype",
    "vulnerabilities",
    "id",
]
json_values = json_like(PYPI_KEYS)


@settings(max_examples=100, deadline=None)
@given(json_values, json_values, json_values)
def test_hostile_shapes_never_raise(doc: Any, simple: Any, provenance: Any) -> None:
    meta = normalize_pypi(doc, simple, provenance, name="x")
    assert meta.name == "x"
    pypi_vulnerabilities(doc)
