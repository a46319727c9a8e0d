"""When things were published: ``recent-publish`` and ``young-package``.

``recent-publish``: published less than ``cooldown_days`` before as-of. Low on
its own (a release a few days old from the usual pipeline is normal); medium
when it is less than 24 hours old, or when the package had been dormant for
more than a year before this release ("dormant package revived"). The policy
raises it when it meets an account, pipeline, install-script or dependency
change.

``young-package``: the first release of the package is less than
``young_package_days`` before as-of: medium.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from depview.risk.context import PackageContext
from depview.risk.model import Finding, Level
from depview.risk.text import iso, person, plural, safe, span

__all__ = ["DORMANT", "FRESH", "recent_publish", "young_package"]

FRESH = timedelta(hours=24)
DORMANT = timedelta(days=365)


def recent_publish(ctx: PackageContext) -> Iterator[Finding]:
    info = ctx.info
    if info is None or info.published is None:
        return
    age = ctx.as_of - info.published
    if age >= ctx.settings.cooldown or age < timedelta(0):
        return
    live = ctx.live_info is not None
    previous = ctx.history.previous_release(info) if ctx.history is not None and live else None
    gap = (
        info.published - previous.published
        if previous is not None and previous.published is not None
        else None
    )
    dormant = gap is not None and gap > DORMANT
    fresh = age < FRESH
    level = Level.MEDIUM if (fresh or dormant) else Level.LOW
    by = f" by {person(info.publisher)}" if info.publisher is not None else ""
    if dormant and previous is not None and gap is not None:
        title = "dormant package revived"
        tail = f"; the release before it, {safe(previous.version, 64)}, came {span(gap)} earlier"
    else:
        title = "published very recently" if fresh else "recently published"
        if previous is not None and gap is not None:
            tail = (
                f"; the release before it, {safe(previous.version, 64)}, came {span(gap)} earlier"
            )
        elif live:
            tail = "; it is the package's first release"
        else:
            tail = "; it has since been unpublished"
    yield Finding(
        "recent-publish",
        level,
        title,
        f"published {span(age)} before as-of{by}, inside the {ctx.settings.cooldown_days:g}-day "
        f"cooldown{tail}",
        {
            "version": info.version,
            "published": iso(info.published),
            "as_of": iso(ctx.as_of),
            "age_hours": round(age.total_seconds() / 3600, 2),
            "cooldown_days": ctx.settings.cooldown_days,
            "publisher": safe(str(info.publisher)) if info.publisher else None,
            "previous_release": previous.version if previous else None,
            "previous_published": iso(previous.published) if previous else None,
            "gap_days": round(gap.total_seconds() / 86400, 1) if gap is not None else None,
            "dormant": dormant,
        },
    )


def young_package(ctx: PackageContext) -> Iterator[Finding]:
    if ctx.history is None or ctx.history.first_release is None:
        return
    first = ctx.history.first_release
    age = ctx.as_of - first
    if age >= ctx.settings.young or age < timedelta(0):
        return
    meta = ctx.history.metadata
    count = len(meta.versions)
    yield Finding(
        "young-package",
        Level.MEDIUM,
        "new package",
        f"the package's first release was {span(age)} before as-of "
        f"({plural(count, 'version')} since); threshold {ctx.settings.young_package_days:g} days",
        {
            "first_release": iso(first),
            "age_days": round(age.total_seconds() / 86400, 2),
            "versions": count,
            "young_package_days": ctx.settings.young_package_days,
        },
    )
