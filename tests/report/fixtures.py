"""Small hand-made reports for the format tests (fixed times, no I/O)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from depview.config import Settings
from depview.model import (
    DependencyGraph,
    Edge,
    EdgeKind,
    Package,
    PackageId,
    Source,
    SourceKind,
    build_graph,
)
from depview.report.model import Change, Entry, Report, TriageMark
from depview.risk.model import Finding, Level, Suggestion, Verdict
from depview.sources.interface import SourceError

DATA = Path(__file__).resolve().parent.parent / "data" / "report"
AS_OF = datetime(2026, 3, 31, 3, 0, tzinfo=UTC)
GENERATED = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
SETTINGS = Settings(as_of=AS_OF)

# A hostile string: Markdown links/images, HTML, table breaks, ANSI/OSC escapes, bidi, mentions.
HOSTILE = (
    "[click](https://evil.example/x) ![img](https://evil.example/i.png) <script>alert(1)</script> "
    "| cell | break `code` **bold** _em_ \x1b[31mred\x1b[0m \x1b]8;;https://evil.example\x07link\x1b]8;;\x07 "
    "\u202eevil\u202c www.evil.example mail@evil.example @org/team $x^2$ &lt;"
)


def pid(name: str, version: str, eco: str = "npm") -> PackageId:
    return PackageId.of(eco, name, version)


ROOT = pid("demo-app", "1.0.0")
AXIOS = pid("axios", "1.14.1")
PLAIN = pid("plain-crypto-js", "4.2.1")
LODASH = pid("lodash", "4.17.20")
LEFTPAD = pid("left-pad", "1.3.0")
GHOST = pid("ghost-pkg", "0.1.0")
FOLLOW = pid("follow-redirects", "1.15.6")
SCOPED = pid("@evil/pkg", "2.0.0")


def graph() -> DependencyGraph:
    packages = [
        Package(ROOT, Source(SourceKind.ROOT), line=1),
        Package(AXIOS, integrity="sha512-aaa", line=12),
        Package(PLAIN, integrity="sha512-bbb", line=30, has_install_script=True),
        Package(FOLLOW, integrity="sha512-ccc", line=40),
        Package(LODASH, integrity="sha512-ddd", line=50),
        Package(LEFTPAD, integrity="sha512-eee", line=60, dev=True),
        Package(GHOST, integrity="sha512-fff", line=None),
        Package(SCOPED, Source(SourceKind.TARBALL, "https://evil.example/pkg.tgz"), line=70),
    ]
    edges = {
        ROOT: [
            Edge(AXIOS, EdgeKind.PROD, "^1.14.0"),
            Edge(LODASH, EdgeKind.PROD, "^4.17.0"),
            Edge(LEFTPAD, EdgeKind.DEV, "^1.3.0"),
            Edge(GHOST, EdgeKind.PROD, "*"),
            Edge(SCOPED, EdgeKind.PROD, "*"),
        ],
        AXIOS: [Edge(PLAIN, EdgeKind.PROD, "^4.2.1"), Edge(FOLLOW, EdgeKind.PROD, "^1.15.6")],
    }
    return build_graph(
        ecosystem="npm",
        format="npm-package-lock@3",
        path="package-lock.json",
        packages=packages,
        edges=edges,
        roots=[ROOT],
    )


def verdicts() -> dict[PackageId, Verdict]:
    return {
        AXIOS: Verdict(
            AXIOS,
            Level.CRITICAL,
            98,
            (
                Finding(
                    "provenance-dropped",
                    Level.HIGH,
                    "provenance dropped",
                    "the previous 12 releases were published from GitHub Actions with provenance; this one was not",
                ),
                Finding(
                    "publisher-change",
                    Level.HIGH,
                    "published by a new account",
                    "published by jasonsaayman <ifstap@proton.me>, who published none of the previous versions",
                ),
                Finding(
                    "recent-publish",
                    Level.MEDIUM,
                    "published 2 h 39 min before as-of",
                    "published 2026-03-31T00:21:00Z, less than 7 days before as-of",
                ),
                Finding(
                    "new-dependency",
                    Level.LOW,
                    "new dependency plain-crypto-js",
                    "1.14.0 did not depend on plain-crypto-js",
                    {"added": ["plain-crypto-js"]},
                ),
            ),
            Suggestion("1.14.0", "the last release before the compromise"),
            published=datetime(2026, 3, 31, 0, 21, tzinfo=UTC),
            publisher="jasonsaayman",
        ),
        PLAIN: Verdict(
            PLAIN,
            Level.CRITICAL,
            100,
            (
                Finding(
                    "malware",
                    Level.CRITICAL,
                    "malicious package",
                    "OSV MAL-2026-1234 marks plain-crypto-js 4.2.1 as malicious",
                    {"ids": ["MAL-2026-1234"], "aliases": ["GHSA-aaaa-bbbb-cccc"]},
                ),
                Finding(
                    "new-install-script",
                    Level.HIGH,
                    "new postinstall script",
                    "postinstall: node setup.js",
                    {"scripts": {"postinstall": "node setup.js"}},
                ),
            ),
            Suggestion(None, "no version of plain-crypto-js is safe: remove it"),
        ),
        FOLLOW: Verdict(FOLLOW, Level.NONE, 0, ()),
        LODASH: Verdict(
            LODASH,
            Level.HIGH,
            80,
            (
                Finding(
                    "advisory",
                    Level.HIGH,
                    "prototype pollution (GHSA-35jh-r3h4-6jhm)",
                    "CVE-2021-23337: command injection via template; fixed in 4.17.21",
                    {
                        "ids": ["GHSA-35jh-r3h4-6jhm"],
                        "aliases": ["CVE-2021-23337"],
                        "fixed": ["4.17.21"],
                        "cvss_score": 7.2,
                    },
                ),
            ),
            Suggestion("4.17.21", "fixes GHSA-35jh-r3h4-6jhm"),
        ),
        LEFTPAD: Verdict(
            LEFTPAD,
            Level.LOW,
            10,
            (Finding("deprecated", Level.LOW, "deprecated", "use String.prototype.padStart()"),),
        ),
        GHOST: Verdict(
            GHOST,
            Level.INFO,
            0,
            (
                Finding(
                    "metadata-unavailable",
                    Level.INFO,
                    "registry data unavailable",
                    "npm: timed out after 10 s",
                ),
            ),
            unknown=True,
        ),
        SCOPED: Verdict(
            SCOPED,
            Level.MEDIUM,
            40,
            (Finding("non-registry-source", Level.MEDIUM, HOSTILE, HOSTILE, {"url": HOSTILE}),),
            Suggestion(HOSTILE, HOSTILE),
        ),
    }


def report(*, diff: bool = False) -> Report:
    """The hand-made scan (or diff) report."""
    g = graph()
    index = g.paths_index()
    direct = g.direct()
    triage = {LEFTPAD: TriageMark("ignored", "dev-only, " + HOSTILE)}
    changes = {
        AXIOS: Change("1.14.0", "1.14.1"),
        PLAIN: Change(None, "4.2.1"),
        SCOPED: Change("1.0.0", "2.0.0"),
    }
    vs = verdicts()
    entries = []
    for pkg in sorted(g.dependencies(), key=lambda p: p.id):
        if diff and pkg.id not in changes:
            continue
        entries.append(
            Entry(
                package=pkg,
                direct=pkg.id in direct,
                paths=tuple(tuple(p) for p in index.paths(pkg.id, 5)),
                verdict=vs.get(pkg.id),
                change=changes.get(pkg.id) if diff else None,
                triage=triage.get(pkg.id),
            )
        )
    return Report(
        graph=g,
        as_of=AS_OF,
        generated_at=GENERATED,
        entries=tuple(entries),
        errors=(SourceError("npm", GHOST.purl, "timed out after 10 s"),),
        removed=(pid("form-data", "4.0.0"),) if diff else (),
        lockfile_display="package-lock.json",
    )


def clean_report() -> Report:
    """Nothing risky: every package judged with no findings."""
    base = report()
    entries = tuple(
        replace(e, verdict=Verdict(e.id, Level.NONE, 0, ()), triage=None) for e in base.entries
    )
    return replace(base, entries=entries, errors=())
