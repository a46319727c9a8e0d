"""Compact JSON round trips of normalised records (what the cache stores)."""

from __future__ import annotations

import json
from dataclasses import FrozenInstanceError
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


# ----------------------------------------------------------------------------- columns

_text = st.one_of(st.none(), st.text(max_size=12))
_people = st.builds(Person, _text, _text)
_maps = st.dictionaries(st.text(max_size=6), st.text(max_size=6), max_size=3)
_times = st.one_of(
    st.none(),
    st.datetimes(
        min_value=datetime(1971, 1, 1), max_value=datetime(9999, 1, 1), timezones=st.just(UTC)
    ),
)
_versions = st.builds(
    VersionInfo,
    version=st.text(min_size=1, max_size=8),
    published=_times,
    publisher=st.one_of(st.none(), _people),
    trusted_publisher=_text,
    provenance=st.booleans(),
    maintainers=st.lists(_people, max_size=3).map(tuple),
    install_scripts=_maps,
    dependencies=_maps,
    optional_dependencies=_maps,
    integrity=_text,
    tarball=_text,
    hashes=st.lists(st.text(max_size=8), max_size=2).map(tuple),
    deprecated=_text,
    yanked=st.booleans(),
    yanked_reason=_text,
    has_wheel=st.one_of(st.none(), st.booleans()),
    files=st.lists(st.text(max_size=8), max_size=2).map(tuple),
    unpublished=st.booleans(),
    git_head=_text,
)


@settings(max_examples=150, deadline=None)
@given(st.lists(_versions, max_size=6))
def test_any_versions_round_trip(infos: list[VersionInfo]) -> None:
    meta = PackageMetadata("npm", "n", {info.version: info for info in infos})
    again = metadata_from_json(metadata_to_json(meta))
    assert again == meta
    assert list(again.versions) == list(meta.versions)  # order kept


def test_decoded_versions_are_frozen() -> None:
    meta = PackageMetadata("npm", "n", {"1.0.0": VersionInfo("1.0.0", integrity="sha512-x")})
    info = metadata_from_json(metadata_to_json(meta)).versions["1.0.0"]
    assert type(info) is VersionInfo
    with pytest.raises(FrozenInstanceError):
        info.integrity = "sha512-y"  # type: ignore[misc]


def _record(**changes: object) -> str:
    two = {"1.0.0": VersionInfo("1.0.0"), "2.0.0": VersionInfo("2.0.0", integrity="sha512-x")}
    raw = json.loads(metadata_to_json(PackageMetadata("npm", "n", two)))
    raw.update(changes)
    return json.dumps(raw)


@pytest.mark.parametrize(
    "columns",
    [
        [],  # no version column
        [["1.0.0", "2.0.0"], None, None, None, None, None, None, None, None, ["x"]],  # short
        [["1.0.0", 2]],  # a version that is not a string
        [["1.0.0"], [1, 2]],  # longer than the version column
        [["1.0.0"], None, None, ["x"]],  # flags not an integer
        [["1.0.0"]] + [None] * 16,  # more columns than the format has
        {"v": ["1.0.0"]},  # not a list of columns
    ],
)
def test_malformed_version_columns_are_a_value_error(columns: object) -> None:
    with pytest.raises(ValueError):
        metadata_from_json(_record(V=columns))
