"""PyPI: the JSON/Simple/Integrity API normaliser (pure).

Inputs, all optional beyond the first:

- ``doc``: ``GET {pypi}/pypi/{name}/json`` (releases with their files, yanks,
  ``ownership``, ``vulnerabilities``);
- ``simple``: ``GET {pypi}/simple/{name}/`` as ``application/vnd.pypi.simple.v1+json``
  (per-file ``upload-time``, ``yanked`` and PEP 740 ``provenance`` URLs);
- ``provenance``: file name -> ``GET {pypi}/integrity/{name}/{version}/{file}/provenance``
  (attestation bundles naming the Trusted Publisher).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    parse_sdist_filename,
    parse_wheel_filename,
)

from depview.metadata import Advisory, PackageMetadata, Person, VersionInfo
from depview.model import normalize_name
from depview.sources._shape import (
    MAX_ITEMS,
    MAX_SHORT,
    MAX_TEXT,
    get_list,
    get_map,
    get_str,
    parse_time,
    text,
)

__all__ = [
    "SDIST_INSTALL",
    "normalize_pypi",
    "publisher_from_provenance",
    "pypi_vulnerabilities",
    "version_of_file",
]

SDIST_INSTALL = "setup.py / build backend runs at install"
MAX_RELEASES = 20000


@dataclass(slots=True)
class _Release:
    files: list[str] = field(default_factory=list)
    hashes: list[str] = field(default_factory=list)
    uploads: list[datetime] = field(default_factory=list)
    has_wheel: bool = False
    yanked_all: bool = True
    yanked_reason: str | None = None
    provenance: bool = False
    publisher: Person | None = None
    trusted_publisher: str | None = None


def version_of_file(filename: str) -> str | None:
    """The release version a wheel or sdist file name carries, or None."""
    try:
        if filename.endswith(".whl"):
            return str(parse_wheel_filename(filename)[1])
        return str(parse_sdist_filename(filename)[1])
    except (InvalidWheelFilename, InvalidSdistFilename, ValueError):
        return None


def publisher_from_provenance(doc: Mapping[str, Any]) -> tuple[Person, str] | None:
    """(publisher identity, trusted-publisher kind) from an Integrity API provenance object."""
    raw: object = doc
    if not isinstance(raw, Mapping):
        return None
    for bundle in get_list(doc, "attestation_bundles")[:50]:
        if not isinstance(bundle, Mapping):
            continue
        publisher = get_map(bundle, "publisher")
        kind = get_str(publisher, "kind", 64)
        if not kind:
            continue
        repository = get_str(publisher, "repository", 256)
        workflow = get_str(publisher, "workflow", 256) or get_str(
            publisher, "workflow_filepath", 256
        )
        email = get_str(publisher, "email", 256)
        label = kind.lower()
        if repository:
            label += f":{repository}"
        if workflow:
            label += f" ({workflow})"
        return Person(label, email), kind.lower()
    return None


def _file_hash(entry: Mapping[str, Any], key: str) -> str | None:
    sha = get_str(get_map(entry, key), "sha256", 128)
    return f"sha256:{sha.lower()}" if sha else None


def _yank(value: Any, reason: Any) -> tuple[bool, str | None]:
    if isinstance(value, str):  # Simple API: the reason string means yanked
        return True, text(value, MAX_TEXT) or None
    return value is True, text(reason, MAX_TEXT) or None


def _collect(doc: Mapping[str, Any]) -> tuple[dict[str, _Release], dict[str, str]]:
    releases: dict[str, _Release] = {}
    owner_of: dict[str, str] = {}  # file name -> version
    for version, files in get_map(doc, "releases").items():
        if len(releases) >= MAX_RELEASES:
            break
        if len(version) > MAX_SHORT:
            continue
        release = releases.setdefault(version, _Release())
        if not isinstance(files, list):
            continue
        for entry in files[:MAX_ITEMS]:
            if not isinstance(entry, Mapping):
                continue
            filename = get_str(entry, "filename", MAX_SHORT)
            if not filename:
                continue
            owner_of[filename] = version
            release.files.append(filename)
            digest = _file_hash(entry, "digests")
            if digest:
                release.hashes.append(digest)
            uploaded = parse_time(entry.get("upload_time_iso_8601")) or parse_time(
                entry.get("upload_time")
            )
            if uploaded is not None:
                release.uploads.append(uploaded)
            if get_str(entry, "packagetype", 32) == "bdist_wheel" or filename.endswith(".whl"):
                release.has_wheel = True
            yanked, reason = _yank(entry.get("yanked"), entry.get("yanked_reason"))
            release.yanked_all = release.yanked_all and yanked
            if yanked and reason and release.yanked_reason is None:
                release.yanked_reason = reason
    return releases, owner_of


def _merge_simple(
    simple: Mapping[str, Any], releases: dict[str, _Release], owner_of: dict[str, str]
) -> None:
    for entry in get_list(simple, "files")[: MAX_ITEMS * 10]:
        if not isinstance(entry, Mapping):
            continue
        filename = get_str(entry, "filename", MAX_SHORT)
        if not filename:
            continue
        version = owner_of.get(filename) or version_of_file(filename)
        if version is None:
            continue
        release = releases.setdefault(version, _Release())
        if filename not in release.files:
            owner_of[filename] = version
            release.files.append(filename)
            digest = _file_hash(entry, "hashes")
            if digest:
                release.hashes.append(digest)
            uploaded = parse_time(entry.get("upload-time"))
            if uploaded is not None:
                release.uploads.append(uploaded)
            if filename.endswith(".whl"):
                release.has_wheel = True
            yanked, reason = _yank(entry.get("yanked"), None)
            release.yanked_all = release.yanked_all and yanked
            if yanked and reason and release.yanked_reason is None:
                release.yanked_reason = reason
        if isinstance(entry.get("provenance"), str) and entry.get("provenance"):
            release.provenance = True


def _merge_provenance(
    provenance: Mapping[str, Mapping[str, Any]],
    releases: dict[str, _Release],
    owner_of: Mapping[str, str],
) -> None:
    for filename, bundle in provenance.items():
        entry: object = bundle
        if not isinstance(entry, Mapping):
            continue
        version = owner_of.get(filename) or version_of_file(filename)
        if version is None or version not in releases:
            continue
        found = publisher_from_provenance(bundle)
        if found is None:
            continue
        release = releases[version]
        release.provenance = True
        if release.publisher is None:
            release.publisher, release.trusted_publisher = found


def _ownership(doc: Mapping[str, Any]) -> tuple[tuple[Person, ...], str | None]:
    ownership = get_map(doc, "ownership")
    people: list[Person] = []
    for role in get_list(ownership, "roles")[:MAX_ITEMS]:
        if not isinstance(role, Mapping):
            continue
        user = get_str(role, "user")
        if user:
            person = Person(user.strip())
            if person not in people:
                people.append(person)
    org_value = ownership.get("organization")
    organization = get_str(org_value, "name") if isinstance(org_value, Mapping) else text(org_value)
    return tuple(people), organization or None


def pypi_vulnerabilities(doc: Mapping[str, Any]) -> list[Advisory]:
    """The JSON API's ``vulnerabilities`` (for ``info.version``) as advisories."""
    raw: object = doc
    if not isinstance(raw, Mapping):
        return []
    info = get_map(doc, "info")
    name = get_str(info, "name")
    version = get_str(info, "version")
    out: list[Advisory] = []
    for vuln in get_list(doc, "vulnerabilities")[:MAX_ITEMS]:
        if not isinstance(vuln, Mapping):
            continue
        ident = get_str(vuln, "id", 128)
        if not ident:
            continue
        link = get_str(vuln, "link", 2048)
        out.append(
            Advisory(
                id=ident,
                summary=get_str(vuln, "summary", 1024) or "",
                details=get_str(vuln, "details", MAX_TEXT) or "",
                aliases=tuple(
                    a for a in (text(x, 128) for x in get_list(vuln, "aliases")[:100]) if a
                ),
                withdrawn=parse_time(vuln.get("withdrawn")),
                fixed=tuple(
                    f for f in (text(x, MAX_SHORT) for x in get_list(vuln, "fixed_in")[:100]) if f
                ),
                references=(link,) if link else (),
                malicious=ident.upper().startswith("MAL-"),
                ecosystem="pypi",
                package=normalize_name("pypi", name) if name else None,
                versions=(version,) if version else (),
            )
        )
    return out


def normalize_pypi(
    doc: Mapping[str, Any],
    simple: Mapping[str, Any] | None = None,
    provenance: Mapping[str, Mapping[str, Any]] | None = None,
    *,
    name: str | None = None,
    source_url: str | None = None,
) -> PackageMetadata:
    """PyPI JSON (+ Simple JSON, + Integrity provenance by file name) as :class:`PackageMetadata`."""
    raw: object = doc
    if not isinstance(raw, Mapping):
        doc = {}
    info = get_map(doc, "info")
    raw_name = name or get_str(info, "name") or (get_str(simple, "name") if simple else None) or ""
    releases, owner_of = _collect(doc)
    if isinstance(simple, Mapping):
        _merge_simple(simple, releases, owner_of)
    if isinstance(provenance, Mapping):
        _merge_provenance(provenance, releases, owner_of)
    maintainers, organization = _ownership(doc)
    versions: dict[str, VersionInfo] = {}
    for version, release in releases.items():
        has_files = bool(release.files)
        versions[version] = VersionInfo(
            version=version,
            published=min(release.uploads) if release.uploads else None,
            publisher=release.publisher,
            trusted_publisher=release.trusted_publisher,
            provenance=release.provenance,
            install_scripts=(
                {"sdist": SDIST_INSTALL} if has_files and not release.has_wheel else {}
            ),
            hashes=tuple(dict.fromkeys(release.hashes)),
            yanked=has_files and release.yanked_all,
            yanked_reason=release.yanked_reason if has_files and release.yanked_all else None,
            has_wheel=release.has_wheel if has_files else None,
            files=tuple(release.files),
        )
    latest = get_str(info, "version")
    tags = {"latest": latest} if latest and latest in versions else {}
    published = [v.published for v in versions.values() if v.published is not None]
    return PackageMetadata(
        ecosystem="pypi",
        name=normalize_name("pypi", raw_name) if raw_name else "",
        versions=versions,
        dist_tags=tags,
        maintainers=maintainers,
        created=min(published) if published else None,
        modified=max(published) if published else None,
        description=get_str(info, "summary", MAX_TEXT),
        source_url=source_url,
        organization=organization,
    )
