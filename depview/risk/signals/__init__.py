"""The signals: one pure function per finding kind, ``(PackageContext) -> Iterable[Finding]``.

:data:`SIGNALS` lists them in the contract's order of kinds. The engine runs
them through :func:`run_all`, which skips a signal when a cheap test shows it
cannot fire on the context (most packages fire nothing, and starting
seventeen generators per package would cost more than judging it). Each test
there mirrors the first early returns of its signal: when a signal gains a
new way to fire, its test in :func:`run_all` must let it through.
"""

from __future__ import annotations

from collections.abc import Container

from depview.metadata import PackageMetadata, Unavailable
from depview.model import SourceKind
from depview.risk.context import PackageContext
from depview.risk.model import Finding
from depview.risk.signals._common import Signal
from depview.risk.signals.accounts import maintainer_change, provenance_dropped, publisher_change
from depview.risk.signals.code import install_script, new_install_script
from depview.risk.signals.deps import new_dependency
from depview.risk.signals.lockfile import integrity_mismatch, non_registry_source
from depview.risk.signals.registry import (
    advisory,
    deprecated,
    malware,
    metadata_unavailable,
    unpublished,
    yanked,
)
from depview.risk.signals.timing import recent_publish, young_package
from depview.risk.signals.typosquat import popular_index, typosquat

__all__ = ["SIGNALS", "Signal", "run_all"]

#: (kind, function) for every signal, in the contract's order of kinds.
SIGNALS: tuple[tuple[str, Signal], ...] = (
    ("advisory", advisory),
    ("malware", malware),
    ("unpublished", unpublished),
    ("install-script", install_script),
    ("new-install-script", new_install_script),
    ("recent-publish", recent_publish),
    ("young-package", young_package),
    ("publisher-change", publisher_change),
    ("maintainer-change", maintainer_change),
    ("provenance-dropped", provenance_dropped),
    ("new-dependency", new_dependency),
    ("deprecated", deprecated),
    ("yanked", yanked),
    ("typosquat", typosquat),
    ("non-registry-source", non_registry_source),
    ("integrity-mismatch", integrity_mismatch),
    ("metadata-unavailable", metadata_unavailable),
)

_REGISTRY = SourceKind.REGISTRY
_PROJECT = (SourceKind.ROOT, SourceKind.WORKSPACE)


def run_all(ctx: PackageContext) -> list[Finding]:
    """Every signal's findings on ``ctx`` (the order of :data:`SIGNALS`).

    A signal runs unless the test before it shows that it would return at one
    of its first checks.
    """
    out: list[Finding] = []
    # Every field at once: reading a named tuple's fields one by one costs twice as much.
    pkg, metadata, advisories, settings, _, hist, info, base, live, _, hashed, hypothetical = ctx
    kind = pkg.source.kind
    registry = kind is _REGISTRY
    meta = metadata if isinstance(metadata, PackageMetadata) else None
    if not advisories:  # none matched (the usual case; an Unavailable is always true)
        advisories_down = matched = False
    elif isinstance(advisories, Unavailable):
        advisories_down, matched = True, False
    else:
        advisories_down, matched = False, True
    # This release's age (None: unknown): for recent-publish and young-package.
    published = info.published if info is not None else None
    age = settings.as_of - published if published is not None else None

    if matched:
        out += advisory(ctx)
    if matched or (meta is not None and meta.security_placeholder):
        out += malware(ctx)
    if live is None:
        if registry and meta is not None:
            out += unpublished(ctx)
        if pkg.has_install_script:
            out += install_script(ctx)
    elif live.install_scripts:
        out += install_script(ctx)
        if base is not None:
            out += new_install_script(ctx)
    elif pkg.has_install_script:
        out += install_script(ctx)
    if age is not None and age < settings.cooldown:
        out += recent_publish(ctx)
    if hist is not None:
        # A release of the package older than the threshold: its first release is too.
        if age is None or age < settings.young or hist.metadata is not metadata:
            first = hist.first_release
            if first is not None and settings.as_of - first < settings.young:
                out += young_package(ctx)
        if live is not None:
            publisher = live.publisher
            if (
                publisher is not None
                and live.published is not None
                and (
                    base is None
                    or base.publisher is None
                    # The same account with the same e-mail as the version before it: nothing.
                    or (base.publisher is not publisher and base.publisher != publisher)
                )
            ):
                out += publisher_change(ctx)
            if (
                base is not None
                and live.maintainers
                and base.maintainers
                and live.maintainers != base.maintainers
            ):
                out += maintainer_change(ctx)
            if (
                not (live.provenance or live.trusted_publisher is not None)
                and live.published is not None
                and hist.attested_before(live.published)
            ):
                out += provenance_dropped(ctx)
    if live is not None:
        if base is not None and (
            live.optional_dependencies or not live.dependencies.keys() <= base.dependencies.keys()
        ):
            out += new_dependency(ctx)
        if live.deprecated:
            out += deprecated(ctx)
    if info is not None and info.yanked:
        out += yanked(ctx)
    pid = pkg.id
    name = pid.name
    if name and name not in _popular_names(pid.ecosystem):
        out += typosquat(ctx)
    if not hypothetical:
        if (not pkg.integrity and hashed) if registry else kind not in _PROJECT:
            out += non_registry_source(ctx)
        if registry and live is not None and pkg.integrity and pkg.integrity != live.integrity:
            out += integrity_mismatch(ctx)
    if registry and (info is None or advisories_down or meta is None):
        out += metadata_unavailable(ctx)
    return out


_POPULAR: dict[str, Container[str]] = {}


def _popular_names(ecosystem: str) -> Container[str]:
    found = _POPULAR.get(ecosystem)
    if found is None:
        found = _POPULAR[ecosystem] = popular_index(ecosystem).names
    return found
