"""open_sources: snapshot, offline and network modes behind one façade."""

from __future__ import annotations

import gc
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from depview.config import Settings
from depview.metadata import PackageMetadata, Unavailable
from depview.model import PackageId
from depview.records import promote_young_objects
from depview.sources.factory import open_sources
from tests.registry_server import RegistryServer
from tests.sources.harness import locked_packages, run_sources, settings_for
from tests.sources.helpers import SNAPSHOT

AS_OF = datetime(2026, 4, 1, 12, tzinfo=UTC)


async def test_snapshot_mode() -> None:
    settings = Settings(snapshot=SNAPSHOT, offline=True, as_of=AS_OF)
    packages = [*locked_packages(), PackageId("npm", "left-pad", "1.3.0")]
    result = await run_sources(settings, packages)
    left_pad = result.metadata[("npm", "left-pad")]
    assert isinstance(left_pad, PackageMetadata) and left_pad.not_found
    assert all(isinstance(v, PackageMetadata) for v in result.metadata.values())
    axios = result.advisories[PackageId("npm", "axios", "1.14.1")]
    assert isinstance(axios, tuple) and [a.id for a in axios] == ["MAL-2026-2307"]
    assert result.errors == []
    assert result.events[-1].done == result.events[-1].total


async def test_offline_with_cold_cache_is_unknown_not_safe(tmp_path: Path) -> None:
    settings = Settings(offline=True, cache_dir=tmp_path / "cache")
    packages = [PackageId("npm", "axios", "1.14.1")]
    result = await run_sources(settings, packages)
    assert isinstance(result.metadata[("npm", "axios")], Unavailable)
    assert isinstance(result.advisories[packages[0]], Unavailable)
    assert {(e.source, e.package) for e in result.errors} == {
        ("npm", "pkg:npm/axios@1.14.1"),
        ("osv", "pkg:npm/axios@1.14.1"),
    }


async def test_offline_after_a_network_run_uses_the_cache(
    server: RegistryServer, tmp_path: Path
) -> None:
    settings = settings_for(server, tmp_path)
    online = await run_sources(settings)
    server.stop()  # nothing to talk to any more
    offline = await run_sources(replace(settings, offline=True))
    assert offline.errors == []
    assert offline.metadata == online.metadata
    assert offline.advisories == online.advisories


async def test_record_then_replay_gives_the_same_records(
    server: RegistryServer, tmp_path: Path
) -> None:
    record = tmp_path / "rec"
    online = await run_sources(settings_for(server, tmp_path, no_cache=True, record=record))
    replay = await run_sources(Settings(snapshot=record, offline=True))
    for key, value in online.metadata.items():
        again = replay.metadata[key]
        assert isinstance(value, PackageMetadata) and isinstance(again, PackageMetadata)
        assert again.versions == value.versions, key
    assert replay.advisories == online.advisories


async def test_unknown_ecosystem_and_error_recording(tmp_path: Path) -> None:
    settings = Settings(snapshot=SNAPSHOT, offline=True)
    async with open_sources(settings, None) as sources:
        cargo = await sources.metadata("cargo").fetch("serde")
        bad = await sources.metadata("npm").fetch("../../etc/passwd")
        assert isinstance(cargo, Unavailable) and isinstance(bad, Unavailable)
        assert [(e.source, e.package) for e in sources.errors] == [
            ("cargo", "pkg:cargo/serde"),
            ("npm", "pkg:npm/..%2F..%2Fetc%2Fpasswd"),
        ]


async def test_osv_db_replaces_the_api(server: RegistryServer, tmp_path: Path) -> None:
    settings = settings_for(server, tmp_path, no_cache=True, osv_db=SNAPSHOT / "osv", as_of=AS_OF)
    result = await run_sources(settings)
    assert server.count("/v1/querybatch") == 0
    axios = result.advisories[PackageId("npm", "axios", "1.14.1")]
    assert isinstance(axios, tuple) and [a.id for a in axios] == ["MAL-2026-2307"]


class _Node:
    def __init__(self) -> None:
        self.children: list[_Node] = []


def test_young_objects_are_promoted_without_a_collection() -> None:
    enabled = gc.isenabled()
    gc.disable()  # no collection may move the object meanwhile
    try:
        young = _Node()
        assert any(o is young for o in gc.get_objects(generation=0))
        promote_young_objects()
        assert gc.get_count()[0] == 0
        assert any(o is young for o in gc.get_objects(generation=2))
        assert gc.get_freeze_count() == 0
    finally:
        if enabled:
            gc.enable()


def test_objects_the_program_froze_stay_frozen() -> None:
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        assert frozen > 0
        promote_young_objects()
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()
