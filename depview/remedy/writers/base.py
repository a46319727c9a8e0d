"""What every writer shares: the signature, file reading, and the project's package.json."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

from depview.metadata import PackageMetadata, Unavailable, VersionInfo
from depview.model import DependencyGraph
from depview.remedy.model import ExportError, FileChange, Plan

__all__ = [
    "DEFAULT_NPM_REGISTRY",
    "MetadataMap",
    "Writer",
    "npm_tarball_url",
    "read_json_object",
    "read_text",
    "tarball_of",
    "version_info",
]

MetadataMap = Mapping[tuple[str, str], PackageMetadata | Unavailable]
DEFAULT_NPM_REGISTRY = "https://registry.npmjs.org"
MAX_FILE_BYTES = 256 * 1024 * 1024


class Writer(Protocol):
    """Turns a plan into file changes for one export format."""

    def __call__(
        self, plan: Plan, graph: DependencyGraph, lockfile: Path, metadata: MetadataMap
    ) -> list[FileChange]: ...


def read_text(path: Path) -> str:
    """A UTF-8 text file (BOM kept out), or a one-line :class:`ExportError`."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ExportError(f"{path}: file is too large")
        data = path.read_bytes()
    except FileNotFoundError:
        raise ExportError(f"{path}: no such file") from None
    except OSError as exc:
        raise ExportError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ExportError(f"{path}: not valid UTF-8 text") from None


def read_json_object(path: Path) -> tuple[str, dict[str, Any]]:
    """(text, parsed object) of a JSON file whose top level is an object."""
    text = read_text(path)
    try:
        data = json.loads(text.lstrip("\ufeff"))
    except json.JSONDecodeError as exc:
        raise ExportError(f"{path}:{exc.lineno}: invalid JSON: {exc.msg}") from None
    except RecursionError:
        raise ExportError(f"{path}: nested too deeply") from None
    if not isinstance(data, dict):
        raise ExportError(f"{path}: the top level is not a JSON object")
    return text, data


def version_info(
    metadata: MetadataMap, ecosystem: str, name: str, version: str
) -> VersionInfo | None:
    meta = metadata.get((ecosystem, name))
    if not isinstance(meta, PackageMetadata):
        return None
    return meta.versions.get(version)


def npm_tarball_url(registry: str, name: str, version: str) -> str:
    """``{registry}/{name}/-/{basename}-{version}.tgz`` (the npm registry's tarball layout)."""
    base = name.rsplit("/", 1)[-1]
    return f"{registry.rstrip('/')}/{name}/-/{base}-{version}.tgz"


def tarball_of(
    info: VersionInfo | None, name: str, version: str, old_url: str | None, old_version: str | None
) -> str:
    """The tarball URL of ``name@version``: the registry's own, else derived.

    Derivation keeps the registry the lockfile already uses (a mirror stays a
    mirror): the old URL with its version swapped, else the public layout.
    """
    if info is not None and info.tarball:
        return info.tarball
    if old_url and old_version:
        suffix = f"-{old_version}.tgz"
        if old_url.endswith(suffix):
            return old_url[: -len(suffix)] + f"-{version}.tgz"
    return npm_tarball_url(DEFAULT_NPM_REGISTRY, name, version)
