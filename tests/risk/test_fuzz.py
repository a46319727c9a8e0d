"""Hostile or odd histories never crash the engine (hypothesis)."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from depview.metadata import Advisory, AffectedRange, PackageMetadata, Person, VersionInfo
from depview.risk.model import Level
from tests.risk.helpers import AS_OF, judge

texts = st.text(max_size=30)
people = st.one_of(
    st.none(), st.builds(Person, st.one_of(st.none(), texts), st.one_of(st.none(), texts))
)
version_text = st.one_of(
    st.from_regex(r"\A[0-9]{1,2}\.[0-9]{1,2}\.[0-9]{1,2}(-[a-z]{1,5}\.[0-9])?\Z"),
    st.from_regex(r"\A[0-9]{1,4}(\.[0-9]{1,3}){0,3}((a|b|rc|\.post|\.dev)[0-9])?\Z"),
    texts,
)
times = st.one_of(
    st.none(), st.integers(-2000, 60).map(lambda d: AS_OF + timedelta(days=d, minutes=d))
)


@st.composite
def version_infos(draw: st.DrawFn) -> VersionInfo:
    return VersionInfo(
        version=draw(version_text),
        published=draw(times),
        publisher=draw(people),
        trusted_publisher=draw(st.one_of(st.none(), st.just("github"))),
        provenance=draw(st.booleans()),
        maintainers=tuple(p for p in draw(st.lists(people, max_size=3)) if p is not None),
        install_scripts=draw(
            st.dictionaries(
                st.sampled_from(["preinstall", "install", "postinstall", "sdist"]),
                texts,
                max_size=2,
            )
        ),
        dependencies=draw(st.dictionaries(texts, texts, max_size=3)),
        integrity=draw(st.one_of(st.none(), texts, st.just("sha512-AAAA"))),
        hashes=tuple(draw(st.lists(texts, max_size=2))),
        deprecated=draw(st.one_of(st.none(), texts)),
        yanked=draw(st.booleans()),
        has_wheel=draw(st.one_of(st.none(), st.booleans())),
        files=tuple(draw(st.lists(texts, max_size=2))),
        unpublished=draw(st.booleans()),
    )


@settings(max_examples=80, deadline=None)
@given(
    st.lists(version_infos(), min_size=1, max_size=8),
    st.sampled_from(["npm", "pypi"]),
    st.booleans(),
    st.booleans(),
)
def test_any_history_is_judged(
    infos: list[VersionInfo], ecosystem: str, placeholder: bool, with_advisory: bool
) -> None:
    meta = PackageMetadata(
        ecosystem, "pkg", {i.version: i for i in infos}, security_placeholder=placeholder
    )
    advisories = (
        (
            Advisory(
                id="GHSA-x",
                ecosystem=ecosystem,
                package="pkg",
                ranges=(AffectedRange("ECOSYSTEM", (("introduced", "0"),)),),
            ),
        )
        if with_advisory
        else ()
    )
    for info in infos[:3]:
        verdict = judge(meta, info.version, advisories=advisories)
        assert Level.NONE <= verdict.level <= Level.CRITICAL
        assert 0 <= verdict.score <= 100
        if verdict.level >= Level.HIGH:
            assert verdict.suggestion is not None
