"""Property tests: any mutation of a pnpm-lock.yaml reads into a graph or raises LockfileError."""

from __future__ import annotations

import copy
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from depview.lockfiles.pnpm import PnpmLockReader, _Fallback, _fast_documents
from tests.lockfiles.mutations import (
    WRONG_VALUES,
    check_npm_reader,
    head_of,
    set_at,
    text_mutations,
    value_paths,
)

DATA = Path(__file__).resolve().parents[1] / "data" / "pnpm"
READER = PnpmLockReader(manifests=None)
PATH = Path("/nonexistent/pnpm-lock.yaml")
LOADER = getattr(yaml, "CBaseLoader", yaml.BaseLoader)


SEEDS = [
    head_of(DATA / "pnpm-gen-ws-v5.4" / "pnpm-lock.yaml"),
    head_of(DATA / "pnpm-gen-ws-v6.0" / "pnpm-lock.yaml"),
    head_of(DATA / "pnpm-gen-ws-v9.0-pnpm9" / "pnpm-lock.yaml"),
    *(
        (DATA / "osv-scalibr-pnpmlock" / "fixtures" / name).read_text(encoding="utf-8")
        for name in (
            "commits.yaml",
            "commits.v9.yaml",
            "files.yaml",
            "exotic.yaml",
            "tarball.yaml",
            "peer-dependencies-advanced.v9.yaml",
            "peer-dependencies-advanced-v6.yaml",
        )
    ),
]

NASTY = st.text(
    alphabet=st.sampled_from(list(" \n\t:\"'#-@/{}[](),&*!|>%\\^~=._0123456789abcxyz\x00\u00e9")),
    max_size=12,
)


def check(text: str) -> None:
    check_npm_reader(READER, PATH, text)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text_mutations(SEEDS, NASTY, max_indent=9))
def test_mutated_text_reads_or_fails_cleanly(text: str) -> None:
    check(text)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text_mutations(SEEDS, NASTY, max_indent=9))
def test_fast_parser_agrees_with_pyyaml(text: str) -> None:
    """Where the fast parser accepts a text, PyYAML's base loader reads the same data."""
    try:
        fast = [d.data for d in _fast_documents(text) if d.data is not None]
    except _Fallback:  # anything it refuses goes to PyYAML
        return
    try:
        slow = [d for d in yaml.load_all(text, Loader=LOADER) if d is not None]
    except yaml.YAMLError:
        # the fast subset is more lenient than YAML in places; the reader then
        # accepts a text PyYAML would refuse, which is fine (graph or error)
        return
    assert fast == slow


DOCS = [yaml.load(seed, Loader=LOADER) for seed in SEEDS]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, len(DOCS) - 1), st.data())
def test_wrong_types_anywhere(index: int, data: st.DataObject) -> None:
    doc = copy.deepcopy(DOCS[index])
    target = data.draw(st.sampled_from(value_paths(doc)))
    doc = set_at(doc, target, data.draw(WRONG_VALUES))
    check(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True))
