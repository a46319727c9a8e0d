"""The npm packument normaliser, on real-shaped packuments and hostile ones."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings

from depview.metadata import Person
from depview.sources.npm import NODE_GYP, normalize_packument, parse_person
from tests.sources.helpers import LIVE, json_like, load


def test_axios_after_takedown() -> None:
    meta = normalize_packument(load("npm/axios.json"))
    assert meta.ecosystem == "npm" and meta.name == "axios"
    assert meta.dist_tags == {"latest": "1.14.0", "legacy": "0.30.3"}
    assert meta.maintainers == (Person("jasonsaayman", "ifstap@proton.me"),)
    assert meta.created == datetime(2014, 8, 29, 21, 39, 31, 412000, tzinfo=UTC)
    assert not meta.security_placeholder and not meta.not_found

    good = meta.versions["1.14.0"]
    assert good.publisher == Person("GitHub Actions", "npm-oidc-no-reply@github.com")
    assert good.trusted_publisher == "github"
    assert good.provenance is True
    assert good.integrity is not None and good.integrity.startswith("sha512-")
    assert good.dependencies == {
        "follow-redirects": "^1.15.11",
        "form-data": "^4.0.5",
        "proxy-from-env": "^2.1.0",
    }
    assert good.install_scripts == {}  # build/prepare/test are not install hooks
    assert good.git_head == "3d9959ba4ebc796bec708bab0f292d530387d2cc"

    # Unpublished: gone from `versions`, kept in `time`.
    for gone in ("1.14.1", "0.30.4"):
        info = meta.versions[gone]
        assert info.unpublished and info.published is not None
        assert info.publisher is None and info.integrity is None
    assert meta.versions["1.14.1"].published == datetime(2026, 3, 31, 0, 21, 58, 168000, tzinfo=UTC)
    # A later release exists in the document; as_of hides it.
    assert "1.15.0" in meta.versions
    assert "1.15.0" not in meta.as_of(datetime(2026, 4, 1, 12, tzinfo=UTC)).versions


def test_axios_compromised_version_while_live() -> None:
    meta = normalize_packument(load("npm/plain-crypto-js.json", LIVE))
    bad = meta.versions["4.2.1"]
    assert bad.install_scripts == {"postinstall": "node setup.js"}
    assert not meta.security_placeholder
    assert meta.created == datetime(2026, 3, 30, 5, 57, 16, tzinfo=UTC)


def test_security_holding_package() -> None:
    meta = normalize_packument(load("npm/plain-crypto-js.json"))
    assert meta.security_placeholder
    assert meta.versions["4.2.1"].unpublished
    assert not meta.versions["0.0.1-security.0"].unpublished
    # Before npm published the stub, the package was not yet a placeholder.
    assert not meta.as_of(datetime(2026, 3, 31, 2, tzinfo=UTC)).security_placeholder


def test_install_scripts_from_hooks_gyp_and_registry_mark() -> None:
    bcrypt = normalize_packument(load("npm/bcrypt.json"))
    assert bcrypt.versions["5.1.1"].install_scripts == {
        "install": "node-pre-gyp install --fallback-to-build"
    }
    doc = {
        "name": "native",
        "versions": {
            "1.0.0": {"gypfile": True},
            "1.0.1": {"gypfile": True, "scripts": {"install": "node install.js"}},
            "1.0.2": {"hasInstallScript": True},
            "1.0.3": {
                "scripts": {"preinstall": "a", "postinstall": "b", "prepare": "c", "install": ""}
            },
        },
    }
    versions = normalize_packument(doc).versions
    assert versions["1.0.0"].install_scripts == {"install": NODE_GYP}
    assert versions["1.0.1"].install_scripts == {"install": "node install.js"}
    assert versions["1.0.2"].has_install_script
    assert versions["1.0.3"].install_scripts == {"preinstall": "a", "postinstall": "b"}


def test_integrity_falls_back_to_sha1_shasum() -> None:
    doc = {
        "versions": {
            "1.0.0": {"dist": {"shasum": "7c29f4cf2ea91ef05018d5aa5399bf23ed3120eb"}},
            "1.0.1": {"dist": {"shasum": "not-hex"}},
        }
    }
    versions = normalize_packument(doc, name="x").versions
    assert versions["1.0.0"].integrity == "sha1-fCn0zy6pHvBQGNWqU5m/I+0xIOs="
    assert versions["1.0.1"].integrity is None


def test_trusted_publisher_and_provenance_are_separate_facts() -> None:
    doc = {
        "versions": {
            "1.0.0": {"_npmUser": {"name": "ci", "trustedPublisher": {"id": "github"}}},
            "1.0.1": {
                "_npmUser": {"name": "me"},
                "dist": {"attestations": {"provenance": {"predicateType": "x"}}},
            },
            "1.0.2": {"_npmUser": "me <me@example.org>", "dist": {"attestations": {"url": "u"}}},
        }
    }
    v = normalize_packument(doc, name="x").versions
    assert (v["1.0.0"].trusted_publisher, v["1.0.0"].provenance) == ("github", False)
    assert (v["1.0.1"].trusted_publisher, v["1.0.1"].provenance) == (None, True)
    assert (v["1.0.2"].trusted_publisher, v["1.0.2"].provenance) == (None, False)
    assert v["1.0.2"].publisher == Person("me", "me@example.org")


def test_deprecated_and_optional_dependencies() -> None:
    doc = {
        "versions": {
            "1.0.0": {
                "deprecated": "use y",
                "optionalDependencies": {"fsevents": "^2"},
                "dependencies": {"fsevents": "^2", "a": "1"},
            },
            "1.0.1": {"deprecated": ""},
            "1.0.2": {"deprecated": True},
        }
    }
    v = normalize_packument(doc, name="x").versions
    assert v["1.0.0"].deprecated == "use y"
    assert v["1.0.0"].optional_dependencies == {"fsevents": "^2"}
    assert v["1.0.0"].dependencies == {"fsevents": "^2", "a": "1"}
    assert v["1.0.1"].deprecated is None
    assert v["1.0.2"].deprecated == "deprecated"


def test_fully_unpublished_package() -> None:
    doc = {
        "name": "gone",
        "time": {
            "created": "2020-01-01T00:00:00.000Z",
            "unpublished": {"time": "2021-01-01T00:00:00.000Z", "versions": ["1.0.0", "1.0.1"]},
        },
    }
    meta = normalize_packument(doc)
    assert sorted(meta.versions) == ["1.0.0", "1.0.1"]
    assert all(v.unpublished for v in meta.versions.values())


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"name": "a", "email": "a@x"}, Person("a", "a@x")),
        ("Ann Example <ann@x.org> (https://x.org)", Person("Ann Example", "ann@x.org")),
        ("<only@x.org>", Person(None, "only@x.org")),
        ("plain", Person("plain", None)),
        ({"name": 5}, None),
        ("", None),
        (["a"], None),
    ],
)
def test_parse_person(value: Any, expected: Person | None) -> None:
    assert parse_person(value) == expected


def test_huge_strings_are_capped() -> None:
    doc = {
        "description": "x" * 1_000_000,
        "versions": {
            "1.0.0": {"scripts": {"postinstall": "y" * 1_000_000}, "deprecated": "z" * 1_000_000}
        },
    }
    meta = normalize_packument(doc, name="big")
    assert meta.description is not None and len(meta.description) < 5000
    info = meta.versions["1.0.0"]
    assert len(info.install_scripts["postinstall"]) < 2100
    assert info.deprecated is not None and len(info.deprecated) < 5000


PACKUMENT_KEYS = [
    "versions",
    "time",
    "dist-tags",
    "maintainers",
    "_npmUser",
    "dist",
    "scripts",
    "name",
    "1.0.0",
    "created",
    "modified",
    "unpublished",
    "dependencies",
    "attestations",
    "provenance",
    "trustedPublisher",
    "integrity",
    "shasum",
    "gypfile",
    "deprecated",
    "description",
]
json_values = json_like(PACKUMENT_KEYS, floats=True)


@settings(max_examples=100, deadline=None)
@given(json_values)
def test_hostile_shapes_never_raise(doc: Any) -> None:
    meta = normalize_packument(doc, name="x")
    assert meta.name == "x"
    for version, info in meta.versions.items():
        assert info.version == version
