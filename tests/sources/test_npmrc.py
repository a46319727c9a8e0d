"""``.npmrc``: registry routing and where tokens may go."""

from __future__ import annotations

from pathlib import Path

import pytest

from depview.config import DEFAULT_NPM_REGISTRY
from depview.sources.npmrc import NpmConfig, escape_npm_name, parse_npmrc


def test_parse_comments_quotes_and_env() -> None:
    text = """
# comment
; also a comment
registry = "https://r.example/"
//r.example/:_authToken=${TOKEN}
@corp:registry=https://corp.example/npm/
broken line
"""
    values = parse_npmrc(text, {"TOKEN": "s3cret"})
    assert values == {
        "registry": "https://r.example/",
        "//r.example/:_authToken": "s3cret",
        "@corp:registry": "https://corp.example/npm/",
    }


def test_project_file_beats_user_file(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / ".npmrc").write_text("registry=https://user.example/\n@a:registry=https://a.example\n")
    project = tmp_path / "proj"
    project.mkdir()
    (project / ".npmrc").write_text("registry=https://project.example/\n")
    config = NpmConfig.load(project, environ={}, home=home)
    assert config.registry == "https://project.example"
    assert config.registry_for("@a/x") == "https://a.example"
    assert config.registry_for("@b/x") == "https://project.example"
    assert (
        NpmConfig.load(project, "https://cli.example/", environ={}, home=home).registry
        == "https://cli.example"
    )
    assert (
        NpmConfig.load(None, environ={}, home=tmp_path / "nowhere").registry == DEFAULT_NPM_REGISTRY
    )


def test_url_escaping() -> None:
    assert escape_npm_name("@babel/core") == "@babel%2fcore"
    assert escape_npm_name("left-pad") == "left-pad"
    config = NpmConfig.from_values({}, "https://r.example/")
    assert config.url_for("@babel/core") == "https://r.example/@babel%2fcore"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://r.example/left-pad", "Bearer T1"),
        ("https://r.example:443/left-pad", "Bearer T1"),
        ("https://r.example:8443/left-pad", None),
        ("https://other.example/left-pad", None),
        ("https://r.example.evil/left-pad", None),
        ("http://r.example/left-pad", None),  # never in clear text off the machine
        ("https://corp.example/npm/@corp%2fx", "Bearer T2"),
        ("https://corp.example/other/@corp%2fx", None),
        ("http://127.0.0.1:8080/x", "Basic QUJD"),
        ("http://127.0.0.1:8081/x", None),
        ("http://127.0.0.2:8080/x", None),
    ],
)
def test_tokens_only_for_their_own_host(url: str, expected: str | None) -> None:
    config = NpmConfig.from_values(
        {
            "//r.example/:_authToken": "T1",
            "//corp.example/npm/:_authToken": "T2",
            "//127.0.0.1:8080/:_auth": "QUJD",
            "//bad:port/:_authToken": "T3",
        }
    )
    assert config.authorization(url) == expected


def test_tokens_are_not_in_repr() -> None:
    config = NpmConfig.from_values({"//r.example/:_authToken": "very-secret"})
    assert "very-secret" not in repr(config)
    assert "very-secret" not in str(config.credentials)
