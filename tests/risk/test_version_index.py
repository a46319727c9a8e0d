"""The records' version index and what the engine reads from it (hypothesis).

The index (``PackageMetadata.index``) lets the engine read a few versions of a
record instead of all of them. Every answer read from it must be the answer of
the full pass over the versions, on any history: ties (``1.0`` / ``1.0.0``),
epochs, prereleases, untimed, unpublished and file-less releases, odd texts.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from packaging.version import InvalidVersion, Version

from depview.metadata import PackageMetadata, VersionIndex, VersionInfo
from depview.risk.context import History
from depview.sources.serial import metadata_from_json, metadata_to_json
from depview.versions import parse_npm, satisfies, version_facts
from tests.risk.helpers import AS_OF

npm_text = st.one_of(
    st.from_regex(r"\A[0-3]\.[0-3]\.[0-3](-(alpha|rc)\.[0-2])?\Z"),
    st.from_regex(r"\A(v|=)?[0-2]\.[0-2]\.[0-2](\+b[0-9])?\Z"),  # ties with the plain text
    st.sampled_from(["01.2.3", "1.2", "latest", ""]),
)
pypi_text = st.one_of(
    st.from_regex(r"\A[0-3](\.[0-2]){0,2}((a|b|rc)[0-2])?(\.post[0-2])?(\.dev[0-2])?\Z"),
    st.from_regex(r"\A([0-2]!)?[0-2](\.0){0,2}(\+local\.[0-9])?\Z"),  # epochs, ties, locals
    st.sampled_from(["1.0-1", "V1.0", "1.0.0.0", "not a version", "2024.1"]),
)
times = st.one_of(
    st.none(), st.integers(-40, 5).map(lambda d: AS_OF + timedelta(days=d))
)  # few distinct days: equal publish times happen


@st.composite
def records(draw: st.DrawFn) -> PackageMetadata:
    eco = draw(st.sampled_from(["npm", "pypi"]))
    texts = draw(st.lists(npm_text if eco == "npm" else pypi_text, min_size=1, max_size=12))
    versions = {
        text: VersionInfo(
            version=text,
            published=draw(times),
            provenance=draw(st.booleans()),
            trusted_publisher=draw(st.sampled_from([None, None, "github"])),
            unpublished=draw(st.booleans()) and draw(st.booleans()),
            files=("f.whl",) if eco != "pypi" or draw(st.integers(0, 5)) else (),
        )
        for text in texts
    }
    return PackageMetadata(eco, "p", versions)


def _full_pass(history: History, info: VersionInfo, monkeypatch: pytest.MonkeyPatch) -> Any:
    with monkeypatch.context() as m:
        m.setattr(History, "_baseline_indexed", lambda *_args: None)
        return History(history.metadata).baseline(info)


@settings(max_examples=300, deadline=None)
@given(records(), st.data())
def test_indexed_baseline_is_the_full_pass(meta: PackageMetadata, data: st.DataObject) -> None:
    with pytest.MonkeyPatch.context() as monkeypatch:
        for info in meta.versions.values():
            got = History(meta).baseline(info)
            assert got is _full_pass(History(meta), info, monkeypatch), info.version


@settings(max_examples=200, deadline=None)
@given(records())
def test_indexed_previous_release_is_the_ordered_one(meta: PackageMetadata) -> None:
    for info in meta.versions.values():
        prior = History(meta).before(info)
        assert History(meta).previous_release(info) is (prior[-1] if prior else None)


@settings(max_examples=200, deadline=None)
@given(records(), st.integers(-45, 10))
def test_index_of_a_cut_record_is_the_index_of_its_versions(
    meta: PackageMetadata, days: int
) -> None:
    cut = meta.as_of(AS_OF + timedelta(days=days))
    assert cut.index is not None and cut.index.of is cut.versions
    built = VersionIndex.build(cut.ecosystem, cut.versions)
    # ``ties`` may stay true when the tie was cut away (readers then only check more).
    assert replace(cut.index, ties=built.ties) == built and cut.index.ties >= built.ties


@settings(max_examples=200, deadline=None)
@given(records())
def test_index_survives_the_cache(meta: PackageMetadata) -> None:
    back = metadata_from_json(metadata_to_json(meta))
    assert back.index == meta.index
    assert back.index is not None and back.index.of is back.versions


@settings(max_examples=100, deadline=None)
@given(records())
def test_index_facts(meta: PackageMetadata) -> None:
    index = meta.index
    assert index is not None
    keys = [version_facts(meta.ecosystem, t)[0] for t in index.ascending]
    assert None not in keys and keys == sorted(keys)
    parseable = [t for t in meta.versions if version_facts(meta.ecosystem, t)[0] is not None]
    assert sorted(index.ascending) == sorted(parseable)
    assert index.ties == (len(set(keys)) < len(keys))
    pypi = meta.ecosystem == "pypi"
    live = [v for v in meta.versions.values() if not v.unpublished and not (pypi and not v.files)]
    times = [v.published for v in live if v.published is not None]
    assert [meta.versions[t].published for t in index.by_time] == sorted(times)  # type: ignore[type-var]
    assert index.untimed == tuple(v.version for v in live if v.published is None)
    attested = [v.published for v in live if v.published and (v.provenance or v.trusted_publisher)]
    assert index.first_attested == (min(attested) if attested else None)


def test_a_record_with_other_versions_builds_its_own_index() -> None:
    old = VersionInfo("1.0.0", AS_OF - timedelta(days=9))
    meta = PackageMetadata("npm", "p", {"1.0.0": old})
    attested = replace(old, provenance=True)
    changed = replace(meta, versions={"1.0.0": attested, "1.1.0": VersionInfo("1.1.0", AS_OF)})
    assert changed.index is not None and changed.index.of is changed.versions
    assert changed.index.ascending == ("1.0.0", "1.1.0")
    assert changed.index.first_attested == old.published
    assert meta.index is not None and meta.index.first_attested is None


def test_a_stale_index_is_not_taken() -> None:
    meta = PackageMetadata("npm", "p", {"1.0.0": VersionInfo("1.0.0", AS_OF)})
    other = PackageMetadata("npm", "p", {"2.0.0": VersionInfo("2.0.0", AS_OF)}, index=meta.index)
    assert other.index is not None and other.index.ascending == ("2.0.0",)


# --------------------------------------------------------------------------- version facts


def _packaging(text: str) -> Version | None:
    try:
        return Version(text)
    except InvalidVersion:
        return None


pep440ish = st.from_regex(
    r"\A(v|V)?([0-9]!)?[0-9]{1,3}(\.[0-9]{1,3}){0,3}"
    r"((a|b|c|rc|alpha|beta|pre|preview|-rc|\.a)[0-9]?)?"
    r"((\.post|post|-|\.rev)[0-9])?((\.dev|dev)[0-9]?)?(\+[a-z0-9]{1,4}(\.[a-z0-9]{1,3})?)?\Z"
)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(pep440ish, st.text(max_size=8)), min_size=2, max_size=6))
def test_pep440_facts_order_versions_as_packaging_does(texts: list[str]) -> None:
    parsed = [(version_facts("pypi", t), _packaging(t)) for t in texts]
    for (key, line, pre), version in parsed:
        assert (key is None) == (version is None)
        if version is not None:
            assert line == str(version.release[0]) and pre == version.is_prerelease
    known = [(f[0], v) for f, v in parsed if v is not None]
    for a, va in known:
        for b, vb in known:
            assert (a < b) == (va < vb) and (a == b) == (va == vb), (va, vb)


@settings(max_examples=400, deadline=None)
@given(
    st.one_of(
        npm_text, st.text(max_size=12), st.from_regex(r"\A[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\Z")
    )
)
def test_npm_facts_are_the_semver_parse(text: str) -> None:
    parsed = parse_npm(text)
    key, line, pre = version_facts("npm", text)
    if parsed is None:
        assert (key, line, pre) == (None, None, False)
    else:
        assert key[:3] == parsed[:3] and line == str(parsed[0]) and pre == bool(parsed[3])


@pytest.mark.parametrize("eco", ["npm", "pypi"])
def test_indexed_baseline_on_a_long_history(eco: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Long histories are searched from the top: every release's answer is the full pass's."""
    texts = [
        f"{major}.{minor}.{patch}" for major in (1, 2) for minor in range(6) for patch in range(6)
    ]
    texts += [
        "2.5.6-rc.1" if eco == "npm" else "2.5.6rc1",
        "1.9.0",
    ]  # a prerelease; a late backport
    days = list(range(len(texts)))
    random.Random(3).shuffle(days)  # published in no particular order: every tier is met
    versions = {
        text: VersionInfo(
            version=text,
            published=AS_OF - timedelta(days=days[i]),
            files=("f.whl",),
            unpublished=i % 17 == 5,
        )
        for i, text in enumerate(texts)
    }
    meta = PackageMetadata(eco, "p", versions)
    assert meta.index is not None and len(meta.index.ascending) > 32
    found = 0
    for info in versions.values():
        got = History(meta).baseline(info)
        assert got is _full_pass(History(meta), info, monkeypatch), info.version
        found += got is not None
    assert found > 40


@pytest.mark.parametrize("eco", ["npm", "pypi"])
@pytest.mark.parametrize(
    "text", ["9" * 5000, "1." * 3000 + "1", "1.2." + "3" * 5000, "1.0a" + "1" * 5000]
)
def test_hostile_version_texts_are_unparseable_not_errors(eco: str, text: str) -> None:
    """Python refuses to convert over 4,300 digits to an int: such texts are no version."""
    assert version_facts(eco, text) == (None, None, False)
    meta = PackageMetadata(
        eco, "p", {text: VersionInfo(text, AS_OF), "1.0.0": VersionInfo("1.0.0", AS_OF)}
    )
    assert meta.index is not None and text not in meta.index.ascending


@pytest.mark.parametrize(
    ("eco", "spec"),
    [("pypi", ">=" + "9" * 5000), ("npm", "^" + "9" * 5000), ("pypi", "~=1." + "2" * 5000)],
)
def test_hostile_ranges_cannot_be_told_not_errors(eco: str, spec: str) -> None:
    assert satisfies(eco, "1.0.0", spec) is None
