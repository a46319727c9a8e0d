"""non-registry-source, integrity-mismatch, typosquat."""

from __future__ import annotations

from importlib import resources

import pytest

from depview.model import Source, SourceKind
from depview.risk.model import Level
from depview.risk.signals.lockfile import integrity_mismatch, non_registry_source, parse_hashes
from depview.risk.signals.typosquat import PopularIndex, popular_index, typosquat
from tests.risk.helpers import ago, context, meta, only, run, v

SHA512 = "sha512-3Y8yrqLSwjuzpXuZ0oIYZ/XGgLwUIBU3uLvbcpb0pidD9ctpShJd43KSlEEkVQg6DS0G9NKyzOvBfUtDKEyHvQ=="
OTHER512 = "sha512-VA8hWcvN+TcRsMGe9zovTTkDZPJU1RO9njP4pp+9/8acgrPugZkh/f8Eihk4joDgkd8R3F83IOBFNToTHZEAjg=="
SHA1 = "sha1-fCn0zy6pHvBQGNWqU5m/I+0xIOs="


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        (SourceKind.GIT, Level.LOW),
        (SourceKind.TARBALL, Level.LOW),
        (SourceKind.FILE, Level.INFO),
        (SourceKind.LINK, Level.INFO),
    ],
)
def test_non_registry_sources(kind: SourceKind, expected: Level) -> None:
    ctx = context(
        None,
        "1.0.0",
        name="p",
        source=Source(kind, "git+https://example.invalid/p.git"),
        integrity="sha512-x",
    )
    assert only(run(non_registry_source, ctx)).severity is expected


def test_project_nodes_and_hashed_registry_packages_are_silent() -> None:
    for kind in (SourceKind.ROOT, SourceKind.WORKSPACE):
        assert run(non_registry_source, context(None, "1.0.0", name="p", source=Source(kind))) == []
    assert run(non_registry_source, context(None, "1.0.0", name="p", integrity=SHA512)) == []


def test_missing_integrity_only_when_the_lockfile_records_hashes() -> None:
    m = meta("p", [v("1.0.0", ago(100))])
    assert (
        only(run(non_registry_source, context(m, "1.0.0", integrity=None))).title
        == "no integrity hash"
    )
    from depview.risk.context import PackageContext

    ctx = context(m, "1.0.0", integrity=None)
    no_hashes = PackageContext.build(
        ctx.package, ctx.metadata, (), ctx.settings, lockfile_has_hashes=False
    )
    assert run(non_registry_source, no_hashes) == []


def test_integrity_mismatch_compares_like_with_like() -> None:
    m = meta("p", [v("1.0.0", ago(100), integrity=SHA512)])
    assert run(integrity_mismatch, context(m, "1.0.0", integrity=SHA512)) == []
    f = only(run(integrity_mismatch, context(m, "1.0.0", integrity=OTHER512)))
    assert f.severity is Level.HIGH and f.evidence["algorithm"] == "sha512"
    assert run(integrity_mismatch, context(m, "1.0.0", integrity=SHA1)) == []  # nothing comparable
    sha1_only = meta("p", [v("1.0.0", ago(100), integrity=SHA1)])
    assert (
        run(integrity_mismatch, context(sha1_only, "1.0.0", integrity=f"{SHA1} {OTHER512}")) == []
    )


def test_pypi_hash_against_any_file_of_the_release() -> None:
    a, b = "sha256:" + "a" * 64, "sha256:" + "b" * 64
    m = meta(
        "p", [v("1.0", ago(100), files=("x.whl", "x.tar.gz"), hashes=(a, b))], ecosystem="pypi"
    )
    assert run(integrity_mismatch, context(m, "1.0", ecosystem="pypi", integrity=b)) == []
    f = only(
        run(integrity_mismatch, context(m, "1.0", ecosystem="pypi", integrity="sha256:" + "c" * 64))
    )
    assert f.evidence["algorithm"] == "sha256"


def test_parse_hashes() -> None:
    parsed = parse_hashes([SHA512 + " sha256:" + "ab" * 32, "md5:zz", "garbage", None])
    assert set(parsed) == {"sha512", "sha256"}


# --------------------------------------------------------------------------- typosquat


@pytest.mark.parametrize(
    ("name", "target", "how"),
    [
        ("loadsh", "lodash", "one edit"),  # transposition
        ("expresss", "express", "one edit"),
        ("crossenv", "cross-env", "separators"),
        ("co1ors", "colors", "look-alike characters"),
        ("@type/node", "@types/node", "scope"),
    ],
)
def test_typosquats_of_popular_npm_names(name: str, target: str, how: str) -> None:
    m = popular_index("npm").lookup(name)
    assert m is not None and (m.target, m.how) == (target, how)


@pytest.mark.parametrize(
    "name",
    [
        "lodash",
        "express",
        "split2",
        "@types/nodes",
        "@babel/travers",
        "plain-crypto-js",
        "my-internal-tool",
        "abc",
    ],
)
def test_not_typosquats(name: str) -> None:
    # Popular names, digit families, a name under the popular package's own scope, short or unrelated names.
    assert popular_index("npm").lookup(name) is None


def test_pypi_typosquats() -> None:
    idx = popular_index("pypi")
    hit = idx.lookup("reqeusts")
    assert hit is not None and hit.target == "requests"
    assert idx.lookup("requests") is None
    assert idx.lookup("python-dateutil") is None


def test_typosquat_finding_and_young_is_high() -> None:
    old = context(meta("loadsh", [v("1.0.0", ago(400))]), "1.0.0")
    assert only(run(typosquat, old)).severity is Level.MEDIUM
    young = context(meta("loadsh", [v("1.0.0", ago(3))]), "1.0.0")
    f = only(run(typosquat, young))
    assert f.severity is Level.HIGH and f.evidence["similar_to"] == "lodash"


def test_popular_lists_are_shipped_with_their_source() -> None:
    for eco in ("npm", "pypi"):
        text = (
            resources.files("depview.data")
            .joinpath(f"popular-{eco}.txt")
            .read_text(encoding="utf-8")
        )
        header = [line for line in text.splitlines()[:5] if line.startswith("#")]
        assert any("source" in line and "2026-11" in line for line in header)
        assert len(popular_index(eco).names) >= 4900


def test_typosquat_lookup_covers_many_names() -> None:
    """Lookups over 5,000 names complete (speed is measured in bench/bench_risk.py)."""
    idx = PopularIndex("npm", [(n, 0) for n in popular_index("npm").names])
    names = [f"{n}x" if i % 2 else n for i, n in enumerate(list(idx.names)[:5000])]
    hits = [n for n in names if idx.lookup(n) is not None]
    assert hits, "near-misses of popular names must match something"
    assert not any(idx.lookup(n) for n in list(idx.names)[:50]), "popular names are not squats"
