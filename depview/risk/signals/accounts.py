"""Who published, who maintains, and through which pipeline.

``publisher-change`` (the publishing account published none of the earlier
releases, or its e-mail is not the one it used before):

- the account's e-mail differs from every e-mail the same account showed in
  earlier releases (as publisher or listed maintainer): **high** (a hijacked
  account's first move is to change the e-mail);
- a first release through trusted publishing (OIDC): **info**;
- a first release by an account listed as maintainer for at least
  ``LONG_LISTED`` (60 days) before it: **low**;
- an account with no history in the package: **medium**.

``maintainer-change`` (the maintainer list or a maintainer's e-mail changed
since the version before it):

- an existing maintainer's e-mail changed (to one the account never used
  before): **high**;
- none of the previous maintainers remain (complete handover): **medium**;
- accounts added while the previous ones remain: **low**; accounts removed
  only: **info**.

``provenance-dropped`` (earlier releases in the same release line carried
provenance or a trusted publisher, this one has neither): **high** when the
version before it had them (the pipeline was bypassed at this release);
**medium** when they stopped within ``RECENT_DROP`` (180 days) before this
release; **low** when they stopped longer ago. A line that never had them
(e.g. ``0.x`` releases of a package whose ``1.x`` uses trusted publishing)
gives nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from depview.metadata import Person, VersionInfo
from depview.risk.context import PackageContext, email_of, person_key
from depview.risk.model import Finding, Level
from depview.risk.text import iso, person, plural, safe, span, version_list
from depview.versions import is_prerelease, release_line

__all__ = [
    "LONG_LISTED",
    "RECENT_DROP",
    "maintainer_change",
    "provenance_dropped",
    "publisher_change",
]

LONG_LISTED = timedelta(days=60)
RECENT_DROP = timedelta(days=180)


def _attested(v: VersionInfo) -> bool:
    return v.provenance or v.trusted_publisher is not None


def _pipeline(v: VersionInfo) -> str:
    """How a release was published: ``via trusted publishing (github) with provenance``, ..."""
    if v.trusted_publisher and v.provenance:
        return f"via trusted publishing ({safe(v.trusted_publisher, 40)}) with provenance"
    if v.trusted_publisher:
        return f"via trusted publishing ({safe(v.trusted_publisher, 40)})"
    if v.provenance:
        return "with provenance"
    return "without provenance"


def _line_label(ecosystem: str, version: str) -> str:
    line = release_line(ecosystem, version)
    return f"{safe(line, 20)}.x" if line is not None else "this line"


def publisher_change(ctx: PackageContext) -> Iterator[Finding]:
    info = ctx.live_info
    hist = ctx.history
    if info is None or hist is None or info.publisher is None or info.published is None:
        return
    account = person_key(info.publisher)
    if not account:
        return
    base = ctx.baseline
    email = email_of(info.publisher)
    if (
        base is not None
        and base.publisher is not None
        and person_key(base.publisher) == account
        and email_of(base.publisher) == email
    ):
        return  # the same account, with the same e-mail, as the version before it
    if hist.known_account(account, email, info):
        return  # it published before, with this e-mail: the usual case of a team of publishers
    prior = hist.before(info)
    if not any(v.publisher is not None for v in prior):
        return  # the first release, or no publisher data before it
    t = info.published
    published = hist.published_before(account, t)
    seen = hist.emails_before(account, t)
    seen_emails = {e[1] for e in seen}
    if published > 0 and not (email and seen_emails and email not in seen_emails):
        return
    previous_by = (
        f"; {safe(base.version, 64)} was published by {person(base.publisher)} {_pipeline(base)}"
        if base is not None and base.publisher is not None
        else ""
    )
    evidence: dict[str, Any] = {
        "version": info.version,
        "publisher": safe(info.publisher.name or "", 120) or None,
        "email": safe(info.publisher.email or "", 120) or None,
        "trusted_publisher": info.trusted_publisher,
        "provenance": info.provenance,
        "releases_by_account_before": published,
        "baseline": base.version if base else None,
        "baseline_publisher": safe(str(base.publisher)) if base and base.publisher else None,
    }
    if email and seen_emails and email not in seen_emails:
        last = max(seen, key=lambda e: e[0])
        yield Finding(
            "publisher-change",
            Level.HIGH,
            "publishing account's e-mail changed",
            f"{safe(info.version, 64)} was published by {person(info.publisher)}; in earlier "
            f"releases the account {safe(info.publisher.name or account, 80)} used "
            f"{', '.join(sorted(safe(e, 80) for e in seen_emails))} (last in "
            f"{safe(last[2], 64)}, {iso(last[0])}){previous_by}",
            {
                **evidence,
                "previous_emails": sorted(seen_emails),
                "previous_email_version": last[2],
            },
        )
        return
    if published > 0:
        return
    if info.trusted_publisher:
        yield Finding(
            "publisher-change",
            Level.INFO,
            "first release through trusted publishing",
            f"{safe(info.version, 64)} was published by {person(info.publisher)} "
            f"{_pipeline(info)}, the first release from this pipeline{previous_by}",
            evidence,
        )
        return
    listed = hist.first_listed(account)
    if listed is not None and listed < t:
        tenure = t - listed
        level = Level.LOW if tenure >= LONG_LISTED else Level.MEDIUM
        yield Finding(
            "publisher-change",
            level,
            "first release by a listed maintainer"
            if level is Level.LOW
            else "first release by a recently added maintainer",
            f"{safe(info.version, 64)} is the first release published by "
            f"{person(info.publisher)}, listed as a maintainer for {span(tenure)} before it"
            f"{previous_by}",
            {**evidence, "listed_since": iso(listed), "listed_days": round(tenure.days, 1)},
        )
        return
    publishers = sorted(
        {safe(v.publisher.name or v.publisher.key, 60) for v in prior if v.publisher}
    )
    yield Finding(
        "publisher-change",
        Level.MEDIUM,
        "new publisher",
        f"{safe(info.version, 64)} was published by {person(info.publisher)}, an account that "
        f"neither published nor was listed as maintainer in the {plural(len(prior), 'earlier release')}"
        f" (published by {', '.join(publishers[:5])}){previous_by}",
        {**evidence, "previous_publishers": publishers[:20]},
    )


def _people(ms: tuple[Person, ...]) -> dict[str, Person]:
    return {m.key: m for m in ms if m.key}


def maintainer_change(ctx: PackageContext) -> Iterator[Finding]:
    info = ctx.live_info
    base = ctx.baseline
    hist = ctx.history
    if info is None or base is None or hist is None or not info.maintainers or not base.maintainers:
        return
    if info.maintainers == base.maintainers:
        return
    now, before = _people(info.maintainers), _people(base.maintainers)
    added = [k for k in now if k not in before]
    removed = [k for k in before if k not in now]
    kept = [k for k in now if k in before]
    t = info.published
    changed: list[tuple[str, str, str]] = []
    for k in kept:
        new, old = email_of(now[k]), email_of(before[k])
        if new and old and new != old:
            used_before = t is not None and any(e[1] == new for e in hist.emails_before(k, t))
            if not used_before:
                changed.append((k, old, new))
    if not (added or removed or changed):
        return
    evidence: dict[str, Any] = {
        "version": info.version,
        "baseline": base.version,
        "added": [safe(str(now[k])) for k in added],
        "removed": [safe(str(before[k])) for k in removed],
        "email_changed": [
            {"account": safe(k, 80), "from": safe(o, 120), "to": safe(n, 120)}
            for k, o, n in changed
        ],
        "maintainers": [safe(str(m)) for m in info.maintainers],
        "baseline_maintainers": [safe(str(m)) for m in base.maintainers],
    }
    parts: list[str] = []
    if changed:
        parts.append(
            "; ".join(
                f"{safe(now[k].name or k, 80)}'s e-mail changed from {safe(o, 80)} to {safe(n, 80)}"
                for k, o, n in changed
            )
        )
    if added:
        parts.append("added " + ", ".join(safe(str(now[k])) for k in added))
    if removed:
        parts.append("removed " + ", ".join(safe(str(before[k])) for k in removed))
    detail = f"since {safe(base.version, 64)}: " + "; ".join(parts)
    if changed:
        level, title = Level.HIGH, "maintainer e-mail changed"
    elif not kept:
        level, title = Level.MEDIUM, "maintainers replaced"
        detail += " (none of the previous maintainers remain)"
    elif added:
        level, title = Level.LOW, "maintainer added"
    else:
        level, title = Level.INFO, "maintainer removed"
    yield Finding("maintainer-change", level, title, detail, evidence)


def provenance_dropped(ctx: PackageContext) -> Iterator[Finding]:
    info = ctx.live_info
    hist = ctx.history
    if info is None or hist is None or _attested(info) or info.published is None:
        return
    if not hist.attested_before(info.published):
        return  # no release before it was attested
    eco = ctx.ecosystem
    stable = not is_prerelease(eco, info.version)
    line = [v for v in hist.line_before(info) if not (stable and is_prerelease(eco, v.version))]
    attested = [v for v in line if _attested(v)]
    if not attested:
        return
    last = attested[-1]
    base = ctx.baseline
    # The run of attested releases that ends at the last attested one.
    run: list[VersionInfo] = []
    for v in reversed(line[: line.index(last) + 1]):
        if not _attested(v):
            break
        run.append(v)
    run.reverse()
    tp = sum(1 for v in run if v.trusted_publisher)
    since_last = info.published - last.published if last.published else None
    by = f" by {person(info.publisher)}" if info.publisher is not None else ""
    label = _line_label(eco, info.version)
    how = (
        f"{tp} of them through {safe(run[-1].trusted_publisher or 'a', 40)} trusted publishing"
        if tp
        else "none through trusted publishing"
    )
    evidence: dict[str, Any] = {
        "version": info.version,
        "line": release_line(eco, info.version),
        "publisher": safe(str(info.publisher)) if info.publisher else None,
        "baseline": base.version if base else None,
        "last_attested": last.version,
        "last_attested_published": iso(last.published),
        "last_attested_publisher": safe(str(last.publisher)) if last.publisher else None,
        "last_attested_trusted_publisher": last.trusted_publisher,
        "attested_run": [v.version for v in run],
        "git_head": info.git_head,
    }
    if base is not None and _attested(base) and base.version == last.version:
        yield Finding(
            "provenance-dropped",
            Level.HIGH,
            "published outside the usual pipeline",
            f"{safe(info.version, 64)} was published{by} with neither provenance nor a trusted "
            f"publisher; the previous {plural(len(run), 'release')} in {label} "
            f"({version_list(run)}) carried provenance, {how}",
            evidence,
        )
        return
    recent = since_last is not None and since_last <= RECENT_DROP
    level = Level.MEDIUM if recent else Level.LOW
    after = [v for v in line if v.published and last.published and v.published > last.published]
    yield Finding(
        "provenance-dropped",
        level,
        "no provenance any more",
        f"{safe(info.version, 64)} was published{by} without provenance or a trusted publisher; "
        f"releases in {label} up to {safe(last.version, 64)} "
        f"({span(since_last) + ' earlier' if since_last is not None else 'earlier'}) carried it"
        + (f", and {plural(len(after), 'release')} since have not" if after else ""),
        evidence,
    )
