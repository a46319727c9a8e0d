"""Tokens from .npmrc go only to their own host: two loopback registries, two addresses."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from depview.config import Settings
from depview.metadata import PackageMetadata
from depview.model import PackageId
from tests.registry_server import RegistryServer
from tests.sources.harness import run_sources
from tests.sources.helpers import SNAPSHOT

TOKEN_A = "npm_tokenForHostA_0123456789"
TOKEN_B = "npm_tokenForHostB_9876543210"


@pytest.fixture
def two_servers() -> Iterator[tuple[RegistryServer, RegistryServer]]:
    corp = json.loads((SNAPSHOT / "npm" / "wrappy.json").read_text())
    corp["name"] = "@corp/wrappy"
    with RegistryServer(SNAPSHOT, "127.0.0.1") as a, RegistryServer(None, "127.0.0.2") as b:
        b.put("npm/@corp/wrappy.json", corp)
        yield a, b


async def test_tokens_reach_only_their_host(
    two_servers: tuple[RegistryServer, RegistryServer], tmp_path: Path
) -> None:
    a, b = two_servers
    project = tmp_path / "project"
    project.mkdir()
    (project / ".npmrc").write_text(
        f"registry={a.url}/\n"
        f"@corp:registry={b.url}/\n"
        f"//127.0.0.1:{a.port}/:_authToken={TOKEN_A}\n"
        f"//127.0.0.2:{b.port}/:_authToken={TOKEN_B}\n"
        # Same host, other port: must not receive A's token.
        f"//127.0.0.1:1/:_authToken=wrong-port-token\n"
    )
    settings = Settings(
        osv_url=a.url,
        pypi_url=a.url,
        cache_dir=tmp_path / "cache",
        record=tmp_path / "rec",
        read_timeout=2.0,
    )
    packages = [PackageId("npm", "axios", "1.14.0"), PackageId("npm", "@corp/wrappy", "1.0.2")]
    result = await run_sources(settings, packages, project_dir=project)
    assert isinstance(result.metadata[("npm", "axios")], PackageMetadata)
    assert isinstance(result.metadata[("npm", "@corp/wrappy")], PackageMetadata)

    seen_a = {(path, auth) for path, auth in a.authorizations}
    seen_b = {(path, auth) for path, auth in b.authorizations}
    assert ("/axios", f"Bearer {TOKEN_A}") in seen_a
    assert ("/@corp/wrappy", f"Bearer {TOKEN_B}") in seen_b
    assert all(auth in (None, f"Bearer {TOKEN_A}") for _p, auth in seen_a)
    assert all(auth in (None, f"Bearer {TOKEN_B}") for _p, auth in seen_b)
    # OSV shares host A's address and port here: it still gets A's token only (same origin),
    # never B's.
    assert not any(auth == f"Bearer {TOKEN_B}" for _p, auth in seen_a)

    # Never written to the cache, the recorded snapshot, or the errors.
    for root in (tmp_path / "cache", tmp_path / "rec"):
        for file in root.rglob("*"):
            if file.is_file():
                data = file.read_bytes()
                assert TOKEN_A.encode() not in data and TOKEN_B.encode() not in data, file
    assert not any(TOKEN_A in e.message or TOKEN_B in e.message for e in result.errors)


async def test_user_npmrc_token_and_env_expansion(
    two_servers: tuple[RegistryServer, RegistryServer], tmp_path: Path
) -> None:
    a, b = two_servers
    home = tmp_path / "home"
    home.mkdir()
    (home / ".npmrc").write_text(f"//127.0.0.2:{b.port}/:_authToken=${{NPM_TOKEN}}\n")
    settings = Settings(npm_registry=b.url, osv_url=a.url, no_cache=True, read_timeout=2.0)
    from depview.sources.factory import open_sources

    async with open_sources(settings, None, environ={"NPM_TOKEN": TOKEN_B}, home=home) as sources:
        meta = await sources.metadata("npm").fetch("@corp/wrappy")
    assert isinstance(meta, PackageMetadata)
    assert b.authorizations == [("/@corp/wrappy", f"Bearer {TOKEN_B}")]
    assert a.authorizations == []


async def test_redirects_are_followed_without_carrying_the_token_elsewhere(
    two_servers: tuple[RegistryServer, RegistryServer], tmp_path: Path
) -> None:
    from tests.registry_server import Fault

    a, b = two_servers
    b.put("npm/moved.json", json.loads((SNAPSHOT / "npm" / "wrappy.json").read_text()))
    a.add_fault(Fault("redirect", path="/wrappy", times=None, location=f"{b.url}/moved"))
    project = tmp_path / "project"
    project.mkdir()
    (project / ".npmrc").write_text(
        f"registry={a.url}\n//127.0.0.1:{a.port}/:_authToken={TOKEN_A}\n"
    )
    settings = Settings(osv_url=a.url, no_cache=True, read_timeout=2.0)
    result = await run_sources(settings, [PackageId("npm", "wrappy", "1.0.2")], project_dir=project)
    meta = result.metadata[("npm", "wrappy")]
    assert isinstance(meta, PackageMetadata) and "1.0.2" in meta.versions
    assert ("/wrappy", f"Bearer {TOKEN_A}") in a.authorizations
    assert b.authorizations == [("/moved", None)]
