"""The HTTP shell against a real loopback server with injected faults."""

from __future__ import annotations

import time
from email.utils import formatdate
from pathlib import Path

import pytest

from depview.metadata import PackageMetadata, Unavailable
from depview.model import PackageId
from depview.sources.http import retry_after
from tests.registry_server import Fault, RegistryServer
from tests.sources.harness import locked_packages, run_sources, settings_for


async def test_clean_run(server: RegistryServer, tmp_path: Path) -> None:
    result = await run_sources(settings_for(server, tmp_path, no_cache=True))
    assert result.errors == []
    assert result.unavailable() == {}
    axios = result.metadata[("npm", "axios")]
    assert isinstance(axios, PackageMetadata) and axios.versions["1.14.1"].unpublished
    scoped = result.metadata[("npm", "@nodelib/fs.stat")]
    assert isinstance(scoped, PackageMetadata) and scoped.versions
    assert server.count("/@nodelib/fs.stat") == 1  # requested as @nodelib%2ffs.stat
    tiny = result.metadata[("pypi", "tinylib")]
    assert isinstance(tiny, PackageMetadata)
    assert tiny.versions["1.1.0"].trusted_publisher == "github"  # via the Integrity API
    ids = {
        p.name: {a.id for a in v}
        for p, v in result.advisories.items()
        if isinstance(v, tuple) and v
    }
    assert ids == {
        "axios": {"MAL-2026-2307", "GHSA-late-test-0002"},  # no --as-of: all are visible
        "plain-crypto-js": {"MAL-2026-2306"},
        "tinylib": {"PYSEC-2025-1"},
    }
    # Progress: names counted, done reaches total.
    assert result.events[0].done == 0
    assert (
        result.events[-1].done
        == result.events[-1].total
        == len({(p.ecosystem, p.name) for p in locked_packages()})
    )
    assert result.events[-1].bytes > 0


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        (Fault("500", path="/glob", times=None), "HTTP 500 after 4 attempts"),
        (Fault("500", path="/glob", times=None, status=503), "HTTP 503 after 4 attempts"),
        (
            Fault("invalid-json", path="/glob", times=None),
            "invalid JSON in response after 4 attempts",
        ),
        (Fault("truncate", path="/glob", times=None), "truncated response after 4 attempts"),
        (Fault("reset", path="/glob", times=None), "after 4 attempts"),
        (
            Fault("stall", path="/glob", times=None, stall=3.0),
            "timed out after 0.5 s after 2 attempts",
        ),
        (
            Fault("drip", path="/glob", times=None, drip_delay=0.2, drip_size=8),
            "timed out after 1.5 s after 2 attempts",
        ),
    ],
)
async def test_persistent_fault_marks_only_that_package(
    server: RegistryServer, tmp_path: Path, fault: Fault, reason: str
) -> None:
    server.add_fault(fault)
    started = time.monotonic()
    result = await run_sources(settings_for(server, tmp_path, no_cache=True))
    elapsed = time.monotonic() - started
    assert set(result.unavailable()) == {"glob"}
    assert result.unavailable()["glob"].endswith(reason)
    [error] = result.errors
    assert error.source == "npm"
    assert error.package is not None and error.package.startswith("pkg:npm/glob@")
    assert error.message == result.unavailable()["glob"]
    assert elapsed < 10


@pytest.mark.parametrize("kind", ["500", "invalid-json", "truncate", "reset", "stall", "drip"])
async def test_transient_fault_is_retried(
    server: RegistryServer, tmp_path: Path, kind: str
) -> None:
    server.add_fault(Fault(kind, path="/glob", times=1, stall=1.0, drip_delay=0.3, drip_size=4096))
    result = await run_sources(settings_for(server, tmp_path, no_cache=True))
    assert result.unavailable() == {} and result.errors == []
    # A slow drip inside the per-request budget (connect + 2 x read) is not a failure.
    assert server.count("/glob") == (1 if kind == "drip" else 2)


async def test_404_is_not_on_the_registry(server: RegistryServer, tmp_path: Path) -> None:
    server.add_fault(Fault("404", path="/glob", times=None))
    result = await run_sources(settings_for(server, tmp_path, no_cache=True))
    glob = result.metadata[("npm", "glob")]
    assert isinstance(glob, PackageMetadata) and glob.not_found and not glob.versions
    assert result.errors == []


async def test_retry_after_seconds_is_honoured(server: RegistryServer, tmp_path: Path) -> None:
    server.add_fault(Fault("429", path="/glob", times=1, retry_after="1"))
    started = time.monotonic()
    result = await run_sources(
        settings_for(server, tmp_path, no_cache=True), [PackageId("npm", "glob", "7.2.3")]
    )
    assert time.monotonic() - started >= 1.0
    assert result.unavailable() == {}
    assert server.count("/glob") == 2


async def test_retry_after_past_the_deadline_gives_up_at_once(
    server: RegistryServer, tmp_path: Path
) -> None:
    server.add_fault(Fault("429", path="/glob", times=None, retry_after="3600"))
    started = time.monotonic()
    result = await run_sources(
        settings_for(server, tmp_path, no_cache=True), [PackageId("npm", "glob", "7.2.3")]
    )
    assert time.monotonic() - started < 3
    assert "Retry-After 3600 s is past the run deadline" in result.unavailable()["glob"]


def test_retry_after_parsing() -> None:
    now = 1_000_000.0
    assert retry_after("5") == 5.0
    assert retry_after(formatdate(now + 30, usegmt=True), now) == pytest.approx(30, abs=1)
    assert retry_after(formatdate(now - 30, usegmt=True), now) == 0.0
    assert retry_after("soon") is None
    assert retry_after(None) is None


async def test_run_deadline_bounds_the_whole_run(server: RegistryServer, tmp_path: Path) -> None:
    server.add_fault(Fault("stall", times=None, stall=5.0))
    started = time.monotonic()
    result = await run_sources(
        settings_for(server, tmp_path, no_cache=True, deadline=1.5, read_timeout=3.0)
    )
    assert time.monotonic() - started < 4
    assert result.unavailable()  # everything stalled
    assert all("deadline" in r or "timed out" in r for r in result.unavailable().values())
    assert all(isinstance(v, Unavailable) for v in result.advisories.values())


async def test_seeded_chaos_completes_and_reports_exactly_the_failures(tmp_path: Path) -> None:
    from tests.sources.helpers import SNAPSHOT

    with RegistryServer(SNAPSHOT, seed=7) as srv:
        for kind in ("500", "429", "reset", "truncate", "invalid-json"):
            srv.add_fault(Fault(kind, times=None, probability=0.15, retry_after="0"))
        result = await run_sources(settings_for(srv, tmp_path, no_cache=True, retries=2))
    failed = {
        p.purl
        for p in locked_packages()
        if isinstance(result.metadata[(p.ecosystem, p.name)], Unavailable)
    }
    reported = {
        e.package
        for e in result.errors
        if e.source in ("npm", "pypi") and "provenance unknown" not in e.message
    }
    assert failed == reported
    assert failed  # the seed does break some packages
    assert len(result.metadata) == len({(p.ecosystem, p.name) for p in locked_packages()})


async def test_osv_querybatch_failure_marks_advisories_unavailable(
    server: RegistryServer, tmp_path: Path
) -> None:
    server.add_fault(Fault("500", path="/v1/querybatch", times=None))
    result = await run_sources(settings_for(server, tmp_path, no_cache=True))
    assert result.unavailable() == {}
    assert all(isinstance(v, Unavailable) for v in result.advisories.values())
    assert {e.source for e in result.errors} == {"osv"}
    assert len(result.errors) == len(result.advisories)


async def test_osv_paging_and_detail_failure(tmp_path: Path) -> None:
    from tests.sources.helpers import SNAPSHOT

    with RegistryServer(SNAPSHOT, osv_page_size=1) as srv:
        srv.add_fault(Fault("500", path="/v1/vulns/MAL-2026-2307", times=None))
        result = await run_sources(
            settings_for(srv, tmp_path, no_cache=True),
            [PackageId("npm", "axios", "1.14.1")],
        )
        batches = srv.count("/v1/querybatch")
    advisories = result.advisories[PackageId("npm", "axios", "1.14.1")]
    assert isinstance(advisories, tuple)
    by_id = {a.id: a for a in advisories}
    assert set(by_id) == {"MAL-2026-2307", "GHSA-late-test-0002"}  # two pages
    assert batches == 2
    placeholder = by_id["MAL-2026-2307"]
    assert placeholder.malicious and "details unavailable" in placeholder.summary
    assert any("MAL-2026-2307" in e.message for e in result.errors)


async def test_a_bug_in_normalisation_is_contained(
    server: RegistryServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from depview.sources import clients

    def boom(*args: object, **kwargs: object) -> None:
        raise KeyError("bug")

    monkeypatch.setattr(clients, "normalize_packument", boom)
    monkeypatch.setattr(clients, "normalize_osv", boom)
    result = await run_sources(
        settings_for(server, tmp_path, no_cache=True), [PackageId("npm", "axios", "1.14.1")]
    )
    assert result.unavailable() == {"axios": "internal error (KeyError)"}
    advisories = result.advisories[PackageId("npm", "axios", "1.14.1")]
    assert isinstance(advisories, Unavailable) and "internal error" in advisories.reason
