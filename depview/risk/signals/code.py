"""Code that runs at install: ``install-script`` and ``new-install-script``.

npm: the ``preinstall``/``install``/``postinstall`` hooks (and the implicit
``node-gyp rebuild``) of the version's manifest; when the registry record is
missing, the lockfile's ``hasInstallScript``. PyPI: a release with no wheel
runs its build backend (``setup.py``) at install.

Severity of ``install-script``: high in a package younger than
``young_package_days``; medium when the hook's command changed since the
version before it, when a PyPI project that used to ship wheels ships only an
sdist, or when the lockfile says the package runs an install script that the
registry's manifest does not show (manifest confusion); low otherwise (a
long-standing hook). ``new-install-script`` (a hook the version before it did
not have) is high on npm, medium for a PyPI wheel -> sdist-only change.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from depview.metadata import VersionInfo
from depview.model import SourceKind
from depview.risk.context import PackageContext
from depview.risk.model import Finding, Level
from depview.risk.text import iso, safe, span

__all__ = ["install_script", "is_young", "new_install_script"]


def _hooks(info: VersionInfo) -> Mapping[str, str]:
    return info.install_scripts


def _show(hooks: Mapping[str, str]) -> str:
    return "; ".join(f'{safe(k, 30)}: "{safe(v, 160)}"' for k, v in hooks.items())


def is_young(ctx: PackageContext) -> bool:
    """The package's first release is less than ``young_package_days`` before as-of."""
    if ctx.history is None or ctx.history.first_release is None:
        return False
    return ctx.as_of - ctx.history.first_release < ctx.settings.young


def _since(ctx: PackageContext, info: VersionInfo) -> VersionInfo | None:
    """The first release of the unbroken run of releases with install hooks ending at ``info``."""
    if ctx.history is None:
        return None
    first: VersionInfo | None = None
    for v in reversed(ctx.history.before(info)):
        if not v.install_scripts:
            break
        first = v
    return first


def install_script(ctx: PackageContext) -> Iterator[Finding]:
    """This version runs code at install."""
    info = ctx.live_info
    if info is None:
        if (
            ctx.package.has_install_script
            and not ctx.hypothetical
            and ctx.package.source.kind is not SourceKind.ROOT
        ):
            yield Finding(
                "install-script",
                Level.LOW,
                "runs an install script",
                "the lockfile records that this package runs an install script "
                "(no registry record to show the command)",
                {"version": ctx.package.version, "source": "lockfile"},
            )
        return
    hooks = _hooks(info)
    young = is_young(ctx)
    first = ctx.history.first_release if ctx.history else None
    evidence: dict[str, Any] = {"version": info.version, "scripts": dict(hooks)}
    if not hooks:
        if ctx.package.has_install_script and not ctx.hypothetical and info.has_wheel is None:
            yield Finding(
                "install-script",
                Level.MEDIUM,
                "install script not shown by the registry",
                "the lockfile records an install script for this version but the registry's "
                "manifest has no install hook: the tarball's package.json differs from the "
                "published manifest",
                {**evidence, "lockfile_has_install_script": True},
            )
        return
    base = ctx.baseline
    if info.has_wheel is not None:  # PyPI: hooks == {"sdist": ...}
        used_wheels = base is not None and base.has_wheel is True
        level = Level.HIGH if young else (Level.MEDIUM if used_wheels else Level.LOW)
        why = (
            f"; {safe(base.version, 64)} shipped wheels" if used_wheels and base is not None else ""
        )
        yield Finding(
            "install-script",
            level,
            "sdist only: builds at install",
            f"{safe(info.version, 64)} has no wheel ({len(info.files)} file(s)), so installing "
            f"it runs its build backend (setup.py){why}"
            + (
                f"; the project's first release was {span(ctx.as_of - first)} ago"
                if young and first
                else ""
            ),
            {
                **evidence,
                "files": [safe(f, 120) for f in info.files[:10]],
                "baseline": base.version if base else None,
                "baseline_has_wheel": base.has_wheel if base else None,
                "young_package": young,
            },
        )
        return
    before_hooks = _hooks(base) if base is not None else {}
    changed = {
        k: (before_hooks[k], v)
        for k, v in hooks.items()
        if k in before_hooks and before_hooks[k] != v
    }
    since = _since(ctx, info)
    if young:
        level = Level.HIGH
        title = "install script in a new package"
        detail = (
            f"{_show(hooks)}; the package's first release was "
            f"{span(ctx.as_of - first) if first else 'recent'} before as-of"
        )
    elif changed:
        level = Level.MEDIUM
        title = "install command changed"
        detail = "; ".join(
            f'{safe(k, 30)} changed from "{safe(old, 120)}" in {safe(base.version if base else "?", 64)} '
            f'to "{safe(new, 120)}"'
            for k, (old, new) in changed.items()
        )
    else:
        level = Level.LOW
        title = "runs an install script"
        if since is not None and since.published is not None and info.published is not None:
            detail = (
                f"{_show(hooks)}; present in every release since {safe(since.version, 64)} "
                f"({span(info.published - since.published)} before this one)"
            )
        else:
            detail = _show(hooks)
    evidence.update(
        {
            "baseline": base.version if base else None,
            "baseline_scripts": dict(before_hooks),
            "since": since.version if since else None,
            "since_published": iso(since.published) if since else None,
            "young_package": young,
        }
    )
    yield Finding("install-script", level, title, detail, evidence)


def new_install_script(ctx: PackageContext) -> Iterator[Finding]:
    """This version has an install hook that the version before it did not."""
    info = ctx.live_info
    base = ctx.baseline
    if info is None or base is None or not info.install_scripts:
        return
    if info.has_wheel is not None:  # PyPI: a project that shipped wheels now ships only an sdist
        if base.has_wheel is True and info.has_wheel is False:
            yield Finding(
                "new-install-script",
                Level.MEDIUM,
                "stopped shipping wheels",
                f"{safe(info.version, 64)} is sdist-only, so it runs its build backend at "
                f"install; {safe(base.version, 64)} shipped wheels",
                {
                    "version": info.version,
                    "baseline": base.version,
                    "files": [safe(f, 120) for f in info.files[:10]],
                    "baseline_files": [safe(f, 120) for f in base.files[:10]],
                },
            )
        return
    added = {k: v for k, v in info.install_scripts.items() if k not in base.install_scripts}
    if not added:
        return
    had_any = bool(base.install_scripts)
    yield Finding(
        "new-install-script",
        Level.MEDIUM if had_any else Level.HIGH,
        "new install script" if not had_any else "additional install hook",
        f"{_show(added)} appears in {safe(info.version, 64)}; "
        + (
            f"{safe(base.version, 64)} had only {_show(base.install_scripts)}"
            if had_any
            else f"{safe(base.version, 64)} ran nothing at install"
        ),
        {
            "version": info.version,
            "baseline": base.version,
            "added": dict(added),
            "baseline_scripts": dict(base.install_scripts),
            "published": iso(info.published),
        },
    )
