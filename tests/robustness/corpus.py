"""The hostile metadata corpus: payloads, and the generator of ``tests/data/hostile/``.

Every string a lockfile or a registry hands depview is attacker-controlled. The
corpus puts Rich/Textual markup, ANSI/OSC escapes, bidi overrides, zero-width
characters, NUL bytes and 1 MB strings into every field a surface shows:
package names (lockfile keys and ``name`` fields), versions, resolved URLs,
descriptions, maintainers, ``_npmUser``, install-script commands, deprecation
notices, new dependency names, advisory ids, summaries, details, aliases and
references.

``python -m tests.robustness.corpus`` rewrites ``tests/data/hostile/{project,snapshot}``;
``test_corpus_is_current`` checks that the committed files equal what this
module writes, so the payload constants below are what the tests look for.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

__all__ = [
    "AS_OF",
    "HOSTILE_DIR",
    "LOCKFILE",
    "SNAPSHOT",
    "write_corpus",
]

HOSTILE_DIR = Path(__file__).resolve().parent.parent / "data" / "hostile"
PROJECT = HOSTILE_DIR / "project"
LOCKFILE = PROJECT / "package-lock.json"
SNAPSHOT = HOSTILE_DIR / "snapshot"
AS_OF = "2026-04-01T00:00:00Z"

# -- payloads -------------------------------------------------------------------------------

#: Rich/Textual markup: a link, styles, a bare closing tag and an action link.
MARKUP = (
    "[link=https://evil.test/m]click me[/link] [bold red]BOLD[/bold red] [/] "
    "[@click=app.quit]QUITLINK[/] [reverse blink]x"
)
#: ANSI: CSI colour, OSC 0 title change, OSC 8 hyperlink, ESC c (full reset), 8-bit CSI.
ANSI = (
    "\x1b[31mRED\x1b[0m \x1b]0;PWNED-TITLE\x07 "
    "\x1b]8;;https://evil.test/osc8\x1b\\OSC8LINK\x1b]8;;\x1b\\ "
    "\x1bc \x9b31mC1RED\x9b0m \x1b[2J\x1b[H"
)
#: Bidi overrides and isolates, zero-width characters, a BOM.
BIDI = "abc\u202edcba\u202c \u2066iso\u2069 \u2067rli\u2069 \u2068fsi\u2069 zero\u200bwidth\u200d\u200c\ufeff"
NUL = "nul\x00byte"
#: Lone UTF-16 surrogates (a JSON "\ud800" escape decodes to one): not encodable as UTF-8.
SURROGATE = "lone\ud800surrogate\udfff"
HOSTILE = f"{MARKUP} {ANSI} {BIDI} {NUL}"
#: One megabyte, ending in markup and an escape (so a surface that shows the tail shows them).
BIG = HOSTILE + "M" * 1_000_000 + "[/]\x1b[2J"

# Package names (each is a lockfile package; some also have a snapshot packument).
META = "evil-meta"  # a plain name whose registry metadata is hostile everywhere
CLICK = "[@click=app.quit]x"  # markup as a name (a legal file name: it has a packument)
LINK_NAME = "[link=https://evil.test/n]x[/link]"  # markup with '/' and ':' (no packument)
ANSI_NAME = "\x1b[31mred\x1b]0;NAME-TITLE\x07\x9b1mpkg"
BIDI_NAME = "bidi\u202egpj.exe\u2066x\u2069\u200b"
NUL_NAME = "nul\x00pkg"
SURROGATE_NAME = "surr\ud800pkg"
BIG_NAME = "big-" + "N" * 1_000_000
HOSTILE_VERSION_PKG = "hostile-version"
HOSTILE_VERSION = "1.0.0-[bold]x\x1b[2J\u202e"
GIT_PKG = "git-dep"
GIT_URL = "git+https://evil.test/[bold]repo\x1b]8;;https://evil.test\x1b\\.git#\u202edeadbeef"

ADVISORY_ID = "GHSA-h0st-1le0-0001"
MAL_ID = "MAL-2026-9999"
ESC_ID_FILE = "GHSA-esc-id"
ESC_ID = "GHSA-[bold]x\x1b[31m\u202e"

#: Every name the lockfile holds (as keys or ``name`` fields).
NAMES = (
    SURROGATE_NAME,
    META,
    CLICK,
    LINK_NAME,
    ANSI_NAME,
    BIDI_NAME,
    NUL_NAME,
    BIG_NAME,
    HOSTILE_VERSION_PKG,
    GIT_PKG,
)


def _integrity(seed: str) -> str:
    import base64
    import hashlib

    return "sha512-" + base64.b64encode(hashlib.sha512(seed.encode()).digest()).decode()


def lockfile() -> dict[str, Any]:
    """The victim project's package-lock v3."""

    def entry(tarball: str, version: str, **extra: Any) -> dict[str, Any]:
        out: dict[str, Any] = {
            "version": version,
            "resolved": f"https://registry.npmjs.org/{tarball}/-/{tarball}-{version}.tgz",
            "integrity": _integrity(f"{tarball}@{version}"),
        }
        out.update(extra)
        return out

    direct = {
        META: "^1.0.0",
        CLICK: "6.6.6",
        "link-name": f"npm:{LINK_NAME}@1.0.0",  # an alias: the real name has '/' and ':'
        ANSI_NAME: "1.0.0",
        BIDI_NAME: "1.0.0",
        NUL_NAME: "1.0.0",
        BIG_NAME: "1.0.0",
        HOSTILE_VERSION_PKG: "*",
        GIT_PKG: "github:evil/x",
        SURROGATE_NAME: "1.0.0",
    }
    packages: dict[str, Any] = {
        "": {"name": "hostile-project", "version": "1.0.0", "dependencies": direct},
        f"node_modules/{META}": entry(
            META, "1.0.1", dependencies={CLICK: "^6.6.6"}, hasInstallScript=True
        ),
        f"node_modules/{CLICK}": entry(CLICK, "6.6.6", hasInstallScript=True),
        # '/' in the name: the folder key cannot hold it, the aliased entry's name field does.
        "node_modules/link-name": entry("link-name", "1.0.0", name=LINK_NAME),
        f"node_modules/{ANSI_NAME}": entry("ansi", "1.0.0"),
        f"node_modules/{BIDI_NAME}": entry("bidi", "1.0.0", license=BIDI),
        f"node_modules/{NUL_NAME}": entry("nul", "1.0.0"),
        f"node_modules/{BIG_NAME}": entry("big", "1.0.0"),
        f"node_modules/{HOSTILE_VERSION_PKG}": entry(HOSTILE_VERSION_PKG, HOSTILE_VERSION),
        f"node_modules/{GIT_PKG}": {"version": "1.0.0", "resolved": GIT_URL},
        f"node_modules/{SURROGATE_NAME}": entry("surr", "1.0.0", license=SURROGATE),
    }
    return {
        "name": "hostile-project",
        "version": "1.0.0",
        "lockfileVersion": 3,
        "requires": True,
        "packages": packages,
    }


def manifest() -> dict[str, Any]:
    return {
        "name": "hostile-project",
        "version": "1.0.0",
        "dependencies": lockfile()["packages"][""]["dependencies"],
    }


def _person(name: str, email: str) -> dict[str, str]:
    return {"name": name, "email": email}


GOOD = _person("good-dev", "good-dev@example.test")
EVIL_USER = _person(MARKUP + " " + ANSI + " " + SURROGATE, BIDI + NUL + "@evil.test")
EVIL_MAINTAINERS = [
    _person(MARKUP, ANSI + "@evil.test"),
    _person(BIDI + NUL, "[link=mailto:x@evil.test]m[/link]"),
    f"{ANSI} <{MARKUP}@evil.test> (https://evil.test/{BIDI})",  # the string form
]


def _dist(name: str, version: str, *, provenance: bool) -> dict[str, Any]:
    dist: dict[str, Any] = {
        "integrity": _integrity(f"{name}@{version}"),
        "tarball": f"https://registry.npmjs.org/{name}/-/{name}-{version}.tgz",
    }
    if provenance:
        dist["attestations"] = {
            "url": f"https://registry.npmjs.org/-/npm/v1/attestations/{name}@{version}",
            "provenance": {"predicateType": "https://slsa.dev/provenance/v1"},
        }
    return dist


def meta_packument() -> dict[str, Any]:
    """``evil-meta``: 1.0.0 clean with provenance, 1.0.1 hostile in every field."""
    v100 = {
        "name": META,
        "version": "1.0.0",
        "description": "a clean release",
        "_npmUser": {**GOOD, "trustedPublisher": {"id": "github", "oidcConfigId": "x"}},
        "maintainers": [GOOD],
        "dependencies": {},
        "dist": _dist(META, "1.0.0", provenance=True),
        "gitHead": "0" * 40,
    }
    v101 = {
        "name": META,
        "version": "1.0.1",
        "description": HOSTILE,
        "_npmUser": EVIL_USER,
        "maintainers": EVIL_MAINTAINERS,
        "scripts": {
            "preinstall": ANSI,
            "postinstall": "node -e '" + HOSTILE + "' " + BIG,
            "test": MARKUP,
        },
        "deprecated": HOSTILE + " " + BIG,
        "dependencies": {CLICK: "^6.6.6", LINK_NAME: "1.0.0", BIDI_NAME: "1.0.0"},
        "dist": _dist(META, "1.0.1", provenance=False),
        "gitHead": HOSTILE,
        "repository": {"type": "git", "url": GIT_URL},
    }
    return {
        "_id": META,
        "_rev": "3-" + "a" * 32,
        "name": META,
        "description": BIG,
        "dist-tags": {"latest": "1.0.1", MARKUP: "1.0.0"},
        "versions": {"1.0.0": v100, "1.0.1": v101},
        "time": {
            "created": "2025-01-01T00:00:00.000Z",
            "modified": "2026-03-31T23:00:00.000Z",
            "1.0.0": "2025-01-01T00:00:00.000Z",
            "1.0.1": "2026-03-31T23:00:00.000Z",
        },
        "maintainers": EVIL_MAINTAINERS,
        "license": HOSTILE,
        "readme": HOSTILE,
        "readmeFilename": "README.md",
        "homepage": "javascript:alert(1)//" + MARKUP,
    }


def click_packument() -> dict[str, Any]:
    """A package named with markup: young, one hostile release with an install script."""
    v = {
        "name": CLICK,
        "version": "6.6.6",
        "description": HOSTILE,
        "_npmUser": _person(ANSI, MARKUP),
        "maintainers": [_person(ANSI, MARKUP)],
        "scripts": {"install": HOSTILE},
        "dist": _dist(CLICK, "6.6.6", provenance=False),
    }
    return {
        "_id": CLICK,
        "name": CLICK,
        "description": HOSTILE,
        "dist-tags": {"latest": "6.6.6"},
        "versions": {"6.6.6": v},
        "time": {
            "created": "2026-03-31T20:00:00.000Z",
            "modified": "2026-03-31T20:00:00.000Z",
            "6.6.6": "2026-03-31T20:00:00.000Z",
        },
        "maintainers": [_person(ANSI, MARKUP)],
    }


def advisory() -> dict[str, Any]:
    return {
        "schema_version": "1.6.0",
        "id": ADVISORY_ID,
        "modified": "2026-03-31T12:00:00Z",
        "published": "2026-03-31T12:00:00Z",
        "aliases": ["CVE-[bold]2026-0001[/bold]", ANSI, BIDI],
        "summary": HOSTILE + " " + SURROGATE,
        "details": BIG,
        "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
        "affected": [
            {
                "package": {"ecosystem": "npm", "name": META},
                "ranges": [
                    {
                        "type": "SEMVER",
                        "events": [{"introduced": "1.0.1"}, {"fixed": "1.0.2" + MARKUP}],
                    }
                ],
                "database_specific": {"source": HOSTILE},
            }
        ],
        "references": [
            {"type": "WEB", "url": "javascript:alert(1)//" + MARKUP},
            {"type": "ADVISORY", "url": "https://evil.test/" + ANSI},
        ],
        "database_specific": {"severity": "HIGH"},
    }


def malware_advisory() -> dict[str, Any]:
    return {
        "schema_version": "1.6.0",
        "id": MAL_ID,
        "modified": "2026-03-31T21:00:00Z",
        "published": "2026-03-31T21:00:00Z",
        "summary": "Malicious code in " + CLICK + " " + MARKUP,
        "details": HOSTILE,
        "affected": [
            {
                "package": {"ecosystem": "npm", "name": CLICK},
                "versions": ["6.6.6"],
                "database_specific": {"cwes": [{"cweId": "CWE-506", "name": MARKUP}]},
            }
        ],
    }


def escaped_id_advisory() -> dict[str, Any]:
    return {
        "schema_version": "1.6.0",
        "id": ESC_ID,
        "modified": "2026-03-30T00:00:00Z",
        "published": "2026-03-30T00:00:00Z",
        "summary": ANSI,
        "details": MARKUP,
        "affected": [{"package": {"ecosystem": "npm", "name": META}, "versions": ["1.0.1"]}],
    }


def files() -> dict[str, str]:
    """Relative path under ``tests/data/hostile`` -> file text."""

    def dump(doc: Any) -> str:
        # ensure_ascii: the files themselves hold no raw control bytes (NUL included).
        return json.dumps(doc, indent=2, ensure_ascii=True) + "\n"

    return {
        "project/package.json": dump(manifest()),
        "project/package-lock.json": dump(lockfile()),
        f"snapshot/npm/{META}.json": dump(meta_packument()),
        f"snapshot/npm/{CLICK}.json": dump(click_packument()),
        f"snapshot/osv/{ADVISORY_ID}.json": dump(advisory()),
        f"snapshot/osv/{MAL_ID}.json": dump(malware_advisory()),
        f"snapshot/osv/{ESC_ID_FILE}.json": dump(escaped_id_advisory()),
    }


def write_corpus(root: Path = HOSTILE_DIR) -> list[Path]:
    written = []
    for rel, text in files().items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


# -- what "inert" means -------------------------------------------------------------------------

#: Bytes that must never reach a terminal: C0 controls (but tab, newline), DEL, C1 controls.
RAW_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
#: Bidi controls and zero-width characters that must show as <U+XXXX>, never raw.
RAW_INVISIBLE = re.compile(r"[\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\ud800-\udfff]")


# -- hand-made regression inputs, one folder per reader --------------------------------------------


def _nested_v1(depth: int) -> dict[str, Any]:
    """A package-lock v1 whose ``dependencies`` nest ``depth`` levels (built iteratively)."""
    inner: dict[str, Any] = {"version": "1.0.0"}
    for i in range(depth):
        inner = {"version": "1.0.0", "dependencies": {f"d{i}": inner}}
    return {
        "name": "deep",
        "version": "1.0.0",
        "lockfileVersion": 1,
        "dependencies": {"top": inner},
    }


def _dumps_deep(doc: Any) -> str:
    import sys

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 50_000))
    try:
        return json.dumps(doc)
    finally:
        sys.setrecursionlimit(limit)


def regression_files() -> dict[str, str]:
    """``regressions/<reader>/<case>`` -> text: inputs that break naive readers."""
    laughs = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)
    )
    traversal = {
        "name": "t",
        "version": "1.0.0",
        "lockfileVersion": 3,
        "packages": {
            "": {
                "name": "t",
                "version": "1.0.0",
                "dependencies": {"../../x": "1", "/etc/passwd": "1"},
            },
            "node_modules/../../x": {"version": "1.0.0", "name": "../../x"},
            "node_modules//etc/passwd": {"version": "1.0.0", "name": "/etc/passwd"},
            "node_modules/..\\x": {
                "version": "1.0.0",
                "name": "..\\x",
                "link": True,
                "resolved": "../../../../etc",
            },
            "../../outside": {"version": "1.0.0"},
            "/abs/path": {"version": "1.0.0"},
        },
    }
    wrong_types = {
        "lockfileVersion": 3,
        "packages": {"": {"dependencies": ["a"]}, "node_modules/a": {"version": 1, "dev": "yes"}},
    }
    return {
        "npm-package-lock/deep-brackets.json": "[" * 50_000,
        "npm-package-lock/deep-objects.json": '{"a":' * 20_000 + "1" + "}" * 20_000,
        "npm-package-lock/deep-v1-dependencies.json": _dumps_deep(_nested_v1(5_000)),
        "npm-package-lock/duplicate-keys.json": '{"lockfileVersion": 3, "packages": {"": {}, "": {}}}',
        "npm-package-lock/traversal-names.json": json.dumps(traversal, indent=1),
        "npm-package-lock/wrong-types.json": json.dumps(wrong_types),
        "npm-package-lock/packages-is-list.json": '{"lockfileVersion": 2, "packages": [], "dependencies": 7}',
        "npm-package-lock/nul-and-escapes.json": json.dumps(
            {
                "lockfileVersion": 3,
                "packages": {"": {}, "node_modules/\x00\x1b[2J": {"version": "\x00"}},
            }
        ),
        "yarn-lock/deep-indent.lock": "".join(" " * (2 * i) + f"k{i}:\n" for i in range(700)),
        "yarn-lock/unterminated-quote.lock": '# yarn lockfile v1\n\n"a@^1.0.0:\n  version "1.0.0\n',
        "yarn-lock/berry-laughs.lock": "__metadata:\n  version: 6\n" + laughs,
        "yarn-lock/nul.lock": '# yarn lockfile v1\n\na@1:\n  version "1\x00"\n  resolved "\x1b]0;T\x07"\n',
        "pnpm-lock/billion-laughs.yaml": "lockfileVersion: '6.0'\n" + laughs + "packages: *i\n",
        "pnpm-lock/deep-flow.yaml": "lockfileVersion: '9.0'\npackages: " + "[" * 20_000,
        "pnpm-lock/python-tag.yaml": "lockfileVersion: '9.0'\npackages: !!python/object/apply:os.system ['true']\n",
        "pnpm-lock/wrong-types.yaml": "lockfileVersion: [1]\nimporters: 7\npackages:\n  /a@1: [x]\n  ../../x@1: {resolution: 5}\n",
        "uv-lock/deep-arrays.lock": "version = 1\nx = " + "[" * 50_000 + "]" * 50_000 + "\n",
        "uv-lock/duplicate-tables.lock": 'version = 1\n[[package]]\nname = "a"\nname = "b"\n',
        "uv-lock/wrong-types.lock": 'version = "one"\npackage = [{name = 1, version = [], dependencies = "x", source = 3}]\n',
        "poetry-lock/deep-inline.lock": "x = " + "{a = " * 20_000 + "1" + "}" * 20_000 + "\n",
        "poetry-lock/wrong-types.lock": '[[package]]\nname = ["x"]\nversion = {a = 1}\ndependencies = 3\n[metadata]\nlock-version = []\n',
        "poetry-lock/traversal.lock": '[[package]]\nname = "../../x"\nversion = "1.0"\n[package.source]\ntype = "directory"\nurl = "/etc"\n',
        "pipfile-lock/deep.json": '{"default":' * 20_000 + "{}" + "}" * 20_000,
        "pipfile-lock/wrong-types.json": '{"_meta": [], "default": {"a": "1.0", "b": {"version": 3, "hashes": "x"}}, "develop": 7}',
        "pipfile-lock/nul-names.json": json.dumps(
            {"_meta": {}, "default": {"\x00\x1b[31m": {"version": "==1"}}}
        ),
        "pylock/deep-arrays.toml": 'lock-version = "1.0"\nx = '
        + "[" * 50_000
        + "]" * 50_000
        + "\n",
        "pylock/wrong-types.toml": 'lock-version = 1\npackages = [{name = [], version = {}, wheels = "x"}]\n',
        "pylock/traversal.toml": 'lock-version = "1.0"\ncreated-by = "x"\n[[packages]]\nname = "../../x"\nversion = "1"\n[packages.directory]\npath = "/etc"\n',
        "requirements/continuations.txt": "a==1 \\\n" * 10_000 + "b==2\n",
        "requirements/include-self.txt": "-r requirements.txt\n-c requirements.txt\na==1\n",
        "requirements/include-outside.txt": "-r ../../../../../../etc/hostname\n-r /dev/zero\n-r /proc/self/environ\n",
        "requirements/hostile-lines.txt": "\x00==1\n\x1b[31mred==1\n[bold]x==1\n\u202eevil==1\nx=="
        + "9" * 5000
        + "\n",
    }


def write_regressions(root: Path = HOSTILE_DIR / "regressions") -> list[Path]:
    written = []
    for rel, text in regression_files().items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
        written.append(path)
    return written


if __name__ == "__main__":
    for path in [*write_corpus(), *write_regressions()]:
        print(path)
