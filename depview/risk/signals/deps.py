"""``new-dependency``: this version depends on a package the version before it did not.

Each added dependency is judged by its own registry record (as of the same
instant):

- npm replaced it with a security holding package: **critical**;
- not on the registry (dependency confusion, or a name reserved for an
  attack): **high**;
- young (first release less than ``young_package_days`` before as-of, or
  before this release) and not a sibling: **high**;
- its record could not be had: **medium** in a patch release, **low** otherwise;
- established (older than that): **low** in a patch or minor release,
  **info** in a major one;
- a sibling (same npm scope, or an account in common with this package's
  maintainers of at least ``ESTABLISHED`` (60 days) standing): low when
  young, info when established; a sibling held by npm or missing still
  counts in full;
- but a young sibling by shared accounts alone (not in this package's scope)
  added in a **patch** release: **medium**. The accounts are no comfort when
  they are the risk (protestware such as node-ipc/peacenotwar, or a hijacked
  account publishing its own decoy first), and a patch release has no
  business pulling in a brand-new package; a monorepo's new package in its
  own scope, or one added in a minor or major release, stays low.

Established additions are reported together in one finding; every
dependency at medium or above gets its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import timedelta
from operator import attrgetter
from typing import Any, TypeVar

from depview.metadata import PackageMetadata, Unavailable, VersionInfo
from depview.model import normalize_name
from depview.risk.context import PackageContext, person_key
from depview.risk.model import Finding, Level
from depview.risk.text import iso, person, safe, span
from depview.versions import bump_kind

__all__ = ["ESTABLISHED", "new_dependency"]

#: How long an account must have been in a package for its other packages to count as siblings.
ESTABLISHED = timedelta(days=60)

_T = TypeVar("_T")
_MAINTAINERS = attrgetter("maintainers")
_PUBLISHER = attrgetter("publisher")

#: Why a young sibling by shared accounts alone still counts in a patch release.
_PATCH_SIBLING = (
    "outside this package's scope and added in a patch release,"
    " where shared accounts do not vouch for a new package"
)


def _deps(info: VersionInfo) -> dict[str, str]:
    out = dict(info.dependencies)
    for k, v in info.optional_dependencies.items():
        out.setdefault(k, v)
    return out


def _scope(name: str) -> str | None:
    return name.split("/", 1)[0] if name.startswith("@") and "/" in name else None


def _established(ctx: PackageContext, info: VersionInfo) -> set[str]:
    """Accounts of this release that were listed or publishing in this package long before it.

    An account that only appears with this release (a new maintainer who adds
    their own brand-new package, as in event-stream/flatmap-stream) does not
    make the dependency a sibling.
    """
    hist = ctx.history
    if hist is None or info.published is None:
        return set()
    keys = {k for k in map(person_key, info.maintainers) if k}
    if info.publisher is not None and person_key(info.publisher):
        keys.add(person_key(info.publisher))
    published = info.published
    return {k for k, since in hist.first_seen(keys).items() if published - since >= ESTABLISHED}


def _shared_accounts(meta: PackageMetadata, accounts: set[str]) -> set[str]:
    """Which of ``accounts`` maintain or published ``meta`` (any release).

    Releases share their maintainer lists and people (the registry reader and
    the cache decoder make one object per distinct list and person), so each
    distinct object is folded once, not once per release."""
    values = list(meta.versions.values())
    groups = [*map(_MAINTAINERS, values), meta.maintainers]
    people = [p for group in _distinct(groups) for p in group]
    people += filter(None, map(_PUBLISHER, values))
    return accounts.intersection(map(person_key, _distinct(people)))


def _distinct(objects: list[_T]) -> Iterable[_T]:
    """``objects`` without repeats of one object (by identity: no hashing of values)."""
    return dict(zip(map(id, objects), objects, strict=True)).values()


def _latest(meta: PackageMetadata) -> VersionInfo | None:
    best: VersionInfo | None = None
    for v in meta.versions.values():
        if v.unpublished or v.published is None:
            continue
        if best is None or (best.published is not None and v.published > best.published):
            best = v
    return best


def _judge(
    ctx: PackageContext,
    info: VersionInfo,
    name: str,
    spec: str,
    bump: str | None,
) -> tuple[Level, str, dict[str, Any]]:
    """(severity, sentence, evidence) for one added dependency."""
    own_scope = _scope(ctx.package.name)
    looked = ctx.lookup(normalize_name(ctx.ecosystem, name))
    ev: dict[str, Any] = {"dependency": safe(name, 214), "spec": safe(spec, 200)}
    shown = f"{safe(name, 100)}@{safe(spec, 60)}"
    if looked is None or isinstance(looked, Unavailable):
        level = Level.MEDIUM if bump == "patch" else Level.LOW
        why = looked.reason if isinstance(looked, Unavailable) else "not fetched"
        ev["dependency_metadata"] = safe(why, 200)
        return level, f"{shown} (its registry record could not be had: {safe(why, 100)})", ev
    if looked.security_placeholder:
        ev["dependency_security_placeholder"] = True
        return (
            Level.CRITICAL,
            f"{shown}, a package npm has replaced with a security holding package",
            ev,
        )
    if looked.not_found:
        ev["dependency_found"] = False
        return Level.HIGH, f"{shown}, a name that is not on the registry", ev
    first = looked.first_published()
    sibling_reasons: list[str] = []
    same_scope = own_scope is not None and _scope(name) == own_scope
    if same_scope:
        sibling_reasons.append(f"same scope {safe(own_scope, 60)}")
    established = _established(ctx, info)
    common = _shared_accounts(looked, established) if established else established
    if common:
        sibling_reasons.append(
            "shares accounts " + ", ".join(sorted(safe(c, 40) for c in common)[:3])
        )
    sibling = bool(sibling_reasons)
    latest = _latest(looked)
    ev.update(
        {
            "dependency_first_release": iso(first),
            "dependency_versions": len(looked.versions),
            "dependency_publisher": safe(str(latest.publisher))
            if latest and latest.publisher
            else None,
            "sibling": sibling_reasons,
        }
    )
    young_now = first is not None and ctx.as_of - first < ctx.settings.young
    young_then = (
        first is not None
        and info.published is not None
        and timedelta(0) <= info.published - first < ctx.settings.young
    )
    if young_now or young_then:
        age = f"first released {span(ctx.as_of - first)} before as-of" if first else "new"
        if young_then and not young_now and first is not None and info.published is not None:
            age = f"first released {span(info.published - first)} before this release"
        who = f" by {person(latest.publisher)}" if latest and latest.publisher else ""
        ev["dependency_young"] = True
        if sibling:
            sentence = f"{shown}, a new package ({age}; {'; '.join(sibling_reasons)})"
            if bump == "patch" and not same_scope:
                # The accounts vouch for nothing when they are the risk (protestware,
                # or a hijacker publishing its own decoy first): a patch release has
                # no business pulling in a brand-new package from outside its scope.
                ev["sibling_discounted"] = _PATCH_SIBLING
                return Level.MEDIUM, f"{sentence}, {_PATCH_SIBLING}", ev
            return Level.LOW, sentence, ev
        return Level.HIGH, f"{shown}, a new package ({age}{who})", ev
    ev["dependency_young"] = False
    level = Level.INFO if bump == "major" else Level.LOW
    if sibling:
        level = Level.INFO
    age = f"first released {span(ctx.as_of - first)} before as-of" if first else "established"
    return level, f"{shown} ({age})", ev


def new_dependency(ctx: PackageContext) -> Iterator[Finding]:
    info = ctx.live_info
    base = ctx.baseline
    if info is None or base is None:
        return
    if info.dependencies.keys() <= base.dependencies.keys() and not info.optional_dependencies:
        return
    now = _deps(info)
    if not now:
        return
    eco = ctx.ecosystem
    before = {normalize_name(eco, k) for k in _deps(base)}
    added: Mapping[str, str] = {
        k: v for k, v in now.items() if normalize_name(eco, k) not in before
    }
    if not added:
        return
    bump = bump_kind(eco, base.version, info.version)
    kind = f"a {bump} release" if bump else "this release"
    judged = [(name, *_judge(ctx, info, name, spec, bump)) for name, spec in added.items()]
    common: dict[str, Any] = {
        "version": info.version,
        "baseline": base.version,
        "bump": bump,
        "published": iso(info.published),
    }
    minor = [j for j in judged if j[1] < Level.MEDIUM]
    for name, level, sentence, ev in judged:
        if level < Level.MEDIUM:
            continue
        yield Finding(
            "new-dependency",
            level,
            f"new dependency {safe(name, 60)}"
            + (" in a patch release" if ev.get("sibling_discounted") else ""),
            f"{safe(info.version, 64)} ({kind} after {safe(base.version, 64)}) adds {sentence}",
            {**common, **ev},
        )
    if minor:
        level = max(j[1] for j in minor)
        names = ", ".join(safe(j[0], 60) for j in minor[:5]) + ("…" if len(minor) > 5 else "")
        yield Finding(
            "new-dependency",
            level,
            f"new dependenc{'y' if len(minor) == 1 else 'ies'} {names}",
            f"{safe(info.version, 64)} ({kind} after {safe(base.version, 64)}) adds "
            + "; ".join(j[2] for j in minor[:10]),
            {**common, "dependencies": [j[3] for j in minor[:50]]},
        )
