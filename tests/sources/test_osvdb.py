"""The offline OSV database: zips (nested, hostile member names) and directories."""

from __future__ import annotations

import io
import json
import os
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from depview.metadata import Unavailable
from depview.model import PackageId
from depview.sources.osvdb import OsvDatabase, OsvDatabaseSource
from tests.sources.helpers import SNAPSHOT

PACKAGES = [
    PackageId("npm", "axios", "1.14.1"),
    PackageId("npm", "plain-crypto-js", "4.2.1"),
    PackageId("npm", "glob", "7.0.5"),
    PackageId("pypi", "tinylib", "1.0.0"),
    PackageId("npm", "wrappy", "1.0.2"),
]
AS_OF = datetime(2026, 4, 1, 12, tzinfo=UTC)


def _osv(name: str) -> bytes:
    return (SNAPSHOT / "osv" / f"{name}.json").read_bytes()


def _ids(result: object) -> dict[str, set[str]]:
    assert isinstance(result, dict)
    return {p.name: {a.id for a in v} for p, v in result.items() if isinstance(v, tuple)}


async def test_zip_with_nested_zip_and_zip_slip_names(tmp_path: Path) -> None:
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as z:
        z.writestr("GHSA-gl0b-test-0001.json", _osv("GHSA-gl0b-test-0001"))
        z.writestr("PYSEC-2025-1.json", _osv("PYSEC-2025-1"))
    db = tmp_path / "db" / "all.zip"
    db.parent.mkdir()
    with zipfile.ZipFile(db, "w") as z:
        z.writestr("MAL-2026-2307.json", _osv("MAL-2026-2307"))
        z.writestr("../../evil.json", _osv("MAL-2026-2306"))
        z.writestr("/abs/evil2.json", b'{"affected": [{"package": {"name": "axios"')  # cut short
        z.writestr("npm/all.zip", inner.getvalue())
        z.writestr("README.txt", b"ignored")
    before = sorted(os.listdir(tmp_path))
    source = OsvDatabaseSource(OsvDatabase(db), AS_OF)
    result = await source.query(PACKAGES)
    assert _ids(result) == {
        "axios": {"MAL-2026-2307"},
        "plain-crypto-js": {"MAL-2026-2306"},  # read in memory, the name never became a path
        "glob": {"GHSA-gl0b-test-0001"},
        "tinylib": {"PYSEC-2025-1"},
        "wrappy": set(),
    }
    assert sorted(os.listdir(tmp_path)) == before
    assert not (tmp_path.parent / "evil.json").exists()
    assert source.database.skipped == 1  # the invalid JSON member


async def test_directory_database_and_as_of(tmp_path: Path) -> None:
    db = tmp_path / "osv"
    (db / "npm").mkdir(parents=True)
    for name in ("MAL-2026-2307", "GHSA-late-test-0002"):
        (db / "npm" / f"{name}.json").write_bytes(_osv(name))
    result = await OsvDatabaseSource(OsvDatabase(db), AS_OF).query(PACKAGES[:1])
    assert _ids(result) == {"axios": {"MAL-2026-2307"}}
    later = await OsvDatabaseSource(OsvDatabase(db), None).query(PACKAGES[:1])
    assert _ids(later) == {"axios": {"MAL-2026-2307", "GHSA-late-test-0002"}}


@pytest.mark.parametrize("content", [None, b"not a zip"])
async def test_unreadable_database_marks_every_package(
    tmp_path: Path, content: bytes | None
) -> None:
    path = tmp_path / "db.zip"
    if content is not None:
        path.write_bytes(content)
    result = await OsvDatabaseSource(OsvDatabase(path)).query(PACKAGES)
    assert all(isinstance(v, Unavailable) and "OSV database" in v.reason for v in result.values())


def test_prefilter_keeps_only_wanted_packages(tmp_path: Path) -> None:
    db = tmp_path / "osv"
    db.mkdir()
    for name in ("MAL-2026-2307", "MAL-2026-2306", "PYSEC-2025-1"):
        (db / f"{name}.json").write_bytes(_osv(name))
    index = OsvDatabase(db).load({("npm", "axios"), ("pypi", "TINYLIB")})
    assert {a.id for a in index.candidates("npm", "axios")} == {"MAL-2026-2307"}
    assert index.candidates("npm", "plain-crypto-js") == []
    assert {a.id for a in index.candidates("pypi", "tinylib")} == {"PYSEC-2025-1"}
    json.loads(_osv("MAL-2026-2306"))  # the skipped record is valid: it was filtered, not broken
