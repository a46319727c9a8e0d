"""What the lockfile itself records: ``non-registry-source`` and ``integrity-mismatch``.

``non-registry-source``: resolved from git or a URL/tarball (low), from a local
file or linked directory (info), or a registry package with no integrity hash
(low; skipped when the lockfile records no hashes for any package, as a
``requirements.txt`` without ``--hash`` does). Project and workspace nodes are
never judged.

``integrity-mismatch``: the lockfile's hash differs from the registry's for
that version (high). Only like is compared with like: an SRI ``sha512-`` with
the registry's ``sha512-``, a ``sha1-`` with the registry's ``shasum``, a
``sha256:`` with any file hash of a PyPI release. No comparable pair: nothing.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable, Iterator

from depview.model import SourceKind
from depview.risk.context import PackageContext
from depview.risk.model import Finding, Level
from depview.risk.text import safe

__all__ = ["integrity_mismatch", "non_registry_source", "parse_hashes"]

_SPLIT = re.compile(r"[\s,]+")
_HEX = re.compile(r"^[0-9a-fA-F]+$")
_ALGOS = {"sha1", "sha256", "sha384", "sha512", "md5"}


def parse_hashes(values: Iterable[str | None]) -> dict[str, set[bytes]]:
    """``{algorithm: {digest bytes}}`` from SRI (``sha512-<b64>``) or ``algo:<hex>`` strings."""
    out: dict[str, set[bytes]] = {}
    for value in values:
        if not value:
            continue
        for token in _SPLIT.split(value.strip()):
            if not token:
                continue
            algo, digest = "", b""
            if ":" in token:
                algo, _, text = token.partition(":")
                algo = algo.lower()
                if algo not in _ALGOS:
                    continue
                try:
                    digest = (
                        binascii.unhexlify(text)
                        if _HEX.match(text)
                        else base64.b64decode(text, validate=True)
                    )
                except (binascii.Error, ValueError):
                    continue
            elif "-" in token:
                algo, _, text = token.partition("-")
                algo = algo.lower()
                if algo not in _ALGOS:
                    continue
                text = text.split("?", 1)[0]  # SRI options
                try:
                    digest = base64.b64decode(text, validate=True)
                except (binascii.Error, ValueError):
                    continue
            else:
                continue
            if digest:
                out.setdefault(algo, set()).add(digest)
    return out


def non_registry_source(ctx: PackageContext) -> Iterator[Finding]:
    if ctx.hypothetical:
        return
    src = ctx.package.source
    kind = src.kind
    if kind is SourceKind.REGISTRY and (ctx.package.integrity or not ctx.lockfile_has_hashes):
        return
    if kind in (SourceKind.ROOT, SourceKind.WORKSPACE):
        return
    url = safe(src.url or "", 300) or None
    if kind in (SourceKind.GIT, SourceKind.TARBALL):
        what = "a git repository" if kind is SourceKind.GIT else "a URL that is not the registry"
        yield Finding(
            "non-registry-source",
            Level.LOW,
            f"installed from {'git' if kind is SourceKind.GIT else 'a URL'}",
            f"resolved from {what}{f' ({url})' if url else ''}: registry history, provenance "
            "and advisories do not describe what is installed",
            {"source": kind.value, "url": url},
        )
    elif kind in (SourceKind.FILE, SourceKind.LINK):
        yield Finding(
            "non-registry-source",
            Level.INFO,
            "local path",
            f"resolved from a local {'link' if kind is SourceKind.LINK else 'path'}"
            f"{f' ({url})' if url else ''}",
            {"source": kind.value, "url": url},
        )
    elif not ctx.package.integrity and ctx.lockfile_has_hashes:
        yield Finding(
            "non-registry-source",
            Level.LOW,
            "no integrity hash",
            "the lockfile records no integrity hash for this package, so a changed tarball "
            "would install unnoticed",
            {"source": kind.value, "url": url, "integrity": None},
        )


def integrity_mismatch(ctx: PackageContext) -> Iterator[Finding]:
    if ctx.hypothetical or ctx.package.source.kind is not SourceKind.REGISTRY:
        return
    info = ctx.live_info
    if info is None or not ctx.package.integrity or ctx.package.integrity == info.integrity:
        return
    locked = parse_hashes([ctx.package.integrity])
    registry = parse_hashes([info.integrity, *info.hashes])
    common = sorted(set(locked) & set(registry))
    if not common:
        return
    if any(locked[a] & registry[a] for a in common):
        return
    algo = common[-1] if "sha512" not in common else "sha512"
    yield Finding(
        "integrity-mismatch",
        Level.HIGH,
        "hash differs from the registry's",
        f"the lockfile's {algo} for {safe(info.version, 64)} is not the registry's: the file "
        "that was locked is not the one the registry serves now",
        {
            "version": info.version,
            "algorithm": algo,
            "lockfile": safe(ctx.package.integrity, 300),
            "registry": [
                safe(h, 300)
                for h in ([info.integrity] if info.integrity else []) + list(info.hashes[:10])
            ],
        },
    )
