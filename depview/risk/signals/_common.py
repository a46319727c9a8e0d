"""Shared bits for signal functions: the signature, security wording, evidence helpers."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from depview.risk.context import PackageContext
from depview.risk.model import Finding

__all__ = ["SECURITY_WORDS", "Signal", "mentions_security"]

#: A signal: one pure function from a package's context to its findings.
Signal = Callable[[PackageContext], Iterable[Finding]]

SECURITY_WORDS = re.compile(
    r"secur|vulnerab|malic|malware|compromis|backdoor|exploit|\bcve-|\bghsa-|hijack|"
    r"stolen|trojan|credential|token leak|supply.chain",
    re.IGNORECASE,
)


def mentions_security(text: str | None) -> bool:
    """Does a deprecation notice or yank reason talk about a security problem?"""
    return bool(text) and SECURITY_WORDS.search(text or "") is not None
