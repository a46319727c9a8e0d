"""Compact JSON round trips of normalised records (what the cache stores)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from depview.metadata import Advisory, AffectedRange, PackageMetadata, Person, VersionInfo
from depview.sources.npm import normalize_packument
from depview.sources.osv import normalize_osv
from depview.sources.pypi import normalize_pypi
from depview.sources.serial import (
    advisories_from_json,
    advisories_to_json,
    metadata_from_json,
    metadata_to_json,
)
from tests.sources.helpers import SNAPSHOT, load


@pytest.mark.parametrize("name", ["axios", "plain-crypto-js", "bcrypt", "glob", "@nodelib/fs.stat"])
def test_npm_round_trip_and_size(name: str) -> None:
    raw = (SNAPSHOT / "npm" / f"{name}.json").read_bytes()
    meta = normalize_packument(json.loads(raw), name=name)
    text = metadata_to_json(meta)
    assert metadata_from_json(text) == meta
    assert len(text.encode()) < len(raw)


def test_pypi_round_trip_keeps_microseconds() -> None:
    meta = normalize_pypi(load("pypi/tinylib.json"), load("pypi-simple/tinylib.json"))
    again = metadata_from_json(metadata_to_json(meta))
    assert again == meta
    assert again.versions["1.0.0"].published == datetime(2024, 1, 10, 10, 0, 0, 123456, tzinfo=UTC)


def test_every_field_round_trips() -> None:
    ann = Person("ann", "a@x")
    info = VersionInfo(
        version="1.0.0",
        published=datetime(2020, 1, 1, tzinfo=UTC),
        publisher=ann,
        trusted_publisher="github",
        provenance=True,
        maintainers=(ann, Person(None, "b@x")),
        install_scripts={"postinstall": "x"},
        dependencies={"a": "1"},
        optional_dependencies={"b": "2"},
        integrity="sha512-x",
        hashes=("sha256:ab",),
        deprecated="old",
        yanked=True,
        yanked_reason="bad",
        has_wheel=False,
        files=("f.tar.gz",),
        unpublished=True,
        git_head="abc",
    )
    meta = PackageMetadata(
        ecosystem="npm",
        name="n",
        versions={"1.0.0": info},
        dist_tags={"latest": "1.0.0"},
        maintainers=(ann,),
        created=datetime(2019, 1, 1, tzinfo=UTC),
        modified=datetime(2021, 1, 1, tzinfo=UTC),
        security_placeholder=True,
        description="d",
        source_url="http://x/n",
        organization="org",
        not_found=True,
    )
    assert metadata_from_json(metadata_to_json(meta)) == meta


def test_advisories_round_trip() -> None:
    advs = normalize_osv(load("osv/MAL-2026-2307.json")) + normalize_osv(
        load("osv/PYSEC-2025-1.json")
    )
    advs.append(
        Advisory(id="X", ranges=(AffectedRange("SEMVER", (("introduced", "0"),)),), cvss_score=5.0)
    )
    assert advisories_from_json(advisories_to_json(advs)) == advs


@pytest.mark.parametrize(
    "text",
    ["", "[]", '{"fmt": 99}', '{"fmt": 1}', '{"fmt":1,"e":"npm","n":"x","v":[{"v":1}]}', "\x00"],
)
def test_garbage_is_a_value_error(text: str) -> None:
    with pytest.raises(ValueError):
        metadata_from_json(text)
    with pytest.raises(ValueError):
        advisories_from_json(text)
