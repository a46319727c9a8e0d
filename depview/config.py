"""Settings: command line > environment > ``.depview.toml`` > ``[tool.depview]`` > defaults."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from depview.errors import UsageError
from depview.risk.model import Level

__all__ = ["Settings", "load_settings", "parse_instant"]

DEFAULT_NPM_REGISTRY = "https://registry.npmjs.org"
DEFAULT_PYPI_URL = "https://pypi.org"
DEFAULT_OSV_URL = "https://api.osv.dev"


@dataclass(frozen=True, slots=True)
class Settings:
    """Every knob of a run. Frozen; build variants with ``dataclasses.replace``."""

    as_of: datetime | None = None  # None: now
    offline: bool = False
    snapshot: Path | None = None
    record: Path | None = None
    npm_registry: str | None = None  # None: from .npmrc, else the public registry
    pypi_url: str = DEFAULT_PYPI_URL
    osv_url: str = DEFAULT_OSV_URL
    osv_db: Path | None = None
    cooldown_days: float = 7.0
    young_package_days: float = 30.0
    cache_dir: Path | None = None
    no_cache: bool = False
    no_dev: bool = False
    fail_on: Level = Level.HIGH
    concurrency: int = 16
    connect_timeout: float = 5.0
    read_timeout: float = 15.0
    deadline: float = 120.0  # seconds for the whole enrichment
    retries: int = 3

    @property
    def instant(self) -> datetime:
        return self.as_of if self.as_of is not None else datetime.now(UTC)

    @property
    def network(self) -> bool:
        return not (self.offline or self.snapshot is not None)


def parse_instant(text: str) -> datetime:
    """ISO 8601 with ``Z`` or an offset (a date alone means midnight UTC)."""
    raw = text.strip()
    if raw.endswith(("Z", "z")):
        raw = raw[:-1] + "+00:00"
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise UsageError(f"--as-of: not an ISO 8601 timestamp: {text!r}") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


# Keys accepted in [tool.depview] / .depview.toml, with their converters.
def _to_path(v: Any) -> Path:
    return Path(str(v)).expanduser()


_CONVERT: dict[str, Any] = {
    "as_of": lambda v: v if isinstance(v, datetime) else parse_instant(str(v)),
    "offline": bool,
    "snapshot": _to_path,
    "record": _to_path,
    "npm_registry": str,
    "pypi_url": str,
    "osv_url": str,
    "osv_db": _to_path,
    "cooldown_days": float,
    "cooldown": float,
    "young_package_days": float,
    "cache_dir": _to_path,
    "no_cache": bool,
    "no_dev": bool,
    "fail_on": lambda v: Level.parse(str(v)),
    "concurrency": int,
    "connect_timeout": float,
    "read_timeout": float,
    "deadline": float,
    "retries": int,
}
_FIELDS = {f.name for f in fields(Settings)}


def _from_table(table: Mapping[str, Any], origin: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in table.items():
        norm = key.replace("-", "_")
        conv = _CONVERT.get(norm)
        if conv is None:
            raise UsageError(f"{origin}: unknown setting {key!r}")
        try:
            converted = conv(value)
        except (TypeError, ValueError) as exc:
            raise UsageError(f"{origin}: bad value for {key!r}: {exc}") from None
        out["cooldown_days" if norm == "cooldown" else norm] = converted
    return out


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path}: invalid TOML: {exc}") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot read: {exc.strerror or exc}") from None


def file_settings(project_dir: Path) -> dict[str, Any]:
    """``[tool.depview]`` from pyproject.toml, then ``.depview.toml`` over it."""
    merged: dict[str, Any] = {}
    pyproject = project_dir / "pyproject.toml"
    if pyproject.is_file():
        tool = _read_toml(pyproject).get("tool", {})
        table = tool.get("depview") if isinstance(tool, dict) else None
        if isinstance(table, dict):
            merged.update(_from_table(table, f"{pyproject} [tool.depview]"))
    dotfile = project_dir / ".depview.toml"
    if dotfile.is_file():
        data = _read_toml(dotfile)
        table = data.get("tool", {}).get("depview", data) if "tool" in data else data
        merged.update(_from_table(table, str(dotfile)))
    return merged


def env_settings(environ: Mapping[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for var, key in (
        ("DEPVIEW_NPM_REGISTRY", "npm_registry"),
        ("DEPVIEW_PYPI_URL", "pypi_url"),
        ("DEPVIEW_OSV_URL", "osv_url"),
    ):
        if environ.get(var):
            out[key] = environ[var]
    return out


def load_settings(
    project_dir: Path,
    cli: Mapping[str, Any],
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Merge the layers; ``cli`` holds only options the user actually gave."""
    values: dict[str, Any] = {}
    values.update(file_settings(project_dir))
    values.update(env_settings(os.environ if environ is None else environ))
    values.update({k: v for k, v in cli.items() if v is not None and k in _FIELDS})
    settings = replace(Settings(), **values)
    if settings.snapshot is not None:
        settings = replace(settings, offline=True)
    if settings.cooldown_days < 0 or settings.young_package_days < 0:
        raise UsageError("cooldown and young-package days must not be negative")
    if settings.concurrency < 1:
        raise UsageError("concurrency must be at least 1")
    return settings
