"""Running the sources against the loopback registry."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from depview.config import Settings
from depview.metadata import Advisory, PackageMetadata, Unavailable
from depview.model import PackageId
from depview.sources.factory import open_sources
from depview.sources.interface import ProgressEvent, SourceError
from tests.registry_server import RegistryServer
from tests.sources.helpers import SNAPSHOT

NPM_NAMES = [
    "axios", "plain-crypto-js", "bcrypt", "glob", "jws", "media-typer", "component-emitter",
    "proxy-addr", "dezalgo", "fn.name", "p-try", "exit", "pg-int8", "path-key", "callsites",
    "forwarded", "tr46", "tmpl", "yocto-queue", "toidentifier", "wrappy", "kuler",
    "concat-map", "fs.realpath", "text-hex", "@nodelib/fs.stat",
]  # fmt: skip


def locked_packages() -> list[PackageId]:
    """One locked version per test packument (the latest tag, or a known one)."""
    import json

    out = [PackageId("npm", "axios", "1.14.1"), PackageId("npm", "plain-crypto-js", "4.2.1")]
    for name in NPM_NAMES[2:]:
        doc = json.loads((SNAPSHOT / "npm" / f"{name}.json").read_text())
        out.append(PackageId("npm", name, doc["dist-tags"]["latest"]))
    out.append(PackageId("pypi", "tinylib", "1.1.0"))
    return out


@dataclass
class RunResult:
    metadata: dict[tuple[str, str], PackageMetadata | Unavailable]
    advisories: dict[PackageId, tuple[Advisory, ...] | Unavailable]
    errors: list[SourceError]
    events: list[ProgressEvent] = field(default_factory=list)
    requests: int = 0

    def unavailable(self) -> dict[str, str]:
        return {
            name: value.reason
            for (_eco, name), value in self.metadata.items()
            if isinstance(value, Unavailable)
        }


async def run_sources(
    settings: Settings,
    packages: list[PackageId] | None = None,
    project_dir: Path | None = None,
    home: Path | None = None,
) -> RunResult:
    packages = packages if packages is not None else locked_packages()
    events: list[ProgressEvent] = []
    async with open_sources(
        settings, project_dir, events.append, environ={}, home=home or Path("/nonexistent")
    ) as sources:
        metadata = await sources.fetch_all(packages)
        advisories = dict(await sources.fetch_advisories(packages))
        return RunResult(metadata, advisories, list(sources.errors), events, sources.requests)


def settings_for(server: RegistryServer, tmp_path: Path, **overrides: object) -> Settings:
    base = Settings(
        npm_registry=server.url,
        pypi_url=server.url,
        osv_url=server.url,
        cache_dir=tmp_path / "cache",
        connect_timeout=0.5,
        read_timeout=0.5,
        retries=3,
        deadline=30.0,
    )
    return replace(base, **overrides)  # type: ignore[arg-type]
