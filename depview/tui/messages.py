"""App-wide messages: enrichment progress and verdict batches.

The enrichment worker never touches widgets. It parks verdicts in the app's
pending buffer and posts :class:`VerdictsPending`; consecutive pending
notices coalesce (``can_replace``), so a burst of batches costs one repaint.
:class:`EnrichmentProgress` coalesces the same way (only the latest counts).
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from depview.model import PackageId

__all__ = ["EnrichmentProgress", "JumpRequested", "VerdictsPending"]


class VerdictsPending(Message):
    """New verdicts wait in the app's buffer; drain it."""

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, VerdictsPending)


@dataclass
class EnrichmentProgress(Message):
    """How far the registry fetch has got."""

    done: int
    total: int
    errors: int = 0

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, EnrichmentProgress)


@dataclass
class JumpRequested(Message):
    """Move the tree cursor to ``location`` (top-level id ... package id)."""

    location: tuple[PackageId, ...]
