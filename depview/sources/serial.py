"""Compact JSON for normalised records (what the cache stores instead of raw documents).

``metadata_to_json``/``metadata_from_json`` round-trip :class:`PackageMetadata`
exactly; ``advisories_to_json``/``advisories_from_json`` do the same for
:class:`Advisory` lists. Versions are stored as positional columns (no keys,
all-null columns left out); people, groups of maintainers and dependency/script
maps are stored once per package and referred to by index, so the many versions
that share them cost a few bytes each, and decoding shares one object between
them. Times are integer microseconds since the epoch.
``*_from_json`` raises :class:`ValueError` on anything it did not write.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from itertools import repeat
from typing import Any

from depview.metadata import (
    Advisory,
    AffectedRange,
    PackageMetadata,
    Person,
    VersionIndex,
    VersionInfo,
)
from depview.records import positional_constructor

__all__ = [
    "advisories_from_json",
    "advisories_to_json",
    "metadata_from_json",
    "metadata_to_json",
]

FORMAT = 3


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


class _Tables:
    """Values shared by many versions, stored once per record: people, groups of people, maps."""

    def __init__(self) -> None:
        self.people: list[list[str | None]] = []
        self.groups: list[list[int]] = []
        self.maps: list[dict[str, str]] = []
        self._people: dict[Person, int] = {}
        self._groups: dict[tuple[Person, ...], int] = {}
        self._maps: dict[tuple[tuple[str, str], ...], int] = {}

    def person(self, person: Person) -> int:
        idx = self._people.get(person)
        if idx is None:
            idx = self._people[person] = len(self.people)
            self.people.append([person.name, person.email])
        return idx

    def group(self, people: tuple[Person, ...]) -> int:
        idx = self._groups.get(people)
        if idx is None:
            idx = self._groups[people] = len(self.groups)
            self.groups.append([self.person(p) for p in people])
        return idx

    def map(self, mapping: Mapping[str, str]) -> int | None:
        if not mapping:
            return None
        key = tuple(mapping.items())
        idx = self._maps.get(key)
        if idx is None:
            idx = self._maps[key] = len(self.maps)
            self.maps.append(dict(mapping))
        return idx


# The versions are stored by column: "V" is a list of these columns, in this order,
# each a list with one value per version, or null when every value is null (trailing
# null columns left out):
#   version, published (µs), publisher (person), flags, maintainers (group),
#   install scripts (map), dependencies (map), optional dependencies (map),
#   integrity, tarball, hashes, deprecated, yanked reason, trusted publisher, files, git head
# flags: 1 provenance, 2 yanked, 4 unpublished, 8 has a wheel, 16 has no wheel.
# Columns rather than one array per version: a warm run decodes tens of thousands of
# versions, and a few long lists parse faster than many short ones.
_COLUMNS = 16
_PROVENANCE, _YANKED, _UNPUBLISHED, _WHEEL, _NO_WHEEL = 1, 2, 4, 8, 16


def _version_to(info: VersionInfo, tables: _Tables) -> tuple[Any, ...]:
    flags = (
        (_PROVENANCE if info.provenance else 0)
        | (_YANKED if info.yanked else 0)
        | (_UNPUBLISHED if info.unpublished else 0)
        | (0 if info.has_wheel is None else _WHEEL if info.has_wheel else _NO_WHEEL)
    )
    return (
        info.version,
        _ms(info.published),
        None if info.publisher is None else tables.person(info.publisher),
        flags or None,
        tables.group(info.maintainers) if info.maintainers else None,
        tables.map(info.install_scripts),
        tables.map(info.dependencies),
        tables.map(info.optional_dependencies),
        info.integrity,
        info.tarball,
        list(info.hashes) or None,
        info.deprecated,
        info.yanked_reason,
        info.trusted_publisher,
        list(info.files) or None,
        info.git_head,
    )


def _columns_to(rows: Sequence[tuple[Any, ...]]) -> list[list[Any] | None]:
    columns: list[list[Any] | None] = [
        list(column) if any(value is not None for value in column) else None
        for column in zip(*rows, strict=True)
    ] or [[]]
    while len(columns) > 1 and columns[-1] is None:
        columns.pop()
    return columns


def _str_map(value: Any) -> dict[str, str]:
    if value is None:
        return {}
    # JSON object keys are always strings: only the values need checking.
    if not isinstance(value, dict) or not all(map(isinstance, value.values(), repeat(str))):
        raise ValueError("bad map")
    return value


def _opt_str(value: Any) -> str | None:
    if value is not None and not isinstance(value, str):
        raise ValueError("bad string")
    return value


_new_version = positional_constructor(VersionInfo)  # the decoder's hot path
_EMPTY: dict[str, str] = {}


def _versions_from(
    columns: Any,
    people: Sequence[Person],
    groups: Sequence[tuple[Person, ...]],
    maps: Sequence[Mapping[str, str]],
) -> dict[str, VersionInfo]:
    # The hot path of a warm run. Records are ours (zlib-checked), so only shapes are
    # checked; an index out of range or a wrong type is a KeyError/IndexError/TypeError.
    if not isinstance(columns, list) or not columns or len(columns) > _COLUMNS:
        raise ValueError("bad version columns")
    count = len(columns[0])
    if any(column is not None and len(column) != count for column in columns):
        raise ValueError("version columns differ in length")
    absent = repeat(None)
    padded = [absent if column is None else column for column in columns]
    padded += [absent] * (_COLUMNS - len(columns))
    versions: dict[str, VersionInfo] = {}
    for (
        version,
        published,
        publisher,
        flags,
        group,
        scripts,
        deps,
        optional,
        integrity,
        tarball,
        hashes,
        deprecated,
        yanked_reason,
        trusted,
        files,
        git_head,
    ) in zip(*padded, strict=False):  # lengths checked above; absent columns repeat None
        if not isinstance(version, str):
            raise ValueError("bad version entry")
        if flags is None:
            flags = 0
        elif not isinstance(flags, int):
            raise ValueError("bad version flags")
        versions[version] = _new_version(
            version,
            None if published is None else _EPOCH + published * _US,
            None if publisher is None else people[publisher],
            trusted,
            bool(flags & _PROVENANCE),
            () if group is None else groups[group],
            _EMPTY if scripts is None else maps[scripts],
            _EMPTY if deps is None else maps[deps],
            _EMPTY if optional is None else maps[optional],
            integrity,
            tarball,
            () if hashes is None else tuple(hashes),
            deprecated,
            bool(flags & _YANKED),
            yanked_reason,
            True if flags & _WHEEL else False if flags & _NO_WHEEL else None,
            () if files is None else tuple(files),
            bool(flags & _UNPUBLISHED),
            git_head,
        )
    return versions


# The record's version index ("I"): [ascending, by time, untimed, first published (µs),
# first attested (µs), ties (1 or null)], each order a list of positions in the version
# columns, or null when it is the columns' own order (by time, usually); trailing nulls
# left out.


def _positions(texts: tuple[str, ...], position: Mapping[str, int]) -> list[int] | None:
    found = [position[t] for t in texts]
    return None if found == list(range(len(position))) else found


def _index_to(index: VersionIndex, versions: Mapping[str, VersionInfo]) -> list[Any]:
    position = {text: i for i, text in enumerate(versions)}
    out: list[Any] = [
        _positions(index.ascending, position),
        _positions(index.by_time, position),
        [position[t] for t in index.untimed] or None,
        _ms(index.first_published),
        _ms(index.first_attested),
        1 if index.ties else None,
    ]
    while out and out[-1] is None:
        out.pop()
    return out


_new_index = positional_constructor(VersionIndex)


def _index_from(raw: Any, versions: dict[str, VersionInfo]) -> VersionIndex:
    if not isinstance(raw, list) or len(raw) > 6:
        raise ValueError("bad version index")
    ascending, by_time, untimed, first, attested, ties = raw + [None] * (6 - len(raw))
    texts = tuple(versions)
    at = texts.__getitem__
    for positions in (ascending, by_time, untimed):
        if positions is not None and (
            not isinstance(positions, list) or (positions and min(positions) < 0)
        ):
            raise ValueError("bad version index")
    return _new_index(
        texts if ascending is None else tuple(map(at, ascending)),
        texts if by_time is None else tuple(map(at, by_time)),
        () if untimed is None else tuple(map(at, untimed)),
        None if first is None else _dt(first),
        None if attested is None else _dt(attested),
        bool(ties),
        versions,
    )


def metadata_to_dict(meta: PackageMetadata) -> dict[str, Any]:
    tables = _Tables()
    versions = _columns_to([_version_to(info, tables) for info in meta.versions.values()])
    out: dict[str, Any] = {"fmt": FORMAT, "e": meta.ecosystem, "n": meta.name}
    if meta.dist_tags:
        out["t"] = dict(meta.dist_tags)
    if meta.maintainers:
        out["m"] = tables.group(meta.maintainers)
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
    out["P"] = tables.people
    out["G"] = tables.groups
    out["M"] = tables.maps
    out["V"] = versions
    out["I"] = _index_to(meta.version_index, meta.versions)
    return out


def metadata_from_dict(raw: Any) -> PackageMetadata:
    if not isinstance(raw, dict) or raw.get("fmt") != FORMAT:
        raise ValueError("not a depview metadata record")
    try:
        people = [Person(_opt_str(n), _opt_str(e)) for n, e in raw["P"]]
        groups = [tuple([people[i] for i in group]) for group in raw["G"]]
        maps = [_str_map(m) for m in raw["M"]]
        group = raw.get("m")
        versions = _versions_from(raw["V"], people, groups, maps)
        index = raw.get("I")  # records written before the index was stored build theirs
        return PackageMetadata(
            ecosystem=str(raw["e"]),
            name=str(raw["n"]),
            versions=versions,
            dist_tags=_str_map(raw.get("t")),
            maintainers=() if group is None else groups[group],
            created=_dt(raw.get("c")),
            modified=_dt(raw.get("mo")),
            security_placeholder=bool(raw.get("sp")),
            description=_opt_str(raw.get("de")),
            source_url=_opt_str(raw.get("url")),
            organization=_opt_str(raw.get("o")),
            not_found=bool(raw.get("nf")),
            index=None if index is None else _index_from(index, versions),
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
