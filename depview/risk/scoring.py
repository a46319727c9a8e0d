"""A 0-100 score: monotone in the level, and within a level in the number and weight of signals.

Each level owns a band (none 0, info 5-14, low 15-34, medium 35-59, high 60-84,
critical 85-100). Inside its band a package moves up by the total weight of its
findings (critical 6, high 4, medium 2, low 1, info 0.5 each), capped at the top
of the band. Adding a finding
never lowers the score; a higher level always scores more than any lower one.
"""

from __future__ import annotations

from collections.abc import Sequence

from depview.risk.model import Finding, Level

__all__ = ["BANDS", "score"]

#: (lowest, highest) score of each level.
BANDS: dict[Level, tuple[int, int]] = {
    Level.NONE: (0, 0),
    Level.INFO: (5, 14),
    Level.LOW: (15, 34),
    Level.MEDIUM: (35, 59),
    Level.HIGH: (60, 84),
    Level.CRITICAL: (85, 100),
}

_WEIGHT: dict[Level, float] = {
    Level.NONE: 0.0,
    Level.INFO: 0.5,
    Level.LOW: 1.0,
    Level.MEDIUM: 2.0,
    Level.HIGH: 4.0,
    Level.CRITICAL: 6.0,
}


_NONE = Level.NONE  # (an enum member read from its class costs a function call)


def score(level: Level, findings: Sequence[Finding], combinations: int = 0) -> int:
    low, high = BANDS[level]
    if level is _NONE:
        return 0
    # Only the findings count inside the band: a combination rule is implied by the
    # findings that fired it, and counting rules separately would let a stronger
    # finding (which makes the rule redundant) lower the score.
    del combinations
    weight = sum([_WEIGHT[f.severity] for f in findings])
    return min(high, low + int(round(weight)))
