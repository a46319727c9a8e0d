"""The bundled axios demo with precomputed verdicts: deterministic input for snapshots.

The graph comes from the real demo lockfile and the registry records of the
packages the screens show come from the demo snapshot; the verdicts are written
here by hand (mirroring what the risk engine says about the incident) so the
SVG snapshots test the UI and do not move when the engine's wording changes.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta
from pathlib import Path

from depview.config import Settings
from depview.model import DependencyGraph, PackageId
from depview.risk.model import Finding, Level, Suggestion, Verdict
from depview.service import Enrichment
from tests.tui.helpers import StaticAnalyzer

DEMO = Path(__file__).resolve().parents[2] / "depview" / "data" / "demo"
LOCKFILE = DEMO / "project" / "package-lock.json"
SNAPSHOT = DEMO / "snapshot"
AS_OF = datetime(2026, 3, 31, 2, 0, tzinfo=UTC)
SETTINGS = Settings(as_of=AS_OF, snapshot=SNAPSHOT, offline=True, no_cache=True)

AXIOS = PackageId("npm", "axios", "1.14.1")
PLAIN = PackageId("npm", "plain-crypto-js", "4.2.1")
SHOWN_NAMES = ("axios", "plain-crypto-js", "bcrypt", "follow-redirects")


@functools.cache
def demo_graph() -> DependencyGraph:
    from depview.lockfiles import load

    return load(LOCKFILE)


def demo_enrichment(names: tuple[str, ...] = SHOWN_NAMES) -> Enrichment:
    from depview.sources.snapshot import SnapshotStore

    store = SnapshotStore(SNAPSHOT)
    enr = Enrichment()
    for name in names:
        enr.metadata[("npm", name)] = store.metadata("npm", name)
    graph = demo_graph()
    for pkg in graph.dependencies():
        enr.advisories[pkg.id] = ()
    return enr


GHA = "GitHub Actions <npm-oidc-no-reply@github.com>"


def demo_verdicts(graph: DependencyGraph) -> dict[PackageId, Verdict]:
    out = {p.id: Verdict(p.id, Level.NONE, 0) for p in graph.dependencies()}
    published = datetime(2026, 3, 31, 0, 21, 58, tzinfo=UTC)
    out[AXIOS] = Verdict(
        AXIOS,
        Level.CRITICAL,
        98,
        findings=(
            Finding(
                "publisher-change",
                Level.HIGH,
                "published by an account that published none of the previous releases",
                "published 1 h 38 min before as-of by jasonsaayman <ifstap@proton.me>; the previous "
                "12 releases came from GitHub Actions trusted publishing with provenance",
                {"publisher": "jasonsaayman <ifstap@proton.me>", "previous_publishers": [GHA]},
            ),
            Finding(
                "maintainer-change",
                Level.HIGH,
                "a maintainer's e-mail changed at this version",
                "jasonsaayman's e-mail changed from jasonsaayman@gmail.com to ifstap@proton.me",
                {
                    "maintainer": "jasonsaayman",
                    "before": "jasonsaayman@gmail.com",
                    "after": "ifstap@proton.me",
                },
            ),
            Finding(
                "provenance-dropped",
                Level.HIGH,
                "provenance dropped",
                "the previous 12 releases of 1.x carried npm provenance from GitHub Actions; 1.14.1 has none",
                {"previous_with_provenance": 12, "trusted_publisher": "github"},
            ),
            Finding(
                "new-dependency",
                Level.MEDIUM,
                "new dependency plain-crypto-js",
                "1.14.1 depends on plain-crypto-js ^4.2.1, which 1.14.0 did not; plain-crypto-js "
                "was first published 20 h before as-of",
                {"added": {"plain-crypto-js": "^4.2.1"}, "previous_version": "1.14.0"},
            ),
            Finding(
                "recent-publish",
                Level.MEDIUM,
                "published 1 h 38 min before as-of",
                "published 2026-03-31 00:21 UTC, inside the 7-day cooldown",
                {"published": published, "cooldown_days": 7},
            ),
        ),
        suggestion=Suggestion(
            "1.14.0",
            "the newest release before 1.14.1 published with provenance by trusted publishing",
        ),
        published=published,
        publisher="jasonsaayman",
    )
    out[PLAIN] = Verdict(
        PLAIN,
        Level.CRITICAL,
        95,
        findings=(
            Finding(
                "new-install-script",
                Level.HIGH,
                "new postinstall script",
                "4.2.1 runs postinstall 'node setup.js'; 4.2.0 ran nothing at install",
                {"scripts": {"postinstall": "node setup.js"}, "previous_version": "4.2.0"},
            ),
            Finding(
                "young-package",
                Level.MEDIUM,
                "package created 20 h before as-of",
                "first release 4.2.0 on 2026-03-30 05:57 UTC",
                {"first_published": datetime(2026, 3, 30, 5, 57, 16, tzinfo=UTC)},
            ),
            Finding(
                "recent-publish",
                Level.MEDIUM,
                "published 2 h 0 min before as-of",
                "published 2026-03-30 23:59 UTC, inside the 7-day cooldown",
                {"published": datetime(2026, 3, 30, 23, 59, 12, tzinfo=UTC), "cooldown_days": 7},
            ),
        ),
        suggestion=Suggestion(
            None, "no clean version exists: remove it (it arrived with axios 1.14.1)"
        ),
        published=datetime(2026, 3, 30, 23, 59, 12, tzinfo=UTC),
        publisher="nrwise",
    )
    bcrypt = next((p for p in out if p.name == "bcrypt"), None)
    if bcrypt is not None:
        out[bcrypt] = Verdict(
            bcrypt,
            Level.LOW,
            15,
            findings=(
                Finding(
                    "install-script",
                    Level.LOW,
                    "runs an install script",
                    "install: node-pre-gyp install --fallback-to-build",
                    {},
                ),
            ),
        )
    for name in ("accepts", "bytes", "escape-html"):
        found = next((p for p in out if p.name == name), None)
        if found is not None:
            out[found] = Verdict(
                found,
                Level.LOW,
                10,
                findings=(
                    Finding(
                        "recent-publish",
                        Level.LOW,
                        "published recently",
                        "inside the 7-day cooldown",
                        {},
                    ),
                ),
                published=AS_OF - timedelta(days=3),
            )
    return out


def demo_analyzer() -> StaticAnalyzer:
    graph = demo_graph()
    return StaticAnalyzer(demo_verdicts(graph), demo_enrichment())


def real_pipeline_available() -> bool:
    try:
        import depview.risk.engine
        import depview.sources.factory  # noqa: F401
    except ImportError:
        return False
    return True
