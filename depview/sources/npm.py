"""npm: the packument normaliser (pure) and the registry client (I/O).

``normalize_packument`` turns a full packument (``GET {registry}/{name}`` with
``Accept: application/json``) into :class:`~depview.metadata.PackageMetadata`.
It never raises on a hostile document: a field of the wrong type is skipped,
a version entry that is not an object is dropped, long strings are capped.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from datetime import datetime
from functools import lru_cache
from typing import Any

from depview.metadata import PackageMetadata, Person, VersionInfo
from depview.sources._shape import (
    MAPS,
    MAX_ITEMS,
    MAX_SHORT,
    MAX_TEXT,
    get_list,
    get_map,
    get_str,
    parse_time,
    str_map,
    text,
)

__all__ = [
    "INSTALL_HOOKS",
    "normalize_packument",
    "parse_person",
]

INSTALL_HOOKS = ("preinstall", "install", "postinstall")
NODE_GYP = "node-gyp rebuild"
REGISTRY_MARKED = "(install script reported by the registry)"
MAX_VERSIONS = 20000
_TIME_KEYS = frozenset({"created", "modified", "unpublished"})
_PLACEHOLDER = re.compile(r"^0\.0\.1-security(\.\d+)?$")
_PERSON_TEXT = re.compile(r"^\s*([^<(]*?)\s*(?:<([^>]*)>)?\s*(?:\(([^)]*)\))?\s*$")


@lru_cache(maxsize=4096)
def _person(name: str | None, email: str | None) -> Person | None:
    name = name.strip() if name else None
    email = email.strip() if email else None
    if not name and not email:
        return None
    return Person(name or None, email or None)


def parse_person(value: Any) -> Person | None:
    """An npm person: ``{"name", "email"}`` or the string form ``"Name <email> (url)"``."""
    if isinstance(value, MAPS):
        # The same few people appear in every version: the parsed Person is shared.
        return _person(get_str(value, "name"), get_str(value, "email"))
    if isinstance(value, str):
        capped = text(value, MAX_SHORT) or ""
        match = _PERSON_TEXT.match(capped)
        if match is None:
            name, email = capped.strip() or None, None
        else:
            name = match.group(1) or None
            email = match.group(2) or None
        return _person(name, email)
    return None


def _people(value: Any) -> tuple[Person, ...]:
    if not isinstance(value, list):
        one = parse_person(value)
        return (one,) if one is not None else ()
    out: list[Person] = []
    for item in value[:MAX_ITEMS]:
        person = parse_person(item)
        if person is not None and person not in out:
            out.append(person)
    return tuple(out)


def _integrity(dist: Mapping[str, Any]) -> str | None:
    integrity = get_str(dist, "integrity", 1024)
    if integrity:
        return integrity
    shasum = get_str(dist, "shasum", 128)
    if shasum and len(shasum) == 40:
        try:
            raw = binascii.unhexlify(shasum)
        except (binascii.Error, ValueError):
            return None
        return "sha1-" + base64.b64encode(raw).decode("ascii")
    return None


def _install_scripts(manifest: Mapping[str, Any]) -> dict[str, str]:
    scripts = str_map(manifest.get("scripts"), limit=2000)
    hooks = {hook: scripts[hook] for hook in INSTALL_HOOKS if scripts.get(hook, "").strip()}
    # npm runs `node-gyp rebuild` for a package with binding.gyp and no install/preinstall
    # hook; the publish step records that as `gypfile: true` (and usually adds the script).
    if manifest.get("gypfile") is True and "install" not in hooks and "preinstall" not in hooks:
        hooks["install"] = NODE_GYP
    # The registry itself marks versions with install scripts (hasInstallScript).
    if not hooks and manifest.get("hasInstallScript") is True:
        hooks["install"] = REGISTRY_MARKED
    return hooks


def _deprecated(value: Any) -> str | None:
    if value is True:
        return "deprecated"
    notice = text(value, MAX_TEXT)
    return notice if notice and notice.strip() else None


def _version_info(
    version: str,
    manifest: Mapping[str, Any],
    published: datetime | None,
    people: dict[Any, tuple[Person, ...]],
) -> VersionInfo:
    get = manifest.get
    user = get("_npmUser")
    publisher = parse_person(user)
    trusted: str | None = None
    if isinstance(user, MAPS):
        tp = user.get("trustedPublisher")
        if isinstance(tp, MAPS):
            trusted = get_str(tp, "id", 64) or "unknown"
    dist = get_map(manifest, "dist")
    attestations = get_map(dist, "attestations")
    scripts = get("scripts")
    return VersionInfo(
        version=version,
        published=published,
        publisher=publisher,
        trusted_publisher=trusted,
        provenance=bool(attestations.get("provenance")),
        maintainers=_shared_people(get("maintainers"), people),
        install_scripts=(
            _install_scripts(manifest)
            if scripts or "gypfile" in manifest or "hasInstallScript" in manifest
            else {}
        ),
        dependencies=str_map(get("dependencies")),
        optional_dependencies=str_map(get("optionalDependencies")),
        integrity=_integrity(dist),
        tarball=_tarball(dist, get_str(manifest, "name", 256) or "", version),
        deprecated=_deprecated(get("deprecated")),
        git_head=get_str(manifest, "gitHead", 128),
    )


def _shared_people(value: Any, seen: dict[Any, tuple[Person, ...]]) -> tuple[Person, ...]:
    """:func:`_people`, parsed once per distinct list in a packument (the maintainers list
    is usually the same in every version)."""
    if not isinstance(value, list) or len(value) > 64:
        return _people(value)
    try:
        key = tuple(
            (item.get("name"), item.get("email")) if type(item) is dict else item for item in value
        )
        found = seen.get(key)
    except TypeError:  # an unhashable item (a list, say): no sharing
        return _people(value)
    if found is None:
        found = seen[key] = _people(value)
    return found


def _tarball(dist: Mapping[str, Any], name: str, version: str) -> str | None:
    """``dist.tarball`` when it is not at the registry's usual ``/<name>/-/<base>-<v>.tgz``.

    The usual place is rebuilt from the lockfile's ``resolved`` by the export, so it is
    not kept (a packument repeats it for every version).
    """
    url = get_str(dist, "tarball", 2048)
    if not url or not url.startswith(("https://", "http://")):
        return None
    if url.endswith(f"/{name}/-/{name.rpartition('/')[2]}-{version}.tgz"):
        return None
    return url


def _unpublished_versions(times: Mapping[str, Any]) -> list[str]:
    """Versions a fully unpublished package lists under ``time.unpublished.versions``."""
    info = times.get("unpublished")
    if not isinstance(info, Mapping):
        return []
    return [v for v in get_list(info, "versions") if isinstance(v, str) and len(v) <= MAX_SHORT]


def _is_placeholder(
    versions: Mapping[str, VersionInfo], description: str | None, manifests: Mapping[str, Any]
) -> bool:
    for version, info in versions.items():
        if info.unpublished or not _PLACEHOLDER.match(version):
            continue
        manifest = manifests.get(version)
        repo = get_map(manifest, "repository") if isinstance(manifest, Mapping) else {}
        repo_url = get_str(repo, "url", 1024) or ""
        if (
            (description or "").strip().lower() == "security holding package"
            or (info.publisher is not None and info.publisher.key == "npm")
            or "npm/security-holder" in repo_url
        ):
            return True
    return False


def normalize_packument(
    doc: Mapping[str, Any], name: str | None = None, source_url: str | None = None
) -> PackageMetadata:
    """A full npm packument as :class:`PackageMetadata` (pure; never raises on bad shapes)."""
    raw: object = doc
    if not isinstance(raw, Mapping):
        doc = {}
    pkg_name = name or get_str(doc, "name") or ""
    times = get_map(doc, "time")
    manifests = get_map(doc, "versions")
    versions: dict[str, VersionInfo] = {}
    people: dict[Any, tuple[Person, ...]] = {}
    for version, manifest in manifests.items():
        if len(versions) >= MAX_VERSIONS:
            break
        if len(version) > MAX_SHORT:
            continue
        if not isinstance(manifest, MAPS):
            continue
        versions[version] = _version_info(version, manifest, parse_time(times.get(version)), people)
    # Unpublished versions leave `versions` but stay in `time`.
    gone = [k for k in times if k not in _TIME_KEYS]
    gone += _unpublished_versions(times)
    for version in gone:
        if version in versions or len(version) > MAX_SHORT or len(versions) >= MAX_VERSIONS:
            continue
        versions[version] = VersionInfo(
            version=version, published=parse_time(times.get(version)), unpublished=True
        )
    description = get_str(doc, "description", MAX_TEXT)
    return PackageMetadata(
        ecosystem="npm",
        name=pkg_name,
        versions=versions,
        dist_tags=str_map(doc.get("dist-tags")),
        maintainers=_people(doc.get("maintainers")),
        created=parse_time(times.get("created")),
        modified=parse_time(times.get("modified")),
        security_placeholder=_is_placeholder(versions, description, manifests),
        description=description,
        source_url=source_url,
    )
