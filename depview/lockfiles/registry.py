"""The table of lockfile readers, in detection order (the only place formats are listed)."""

from __future__ import annotations

from depview.lockfiles.interface import LockfileReader

__all__ = ["READERS"]

READERS: dict[str, LockfileReader] = {}


def _register(reader: LockfileReader) -> None:
    READERS[reader.name] = reader


def _load() -> None:
    import importlib

    for module in (
        "package_lock",
        "yarn",
        "pnpm",
        "uv",
        "poetry",
        "pipfile",
        "pylock",
        "requirements",
    ):
        try:
            mod = importlib.import_module(f"depview.lockfiles.{module}")
        except ModuleNotFoundError as exc:  # pragma: no cover - during development only
            if exc.name != f"depview.lockfiles.{module}":
                raise
            continue
        for reader in getattr(mod, "READERS", ()):
            _register(reader)


_load()
