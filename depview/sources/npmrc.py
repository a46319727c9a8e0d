"""npm configuration: which registry serves a name, and which token goes with a URL.

Read from the project's ``.npmrc`` and the user's (``$NPM_CONFIG_USERCONFIG`` or
``~/.npmrc``); the project file wins. Understood keys: ``registry``,
``@scope:registry`` and the per-registry credentials ``//host[:port]/path/:_authToken``
and ``//host[:port]/path/:_auth``. ``${VAR}`` in values is expanded from the environment.

Tokens are handed out only for a URL whose host and port equal the ones in the
key and whose path lies under the key's path, and only over https (or plain
http to a loopback address). They never appear in ``repr``, logs or errors.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote, urlsplit

from depview.config import DEFAULT_NPM_REGISTRY

__all__ = ["NpmConfig", "escape_npm_name", "parse_npmrc"]

_ENV = re.compile(r"\$\{([A-Za-z0-9_]+)\}")
_MAX_NPMRC = 1024 * 1024


def parse_npmrc(text: str, environ: Mapping[str, str]) -> dict[str, str]:
    """``key=value`` lines (``#``/``;`` comments, optional quotes, ``${VAR}`` expansion)."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped[0] in "#;" or "=" not in stripped:
            continue
        key, _, value = stripped.partition("=")
        key, value = key.strip(), value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        value = _ENV.sub(lambda m: environ.get(m.group(1), ""), value)
        if key:
            out[key] = value
    return out


def _read(path: Path, environ: Mapping[str, str]) -> dict[str, str]:
    try:
        if not path.is_file() or path.stat().st_size > _MAX_NPMRC:
            return {}
        return parse_npmrc(path.read_text(encoding="utf-8", errors="replace"), environ)
    except OSError:
        return {}


@lru_cache(maxsize=1 << 16)  # asked for every name, twice on a warm run
def escape_npm_name(name: str) -> str:
    """The registry path of a name: ``@scope/pkg`` -> ``@scope%2fpkg``."""
    if name.startswith("@") and "/" in name:
        scope, _, bare = name.partition("/")
        return "@" + quote(scope[1:], safe="") + "%2f" + quote(bare, safe="")
    return quote(name, safe="@")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _netloc(scheme: str, host: str, port: int | None) -> str:
    default = {"https": 443, "http": 80}.get(scheme)
    host = host.lower()
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return host if port in (None, default) else f"{host}:{port}"


@dataclass(frozen=True, slots=True)
class _Credential:
    netloc: str  # host[:port], lower-case
    path: str  # "/..." ending with "/"
    header: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class NpmConfig:
    """Registry routing and credentials for npm requests."""

    registry: str = DEFAULT_NPM_REGISTRY
    scopes: Mapping[str, str] = field(default_factory=dict)  # "@scope" -> registry base
    credentials: tuple[_Credential, ...] = field(default=(), repr=False)

    @classmethod
    def load(
        cls,
        project_dir: Path | None,
        override: str | None = None,
        environ: Mapping[str, str] | None = None,
        home: Path | None = None,
    ) -> NpmConfig:
        env = os.environ if environ is None else environ
        user_path = env.get("NPM_CONFIG_USERCONFIG") or env.get("npm_config_userconfig")
        if user_path:
            user_file: Path | None = Path(user_path).expanduser()
        else:
            base = home if home is not None else Path.home()
            user_file = base / ".npmrc"
        merged: dict[str, str] = {}
        if user_file is not None:
            merged.update(_read(user_file, env))
        if project_dir is not None:
            merged.update(_read(Path(project_dir) / ".npmrc", env))
        return cls.from_values(merged, override)

    @classmethod
    def from_values(cls, values: Mapping[str, str], override: str | None = None) -> NpmConfig:
        registry = override or values.get("registry") or DEFAULT_NPM_REGISTRY
        scopes: dict[str, str] = {}
        creds: list[_Credential] = []
        for key, value in values.items():
            if key.startswith("@") and key.endswith(":registry") and value:
                scopes[key[: -len(":registry")]] = value.rstrip("/")
            elif key.startswith("//") and value:
                where, _, setting = key.rpartition(":")
                if setting == "_authToken":
                    header = f"Bearer {value}"
                elif setting == "_auth":
                    header = f"Basic {value}"
                else:
                    continue
                split = urlsplit("https:" + where)
                if not split.hostname:
                    continue
                try:
                    port = split.port
                except ValueError:
                    continue
                path = split.path or "/"
                if not path.endswith("/"):
                    path += "/"
                creds.append(_Credential(_netloc("https", split.hostname, port), path, header))
        return cls(registry.rstrip("/"), scopes, tuple(creds))

    def registry_for(self, name: str) -> str:
        if name.startswith("@") and "/" in name:
            scoped = self.scopes.get(name.partition("/")[0])
            if scoped:
                return scoped
        return self.registry

    def url_for(self, name: str) -> str:
        return f"{self.registry_for(name)}/{escape_npm_name(name)}"

    def authorization(self, url: str) -> str | None:
        """The Authorization header for ``url``, or None (wrong host, port, path or scheme)."""
        if not self.credentials:
            return None
        try:
            split = urlsplit(url)
            port = split.port
        except ValueError:
            return None
        host = split.hostname
        if host is None or split.scheme not in ("https", "http"):
            return None
        if split.scheme == "http" and not _is_loopback(host):
            return None  # never send a token in clear text over the network
        netloc = _netloc(split.scheme, host, port)
        path = split.path or "/"
        best: _Credential | None = None
        for cred in self.credentials:
            # Keys carry no scheme: "//host/" means the default port of the request's scheme.
            if cred.netloc != netloc:
                continue
            if not (path + "/").startswith(cred.path) and not path.startswith(cred.path):
                continue
            if best is None or len(cred.path) > len(best.path):
                best = cred
        return best.header if best is not None else None
