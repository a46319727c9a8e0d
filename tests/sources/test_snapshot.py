"""Snapshot reading, recording, and names that try to leave the snapshot directory."""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from depview.metadata import PackageMetadata, Unavailable
from depview.model import PackageId
from depview.sources.snapshot import (
    SnapshotAdvisorySource,
    SnapshotLayout,
    SnapshotMetadataSource,
    SnapshotStore,
    SnapshotWriter,
)
from tests.sources.helpers import SNAPSHOT

HOSTILE = [
    "../../etc/passwd",
    "..",
    ".",
    "/etc/passwd",
    "@scope/../../x",
    "@../x",
    "a/b",
    "@scope/a/b",
    "x\x00y",
    "..\\..\\x",
    "C:\\x",
    "",
    "@",
    "@scope/",
    ".hidden",
]
# Harmless as a version or a file name (no separator, no dot-dot), but not npm names.
ESCAPES = [n for n in HOSTILE if n not in ("@", "@scope/")]


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_names_map_to_no_path(name: str) -> None:
    layout = SnapshotLayout(Path("/snap"))
    assert layout.npm(name) is None
    assert layout.pypi(name) is None
    if name in ESCAPES:
        assert layout.pypi_provenance("ok", name, "f.whl") is None
        assert layout.pypi_provenance("ok", "1.0", name) is None
        assert layout.osv(name) is None


def test_pypi_names_with_separators_are_rejected() -> None:
    layout = SnapshotLayout(Path("/snap"))
    assert layout.pypi("a/b") is None
    assert layout.pypi("Zope.Interface") == Path("/snap/pypi/zope-interface.json")


def test_layout_paths() -> None:
    layout = SnapshotLayout(Path("/snap"))
    assert layout.npm("axios") == Path("/snap/npm/axios.json")
    assert layout.npm("@nodelib/fs.stat") == Path("/snap/npm/@nodelib/fs.stat.json")
    assert layout.pypi_simple("TinyLib") == Path("/snap/pypi-simple/tinylib.json")
    assert layout.osv("MAL-2026-2307") == Path("/snap/osv/MAL-2026-2307.json")


async def test_metadata_source_reads_files_and_reports_missing_names() -> None:
    store = SnapshotStore(SNAPSHOT)
    npm = SnapshotMetadataSource(store, "npm")
    axios = await npm.fetch("axios")
    assert isinstance(axios, PackageMetadata) and "1.14.0" in axios.versions
    scoped = await npm.fetch("@nodelib/fs.stat")
    assert isinstance(scoped, PackageMetadata) and scoped.name == "@nodelib/fs.stat"
    missing = await npm.fetch("left-pad")
    assert isinstance(missing, PackageMetadata)
    assert missing.not_found and missing.versions == {}
    hostile = await npm.fetch("../../etc/passwd")
    assert isinstance(hostile, Unavailable)
    pypi = SnapshotMetadataSource(store, "pypi")
    tiny = await pypi.fetch("Tiny_Lib".replace("_", ""))
    assert isinstance(tiny, PackageMetadata)
    assert tiny.versions["1.1.0"].trusted_publisher == "github"  # provenance files read


async def test_corrupt_snapshot_file_is_unavailable(tmp_path: Path) -> None:
    (tmp_path / "npm").mkdir()
    (tmp_path / "npm" / "broken.json").write_text("{not json")
    (tmp_path / "npm" / "list.json").write_text("[1, 2]")
    src = SnapshotMetadataSource(SnapshotStore(tmp_path), "npm")
    broken = await src.fetch("broken")
    assert isinstance(broken, Unavailable) and "not valid JSON" in broken.reason
    assert isinstance(await src.fetch("list"), Unavailable)


async def test_advisory_source_matches_locally_and_honours_as_of() -> None:
    store = SnapshotStore(SNAPSHOT)
    packages = [
        PackageId("npm", "axios", "1.14.1"),
        PackageId("npm", "axios", "1.14.0"),
        PackageId("npm", "plain-crypto-js", "4.2.1"),
        PackageId("npm", "glob", "7.0.5"),
        PackageId("pypi", "tinylib", "1.1.0"),
    ]
    as_of = datetime(2026, 4, 1, 12, tzinfo=UTC)
    result = await SnapshotAdvisorySource(store, as_of).query(packages)
    ids = {pkg: [a.id for a in advs] for pkg, advs in result.items() if isinstance(advs, tuple)}
    assert ids == {
        packages[0]: ["MAL-2026-2307"],
        packages[1]: [],  # GHSA-late-test-0002 is published after as_of
        packages[2]: ["MAL-2026-2306"],
        packages[3]: ["GHSA-gl0b-test-0001"],
        packages[4]: ["PYSEC-2025-1"],
    }
    early = await SnapshotAdvisorySource(store, datetime(2026, 3, 31, 2, tzinfo=UTC)).query(
        packages
    )
    assert early[packages[0]] == ()  # the MAL record did not exist yet


def test_writer_is_atomic_and_refuses_escapes(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    snap = tmp_path / "snap"
    writer = SnapshotWriter(snap)
    assert writer.npm("@scope/pkg", b'{"a":1}')
    assert (snap / "npm" / "@scope" / "pkg.json").read_bytes() == b'{"a":1}'
    assert writer.npm("@scope/pkg", b'{"a":2}')
    assert (snap / "npm" / "@scope" / "pkg.json").read_bytes() == b'{"a":2}'
    for name in HOSTILE:
        assert not writer.npm(name, b"x")
        assert not writer.osv(name, b"x")
    for name in ESCAPES:
        assert not writer.pypi_provenance("ok", name, "f", b"x")
        assert not writer.pypi_provenance("ok", "1.0", name, b"x")
    assert not writer.npm("../outside/evil", b"x")
    assert list(outside.iterdir()) == []
    leftovers = [p for p in snap.rglob("*") if p.name.startswith(".rec-")]
    assert leftovers == []
    all_files = {str(p.relative_to(snap)) for p in snap.rglob("*") if p.is_file()}
    assert all_files == {os.path.join("npm", "@scope", "pkg.json")}


async def test_recorded_snapshot_reads_back(tmp_path: Path) -> None:
    snap = tmp_path / "snap"
    writer = SnapshotWriter(snap)
    body = (SNAPSHOT / "npm" / "axios.json").read_bytes()
    assert writer.npm("axios", body)
    shutil.copy(SNAPSHOT / "osv" / "MAL-2026-2307.json", tmp_path / "x.json")
    assert writer.osv("MAL-2026-2307", (tmp_path / "x.json").read_bytes())
    meta = await SnapshotMetadataSource(SnapshotStore(snap), "npm").fetch("axios")
    assert isinstance(meta, PackageMetadata) and meta.versions["1.14.1"].unpublished
