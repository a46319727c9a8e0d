"""The signals: one pure function per finding kind, ``(PackageContext) -> Iterable[Finding]``.

:data:`SIGNALS` lists them in the contract's order of kinds; the engine runs
every one on every locked package.
"""

from __future__ import annotations

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
from depview.risk.signals.typosquat import typosquat

__all__ = ["SIGNALS", "Signal"]

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
