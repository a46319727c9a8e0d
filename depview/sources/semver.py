"""Semantic Versioning 2.0.0 versions and their precedence (npm's ordering).

Parsing is a little lenient the way npm is with published versions: a leading
``v`` or ``=`` and surrounding blanks are dropped. Build metadata is kept but
ignored for precedence. Anything else that is not SemVer gives ``None``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import total_ordering

__all__ = ["SemVer", "compare", "parse"]

_SEMVER = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*)(?:\.(?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*))*))?"
    r"(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$",
    re.ASCII,
)
_MAX_LEN = 256

Identifier = int | str


def _ident_key(ident: Identifier) -> tuple[int, int, str]:
    # Numeric identifiers sort before alphanumeric ones; numbers numerically, text by ASCII.
    if isinstance(ident, int):
        return (0, ident, "")
    return (1, 0, ident)


@total_ordering
@dataclass(frozen=True, slots=True)
class SemVer:
    major: int
    minor: int
    patch: int
    prerelease: tuple[Identifier, ...] = ()
    build: tuple[str, ...] = field(default=(), compare=False)

    def _key(self) -> tuple[object, ...]:
        # A version without prerelease has higher precedence than one with.
        pre: tuple[object, ...] = (
            (0, tuple(_ident_key(i) for i in self.prerelease)) if self.prerelease else (1, ())
        )
        return (self.major, self.minor, self.patch, pre)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, SemVer):
            return NotImplemented
        return self._key() < other._key()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SemVer):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    @property
    def is_prerelease(self) -> bool:
        return bool(self.prerelease)

    def __str__(self) -> str:
        out = f"{self.major}.{self.minor}.{self.patch}"
        if self.prerelease:
            out += "-" + ".".join(str(i) for i in self.prerelease)
        if self.build:
            out += "+" + ".".join(self.build)
        return out


def parse(text: str) -> SemVer | None:
    """The SemVer in ``text``, or None when it is not one."""
    if len(text) > _MAX_LEN:
        return None
    raw = text.strip()
    if raw[:1] in ("v", "V", "="):
        raw = raw[1:]
    match = _SEMVER.fullmatch(raw)
    if match is None:
        return None
    major, minor, patch, pre, build = match.groups()
    prerelease: tuple[Identifier, ...] = ()
    if pre:
        prerelease = tuple(int(p) if p.isdigit() else p for p in pre.split("."))
    return SemVer(
        int(major),
        int(minor),
        int(patch),
        prerelease,
        tuple(build.split(".")) if build else (),
    )


def compare(a: str, b: str) -> int | None:
    """-1, 0 or 1 by SemVer precedence; None if either is not a SemVer."""
    va, vb = parse(a), parse(b)
    if va is None or vb is None:
        return None
    return (va > vb) - (va < vb)
