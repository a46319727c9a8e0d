"""OSV records: normalisation and local matching (pure), plus the OSV clients (I/O).

``normalize_osv`` yields one :class:`~depview.metadata.Advisory` per
``affected`` entry, keeping what local matching needs. ``match`` follows the
OSV schema's evaluation rules: a version is affected when it is listed in
``versions`` or falls in one of the ``SEMVER``/``ECOSYSTEM`` ranges, where the
sorted events switch "affected" on (``introduced``) and off (``fixed``, after
``last_affected``), and ``limit`` bounds the range from above.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from packaging.version import InvalidVersion, Version

from depview.metadata import Advisory, AffectedRange
from depview.model import normalize_name
from depview.sources import semver
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
    "AdvisoryIndex",
    "cvss3_base_score",
    "is_malicious",
    "match",
    "normalize_ecosystem",
    "normalize_osv",
    "visible_as_of",
]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EVENT_KINDS = ("introduced", "fixed", "last_affected", "limit")
_MAL_SUMMARY = re.compile(r"^\s*malicious (code|package)", re.IGNORECASE)


def normalize_ecosystem(ecosystem: str | None) -> str | None:
    """OSV ecosystem names as depview's (``PyPI`` -> ``pypi``); others lower-cased."""
    if not ecosystem:
        return None
    base = ecosystem.split(":", 1)[0].strip().lower()
    return base or None


# --------------------------------------------------------------------------- CVSS v3


_CVSS3_WEIGHTS: dict[str, dict[str, float]] = {
    "AV": {"N": 0.85, "A": 0.62, "L": 0.55, "P": 0.2},
    "AC": {"L": 0.77, "H": 0.44},
    "UI": {"N": 0.85, "R": 0.62},
    "C": {"H": 0.56, "L": 0.22, "N": 0.0},
    "I": {"H": 0.56, "L": 0.22, "N": 0.0},
    "A": {"H": 0.56, "L": 0.22, "N": 0.0},
}


def _roundup(value: float) -> float:
    scaled = round(value * 100000)
    if scaled % 10000 == 0:
        return scaled / 100000.0
    return (math.floor(scaled / 10000) + 1) / 10.0


def cvss3_base_score(vector: str) -> float | None:
    """The CVSS 3.x base score of a vector string, or None when it is not one."""
    if not vector.startswith("CVSS:3."):
        return None
    metrics: dict[str, str] = {}
    for part in vector.split("/")[1:]:
        key, _, value = part.partition(":")
        metrics[key] = value
    try:
        scope_changed = metrics["S"] == "C"
        pr_weights = {
            "N": 0.85,
            "L": 0.68 if scope_changed else 0.62,
            "H": 0.5 if scope_changed else 0.27,
        }
        av = _CVSS3_WEIGHTS["AV"][metrics["AV"]]
        ac = _CVSS3_WEIGHTS["AC"][metrics["AC"]]
        pr = pr_weights[metrics["PR"]]
        ui = _CVSS3_WEIGHTS["UI"][metrics["UI"]]
        c = _CVSS3_WEIGHTS["C"][metrics["C"]]
        i = _CVSS3_WEIGHTS["I"][metrics["I"]]
        a = _CVSS3_WEIGHTS["A"][metrics["A"]]
    except KeyError:
        return None
    iss = 1 - (1 - c) * (1 - i) * (1 - a)
    if scope_changed:
        impact = 7.52 * (iss - 0.029) - 3.25 * (iss - 0.02) ** 15
    else:
        impact = 6.42 * iss
    exploitability = 8.22 * av * ac * pr * ui
    if impact <= 0:
        return 0.0
    if scope_changed:
        return _roundup(min(1.08 * (impact + exploitability), 10))
    return _roundup(min(impact + exploitability, 10))


def _rating(score: float) -> str:
    if score >= 9.0:
        return "CRITICAL"
    if score >= 7.0:
        return "HIGH"
    if score >= 4.0:
        return "MEDIUM"
    if score > 0.0:
        return "LOW"
    return "NONE"


_SEVERITY_WORDS = {"CRITICAL", "HIGH", "MEDIUM", "MODERATE", "LOW", "NONE"}


def _severity(
    doc: Mapping[str, Any], affected: Mapping[str, Any]
) -> tuple[str | None, float | None]:
    score: float | None = None
    vector: str | None = None
    for entry in get_list(doc, "severity") + get_list(affected, "severity"):
        if not isinstance(entry, Mapping):
            continue
        raw = get_str(entry, "score", 256)
        if raw is None:
            continue
        computed = cvss3_base_score(raw)
        if computed is not None and (score is None or computed > score):
            score, vector = computed, raw
        elif vector is None:
            vector = raw
    word: str | None = None
    for source in (
        get_map(doc, "database_specific"),
        get_map(affected, "ecosystem_specific"),
        get_map(affected, "database_specific"),
    ):
        value = get_str(source, "severity", 32)
        if value and value.strip().upper() in _SEVERITY_WORDS:
            word = value.strip().upper()
            break
    if word == "MODERATE":
        word = "MEDIUM"
    if word is None and score is not None:
        word = _rating(score)
    return word or vector, score


# --------------------------------------------------------------------------- malice


def _cwes(source: Mapping[str, Any]) -> set[str]:
    out: set[str] = set()
    for item in get_list(source, "cwe_ids"):
        if isinstance(item, str):
            out.add(item.upper())
    for item in get_list(source, "cwes"):
        if isinstance(item, Mapping):
            cwe = get_str(item, "cweId", 32)
            if cwe:
                out.add(cwe.upper())
        elif isinstance(item, str):
            out.add(item.upper())
    return out


def is_malicious(doc: Mapping[str, Any], affected: Mapping[str, Any] | None = None) -> bool:
    """OSV ``MAL-*`` ids, malicious-packages origins, CWE-506 or a "Malicious code" summary."""
    ident = get_str(doc, "id", 128) or ""
    aliases = [a for a in get_list(doc, "aliases") if isinstance(a, str)]
    if ident.upper().startswith("MAL-") or any(a.upper().startswith("MAL-") for a in aliases):
        return True
    db = get_map(doc, "database_specific")
    if "malicious-packages-origins" in db:
        return True
    sources = [db]
    if affected is not None:
        sources.append(get_map(affected, "database_specific"))
        sources.append(get_map(affected, "ecosystem_specific"))
    if any("CWE-506" in _cwes(s) for s in sources):
        return True
    summary = get_str(doc, "summary", 256) or ""
    return bool(_MAL_SUMMARY.match(summary))


# --------------------------------------------------------------------------- normalise


def _ranges(affected: Mapping[str, Any]) -> tuple[AffectedRange, ...]:
    out: list[AffectedRange] = []
    for entry in get_list(affected, "ranges")[:MAX_ITEMS]:
        if not isinstance(entry, Mapping):
            continue
        kind = get_str(entry, "type", 32)
        if not kind:
            continue
        events: list[tuple[str, str]] = []
        for event in get_list(entry, "events")[:MAX_ITEMS]:
            if not isinstance(event, Mapping):
                continue
            for key in _EVENT_KINDS:
                value = get_str(event, key, MAX_SHORT)
                if value is not None:
                    events.append((key, value))
                    break
        out.append(AffectedRange(kind.upper(), tuple(events)))
    return tuple(out)


def _fixed(ranges: Iterable[AffectedRange]) -> tuple[str, ...]:
    seen: list[str] = []
    for rng in ranges:
        if rng.type == "GIT":
            continue
        for kind, value in rng.events:
            if kind == "fixed" and value not in seen:
                seen.append(value)
    return tuple(seen)


def normalize_osv(doc: Mapping[str, Any]) -> list[Advisory]:
    """One :class:`Advisory` per ``affected`` entry (one with no package if there are none)."""
    raw: object = doc
    if not isinstance(raw, Mapping):
        return []
    ident = get_str(doc, "id", 128)
    if not ident:
        return []
    refs: list[str] = []
    for ref in get_list(doc, "references")[:200]:
        if isinstance(ref, Mapping):
            url = get_str(ref, "url", 2048)
            if url:
                refs.append(url)
    base = Advisory(
        id=ident,
        summary=get_str(doc, "summary", 1024) or "",
        details=get_str(doc, "details", MAX_TEXT) or "",
        aliases=tuple(a for a in (text(x, 128) for x in get_list(doc, "aliases")[:100]) if a),
        published=parse_time(doc.get("published")),
        modified=parse_time(doc.get("modified")),
        withdrawn=parse_time(doc.get("withdrawn")),
        references=tuple(refs),
    )
    out: list[Advisory] = []
    for affected in get_list(doc, "affected")[:MAX_ITEMS]:
        if not isinstance(affected, Mapping):
            continue
        package = get_map(affected, "package")
        ecosystem = normalize_ecosystem(get_str(package, "ecosystem", 64))
        name = get_str(package, "name", MAX_SHORT)
        ranges = _ranges(affected)
        severity, score = _severity(doc, affected)
        versions = tuple(
            v for v in (text(x, MAX_SHORT) for x in get_list(affected, "versions")[:MAX_ITEMS]) if v
        )
        out.append(
            replace(
                base,
                severity=severity,
                cvss_score=score,
                malicious=is_malicious(doc, affected),
                fixed=_fixed(ranges),
                ecosystem=ecosystem,
                package=name,
                versions=versions,
                ranges=ranges,
                raw_affected=(affected,),
            )
        )
    if not out:
        severity, score = _severity(doc, {})
        out.append(replace(base, severity=severity, cvss_score=score, malicious=is_malicious(doc)))
    return out


def visible_as_of(advisories: Iterable[Advisory], instant: datetime | None) -> list[Advisory]:
    """Advisories published at or before ``instant`` (all when ``instant`` is None).

    An advisory with no publish time is kept; one withdrawn at or before
    ``instant`` is dropped.
    """
    out: list[Advisory] = []
    for adv in advisories:
        if instant is not None and adv.published is not None and adv.published > instant:
            continue
        if adv.withdrawn is not None and (instant is None or adv.withdrawn <= instant):
            continue
        out.append(adv)
    return out


# --------------------------------------------------------------------------- matching


Key = Callable[[str], Any]


def _npm_key(version: str) -> Any:
    return semver.parse(version)


def _pypi_key(version: str) -> Any:
    try:
        return Version(version)
    except InvalidVersion:
        return None


def _key_for(ecosystem: str) -> Key | None:
    if ecosystem == "npm":
        return _npm_key
    if ecosystem == "pypi":
        return _pypi_key
    return None


_ZERO = object()  # "introduced": "0" sorts below every version


def _in_range(rng: AffectedRange, target: Any, key: Key) -> bool:
    events: list[tuple[Any, int, str]] = []
    limits: list[Any] = []
    order = {"introduced": 0, "last_affected": 1, "fixed": 2}
    for kind, value in rng.events:
        if kind == "introduced" and value.strip() == "0":
            events.append((_ZERO, 0, kind))
            continue
        parsed = key(value)
        if parsed is None:
            if kind == "introduced":
                # An unknown start: we cannot tell where the range begins; skip it.
                return False
            continue
        if kind == "limit":
            if value.strip() != "*":
                limits.append(parsed)
            continue
        events.append((parsed, order[kind], kind))
    if limits and not any(target < lim for lim in limits):
        return False

    def sort_key(item: tuple[Any, int, str]) -> tuple[int, Any, int]:
        return (0, 0, item[1]) if item[0] is _ZERO else (1, item[0], item[1])

    try:
        events.sort(key=sort_key)
    except TypeError:
        return False
    affected = False
    for version, _order, kind in events:
        if kind == "introduced":
            if version is _ZERO or target >= version:
                affected = True
        elif kind == "fixed":
            if target >= version:
                affected = False
        elif kind == "last_affected" and target > version:
            affected = False
    return affected


def _same_name(ecosystem: str, a: str, b: str) -> bool:
    return normalize_name(ecosystem, a) == normalize_name(ecosystem, b)


def match(advisory: Advisory, ecosystem: str, name: str, version: str) -> bool:
    """Does ``advisory`` (one affected entry) affect ``ecosystem``/``name``@``version``?"""
    eco = normalize_ecosystem(ecosystem)
    if eco is None or advisory.ecosystem != eco or advisory.package is None:
        return False
    if not _same_name(eco, advisory.package, name):
        return False
    if version in advisory.versions:
        return True
    key = _key_for(eco)
    if key is None:
        return False
    target = key(version)
    if target is None:
        return False
    if eco == "pypi":  # PEP 440 equality: "1.0" lists "1.0.0"
        for listed in advisory.versions:
            parsed = key(listed)
            if parsed is not None and parsed == target:
                return True
    for rng in advisory.ranges:
        if rng.type not in ("SEMVER", "ECOSYSTEM"):
            continue
        range_key = _npm_key if rng.type == "SEMVER" else key
        range_target = range_key(version)
        if range_target is None:
            continue
        if _in_range(rng, range_target, range_key):
            return True
    return False


# --------------------------------------------------------------------------- local index


class AdvisoryIndex:
    """OSV records indexed by (ecosystem, normalised package name) for local matching."""

    __slots__ = ("_by_package", "_ids")

    def __init__(self, advisories: Iterable[Advisory] = ()) -> None:
        self._by_package: dict[tuple[str, str], list[Advisory]] = {}
        self._ids: set[tuple[str, str | None, str | None]] = set()
        self.extend(advisories)

    def extend(self, advisories: Iterable[Advisory]) -> None:
        for adv in advisories:
            if adv.ecosystem is None or adv.package is None:
                continue
            ident = (adv.id, adv.ecosystem, adv.package)
            key = (adv.ecosystem, normalize_name(adv.ecosystem, adv.package))
            bucket = self._by_package.setdefault(key, [])
            if ident in self._ids:
                # The same record twice (e.g. two files): keep the most recently modified.
                for i, old in enumerate(bucket):
                    if old.id == adv.id and (old.modified or _EPOCH) < (adv.modified or _EPOCH):
                        bucket[i] = adv
                continue
            self._ids.add(ident)
            bucket.append(adv)

    def add_document(self, doc: Mapping[str, Any]) -> None:
        self.extend(normalize_osv(doc))

    def __len__(self) -> int:
        return sum(len(b) for b in self._by_package.values())

    def candidates(self, ecosystem: str, name: str) -> list[Advisory]:
        eco = normalize_ecosystem(ecosystem) or ""
        return list(self._by_package.get((eco, normalize_name(eco, name)), ()))

    def lookup(
        self, ecosystem: str, name: str, version: str, as_of: datetime | None = None
    ) -> tuple[Advisory, ...]:
        """Advisories affecting ``name@version`` visible at ``as_of`` (one per id)."""
        found: dict[str, Advisory] = {}
        for adv in visible_as_of(self.candidates(ecosystem, name), as_of):
            if adv.id not in found and match(adv, ecosystem, name, version):
                found[adv.id] = adv
        return tuple(found.values())
