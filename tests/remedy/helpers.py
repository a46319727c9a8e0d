"""Shared fixtures for the export tests: the axios replay, hand-made metadata and verdicts."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from depview.config import Settings, parse_instant
from depview.lockfiles import load
from depview.metadata import PackageMetadata, Unavailable, VersionInfo
from depview.model import DependencyGraph, PackageId
from depview.remedy.jsonedit import JsonText
from depview.risk.model import Level, Suggestion, Verdict
from depview.service import Analysis, Enrichment
from depview.sources.snapshot import SnapshotStore

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "depview" / "data" / "demo"
DEMO_PROJECT = DEMO / "project"
DEMO_SNAPSHOT = DEMO / "snapshot"
DATA = ROOT / "tests" / "data" / "remedy"
GOLDEN = DATA / "golden"
AS_OF = parse_instant(json.loads((DEMO / "expected.json").read_text())["as_of"])

AXIOS_BAD = PackageId("npm", "axios", "1.14.1")
PLAIN = PackageId("npm", "plain-crypto-js", "4.2.1")

MetaMap = dict[tuple[str, str], PackageMetadata | Unavailable]


def copy_project(src: Path, dst: Path) -> Path:
    """A copy of a fixture project (package.json files and lockfiles) under ``dst``."""
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("node_modules", "oracle-*"))
    return dst


def demo_copy(tmp_path: Path) -> Path:
    return copy_project(DEMO_PROJECT, tmp_path / "project")


def snapshot_metadata(names: Iterable[str], snapshot: Path = DEMO_SNAPSHOT) -> MetaMap:
    store = SnapshotStore(snapshot)
    return {("npm", n): store.metadata("npm", n) for n in names}


def axios_verdicts() -> dict[PackageId, Verdict]:
    return {
        AXIOS_BAD: Verdict(
            AXIOS_BAD, Level.CRITICAL, 98,
            suggestion=Suggestion("1.14.0", "last release before the compromise"),
        ),
        PLAIN: Verdict(
            PLAIN, Level.HIGH, 90,
            suggestion=Suggestion(None, "created the day before; every version is the attack"),
        ),
    }  # fmt: skip


def axios_metadata() -> MetaMap:
    return snapshot_metadata(
        ["axios", "plain-crypto-js", "follow-redirects", "form-data", "proxy-from-env"]
    )


def analysis(verdicts: Mapping[PackageId, Verdict], metadata: MetaMap) -> Analysis:
    return Analysis(dict(verdicts), [], Enrichment(metadata=dict(metadata)))


def settings(**kw: Any) -> Settings:
    return Settings(as_of=AS_OF, offline=True, no_cache=True, **kw)


def vinfo(
    version: str,
    deps: Mapping[str, str] | None = None,
    *,
    days_before: float = 30,
    integrity: str | None = None,
    hashes: tuple[str, ...] = (),
    optional: Mapping[str, str] | None = None,
    scripts: Mapping[str, str] | None = None,
    deprecated: str | None = None,
    tarball: str | None = None,
) -> VersionInfo:
    return VersionInfo(
        version=version,
        published=AS_OF - timedelta(days=days_before),
        dependencies=dict(deps or {}),
        optional_dependencies=dict(optional or {}),
        integrity=integrity if integrity is not None else f"sha512-fake-{version}==",
        hashes=hashes,
        install_scripts=dict(scripts or {}),
        deprecated=deprecated,
        tarball=tarball,
    )


def meta(
    name: str, *infos: VersionInfo, latest: str | None = None, ecosystem: str = "npm"
) -> PackageMetadata:
    versions = {i.version: i for i in infos}
    tags = {"latest": latest} if latest else {}
    return PackageMetadata(ecosystem=ecosystem, name=name, versions=versions, dist_tags=tags)


def verdict(
    pid: PackageId, to: str | None, level: Level = Level.HIGH, why: str = "risky"
) -> Verdict:
    return Verdict(pid, level, 80, suggestion=Suggestion(to, why))


def load_graph(path: Path) -> DependencyGraph:
    return load(path)


# -- byte-identity ----------------------------------------------------------------


def packages_spans(text: str) -> dict[str, str]:
    """location -> the exact text of its entry in ``packages``."""
    doc = JsonText(text)
    top = {m.key: m for m in doc.members(doc.root_start())}
    return {
        m.key: text[m.value_start : m.value_end] for m in doc.members(top["packages"].value_start)
    }


def assert_untouched(before: str, after: str, changed: set[str], removed: set[str]) -> None:
    """Every entry not in ``changed``/``removed`` is byte-identical; removed ones are gone."""
    old, new = packages_spans(before), packages_spans(after)
    for loc in removed:
        assert loc not in new, loc
    for loc, span in old.items():
        if loc in changed or loc in removed:
            continue
        assert new.get(loc) == span, f"{loc} moved"
    # Outside "packages" nothing moves either (header, lockfileVersion, trailing newline).
    assert before.split('"packages"', 1)[0] == after.split('"packages"', 1)[0]
    assert before.endswith("\n") == after.endswith("\n")


# -- real tools -------------------------------------------------------------------


def tool(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.is_file() and os.access(beside, os.X_OK) else None


def npm_env(tmp: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "npm_config_cache": str(tmp / ".npm-cache"),
            "npm_config_update_notifier": "false",
            "npm_config_fund": "false",
            "npm_config_audit": "false",
            "npm_config_registry": "http://127.0.0.1:9/",  # never the internet
        }
    )
    return env


def npm_ls(project: Path, tmp: Path) -> subprocess.CompletedProcess[str]:
    exe = tool("npm")
    if exe is None:
        pytest.skip("npm is not on PATH")
    return subprocess.run(
        [exe, "ls", "--package-lock-only", "--all", "--json"],
        cwd=project,
        env=npm_env(tmp),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def ls_versions(tree: Mapping[str, Any]) -> set[tuple[str, str]]:
    """Every (name, version) in ``npm ls --json`` output."""
    out: set[tuple[str, str]] = set()
    stack = [tree]
    while stack:
        node = stack.pop()
        for name, child in (node.get("dependencies") or {}).items():
            if isinstance(child, dict):
                if "version" in child:
                    out.add((name, str(child["version"])))
                stack.append(child)
    return out


def old_days(n: float) -> datetime:
    return datetime(2026, 1, 1, tzinfo=UTC) - timedelta(days=n)
