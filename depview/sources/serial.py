"""Compact JSON for normalised records (what the cache stores instead of raw documents).

``metadata_to_json``/``metadata_from_json`` round-trip :class:`PackageMetadata`
exactly; ``advisories_to_json``/``advisories_from_json`` do the same for
:class:`Advisory` lists. Keys are short, defaults are left out, times are
integer microseconds since the epoch and people are stored once per package.
``*_from_json`` raises :class:`ValueError` on anything it did not write.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from depview.metadata import Advisory, AffectedRange, PackageMetadata, Person, VersionInfo

__all__ = [
    "advisories_from_json",
    "advisories_to_json",
    "metadata_from_json",
    "metadata_to_json",
]

FORMAT = 1


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)


def _ms(moment: datetime | None) -> int | None:
    """Microseconds since the epoch (exact), or None."""
    return None if moment is None else (moment - _EPOCH) // _US


def _dt(value: Any) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, int):
        raise ValueError("bad time")
    return _EPOCH + value * _US


class _People:
    def __init__(self) -> None:
        self.table: list[list[str | None]] = []
        self._index: dict[Person, int] = {}

    def ref(self, person: Person) -> int:
        idx = self._index.get(person)
        if idx is None:
            idx = len(self.table)
            self._index[person] = idx
            self.table.append([person.name, person.email])
        return idx


def _version_to(info: VersionInfo, people: _People) -> dict[str, Any]:
    out: dict[str, Any] = {"v": info.version}
    if info.published is not None:
        out["p"] = _ms(info.published)
    if info.publisher is not None:
        out["u"] = people.ref(info.publisher)
    if info.trusted_publisher is not None:
        out["tp"] = info.trusted_publisher
    if info.provenance:
        out["pr"] = 1
    if info.maintainers:
        out["m"] = [people.ref(p) for p in info.maintainers]
    if info.install_scripts:
        out["s"] = dict(info.install_scripts)
    if info.dependencies:
        out["d"] = dict(info.dependencies)
    if info.optional_dependencies:
        out["od"] = dict(info.optional_dependencies)
    if info.integrity is not None:
        out["i"] = info.integrity
    if info.tarball is not None:
        out["tb"] = info.tarball
    if info.hashes:
        out["h"] = list(info.hashes)
    if info.deprecated is not None:
        out["dp"] = info.deprecated
    if info.yanked:
        out["y"] = 1
    if info.yanked_reason is not None:
        out["yr"] = info.yanked_reason
    if info.has_wheel is not None:
        out["w"] = int(info.has_wheel)
    if info.files:
        out["f"] = list(info.files)
    if info.unpublished:
        out["x"] = 1
    if info.git_head is not None:
        out["g"] = info.git_head
    return out


def _str_map(value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise ValueError("bad map")
    return value


def _opt_str(value: Any) -> str | None:
    if value is not None and not isinstance(value, str):
        raise ValueError("bad string")
    return value


def _version_from(raw: Any, people: Sequence[Person]) -> VersionInfo:
    # Hot path of a warm run: records are ours (zlib-checked), so only the shape is checked.
    get = raw.get
    version = raw["v"]
    if not isinstance(version, str):
        raise ValueError("bad version entry")
    publisher = get("u")
    maintainers = get("m")
    wheel = get("w")
    return VersionInfo(
        version=version,
        published=_dt(get("p")),
        publisher=people[publisher] if publisher is not None else None,
        trusted_publisher=get("tp"),
        provenance="pr" in raw,
        maintainers=tuple([people[i] for i in maintainers]) if maintainers else (),
        install_scripts=get("s") or {},
        dependencies=get("d") or {},
        optional_dependencies=get("od") or {},
        integrity=get("i"),
        tarball=get("tb"),
        hashes=tuple(get("h") or ()),
        deprecated=get("dp"),
        yanked="y" in raw,
        yanked_reason=get("yr"),
        has_wheel=None if wheel is None else bool(wheel),
        files=tuple(get("f") or ()),
        unpublished="x" in raw,
        git_head=get("g"),
    )


def metadata_to_dict(meta: PackageMetadata) -> dict[str, Any]:
    people = _People()
    versions = [_version_to(info, people) for info in meta.versions.values()]
    out: dict[str, Any] = {"fmt": FORMAT, "e": meta.ecosystem, "n": meta.name, "v": versions}
    if meta.dist_tags:
        out["t"] = dict(meta.dist_tags)
    if meta.maintainers:
        out["m"] = [people.ref(p) for p in meta.maintainers]
    if meta.created is not None:
        out["c"] = _ms(meta.created)
    if meta.modified is not None:
        out["mo"] = _ms(meta.modified)
    if meta.security_placeholder:
        out["sp"] = 1
    if meta.description is not None:
        out["de"] = meta.description
    if meta.source_url is not None:
        out["url"] = meta.source_url
    if meta.organization is not None:
        out["o"] = meta.organization
    if meta.not_found:
        out["nf"] = 1
    out["P"] = people.table
    return out


def metadata_from_dict(raw: Any) -> PackageMetadata:
    if not isinstance(raw, dict) or raw.get("fmt") != FORMAT:
        raise ValueError("not a depview metadata record")
    try:
        people = [Person(_opt_str(n), _opt_str(e)) for n, e in raw.get("P", ())]
        versions = {}
        for entry in raw["v"]:
            info = _version_from(entry, people)
            versions[info.version] = info
        return PackageMetadata(
            ecosystem=str(raw["e"]),
            name=str(raw["n"]),
            versions=versions,
            dist_tags=_str_map(raw.get("t")),
            maintainers=tuple(people[i] for i in raw.get("m", ())),
            created=_dt(raw.get("c")),
            modified=_dt(raw.get("mo")),
            security_placeholder=bool(raw.get("sp")),
            description=_opt_str(raw.get("de")),
            source_url=_opt_str(raw.get("url")),
            organization=_opt_str(raw.get("o")),
            not_found=bool(raw.get("nf")),
        )
    except (KeyError, IndexError, TypeError, AttributeError) as exc:
        raise ValueError(f"malformed metadata record: {exc}") from None


def metadata_to_json(meta: PackageMetadata) -> str:
    return json.dumps(metadata_to_dict(meta), separators=(",", ":"), ensure_ascii=False)


def metadata_from_json(text: str | bytes) -> PackageMetadata:
    try:
        raw = json.loads(text)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ValueError(f"not JSON: {exc}") from None
    return metadata_from_dict(raw)


# --------------------------------------------------------------------------- advisories


def _advisory_to(adv: Advisory) -> dict[str, Any]:
    out: dict[str, Any] = {"id": adv.id}
    simple: Mapping[str, Any] = {
        "s": adv.summary or None,
        "d": adv.details or None,
        "a": list(adv.aliases) or None,
        "p": _ms(adv.published),
        "mo": _ms(adv.modified),
        "w": _ms(adv.withdrawn),
        "sv": adv.severity,
        "cs": adv.cvss_score,
        "mal": 1 if adv.malicious else None,
        "fx": list(adv.fixed) or None,
        "r": list(adv.references) or None,
        "e": adv.ecosystem,
        "pk": adv.package,
        "vs": list(adv.versions) or None,
        "rg": [[r.type, [list(ev) for ev in r.events]] for r in adv.ranges] or None,
        "ra": [dict(x) for x in adv.raw_affected] or None,
    }
    out.update({k: v for k, v in simple.items() if v is not None})
    return out


def _advisory_from(raw: Any) -> Advisory:
    if not isinstance(raw, dict) or not isinstance(raw.get("id"), str):
        raise ValueError("bad advisory entry")
    score = raw.get("cs")
    return Advisory(
        id=raw["id"],
        summary=str(raw.get("s", "")),
        details=str(raw.get("d", "")),
        aliases=tuple(str(a) for a in raw.get("a", ())),
        published=_dt(raw.get("p")),
        modified=_dt(raw.get("mo")),
        withdrawn=_dt(raw.get("w")),
        severity=_opt_str(raw.get("sv")),
        cvss_score=float(score) if isinstance(score, int | float) else None,
        malicious=bool(raw.get("mal")),
        fixed=tuple(str(f) for f in raw.get("fx", ())),
        references=tuple(str(r) for r in raw.get("r", ())),
        ecosystem=_opt_str(raw.get("e")),
        package=_opt_str(raw.get("pk")),
        versions=tuple(str(v) for v in raw.get("vs", ())),
        ranges=tuple(
            AffectedRange(str(kind), tuple((str(a), str(b)) for a, b in events))
            for kind, events in raw.get("rg", ())
        ),
        raw_affected=tuple(x for x in raw.get("ra", ()) if isinstance(x, dict)),
    )


def advisories_to_json(advisories: Sequence[Advisory]) -> str:
    payload = {"fmt": FORMAT, "a": [_advisory_to(a) for a in advisories]}
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False)


def advisories_from_json(text: str | bytes) -> list[Advisory]:
    try:
        raw = json.loads(text)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ValueError(f"not JSON: {exc}") from None
    if not isinstance(raw, dict) or raw.get("fmt") != FORMAT:
        raise ValueError("not a depview advisory record")
    try:
        return [_advisory_from(a) for a in raw["a"]]
    except (KeyError, IndexError, TypeError) as exc:
        raise ValueError(f"malformed advisory record: {exc}") from None
