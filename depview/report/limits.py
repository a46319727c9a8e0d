"""Bounds on what a report writes, whatever the lockfile and the registry hold.

- A "why is it here" path longer than :data:`PATH_MAX` packages is shown as its
  first :data:`PATH_HEAD` and last :data:`PATH_TAIL` packages (:func:`elide_path`).
  The JSON report keeps each path a list of ``name@version`` (the contract's
  form, direct dependency first, the package last) and then adds
  ``path_length``, the real number of packages on the path; prose formats put
  an ``… N more …`` marker in the gap.
- No single string in a machine-readable report is longer than
  :data:`MAX_STRING` characters (:func:`cap_strings`): readers already refuse
  implausible names and versions and registry text is capped where it is
  quoted, so this is a last line of defence for anything else (resolved URLs...).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from depview.textsafe import shorten

__all__ = ["MAX_STRING", "PATH_HEAD", "PATH_MAX", "PATH_TAIL", "cap_strings", "elide_path"]

PATH_HEAD = 10
PATH_TAIL = 10
PATH_MAX = PATH_HEAD + PATH_TAIL
MAX_STRING = 16_384

_T = TypeVar("_T")


def elide_path(path: Sequence[_T], length: int | None = None) -> tuple[list[_T], list[_T]]:
    """``(head, tail)``: the whole path and ``[]`` when it has at most :data:`PATH_MAX`
    packages, else its first :data:`PATH_HEAD` and its last :data:`PATH_TAIL`.

    ``length`` is the real length of a path that was already shortened (its head and
    tail only, as :class:`~depview.report.model.Entry` keeps long paths).
    """
    total = len(path) if length is None else max(length, len(path))
    if total <= PATH_MAX:
        return list(path), []
    return list(path[:PATH_HEAD]), list(path[len(path) - PATH_TAIL :])


def cap_strings(value: Any, limit: int = MAX_STRING) -> Any:
    """``value`` (JSON-ready data, changed in place) with every string over ``limit``
    characters, keys included, shortened to its first ``limit`` and ``…(N chars)``.

    Iterative, so any depth is fine; a string at the top level is returned shortened.
    """
    if isinstance(value, str):
        return shorten(value, limit)
    stack: list[Any] = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            for i, v in enumerate(item):
                if isinstance(v, str):
                    if len(v) > limit:
                        item[i] = shorten(v, limit)
                elif isinstance(v, dict | list):
                    stack.append(v)
        elif isinstance(item, dict):
            if any(isinstance(k, str) and len(k) > limit for k in item):
                fixed = {
                    (shorten(k, limit) if isinstance(k, str) else k): v for k, v in item.items()
                }
                item.clear()
                item.update(fixed)
            for k, v in item.items():
                if isinstance(v, str):
                    if len(v) > limit:
                        item[k] = shorten(v, limit)
                elif isinstance(v, dict | list):
                    stack.append(v)
    return value
