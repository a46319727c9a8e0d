"""Property tests for the requirements parser: pins round-trip through every layout
pip accepts, and no text makes the reader fail with anything but LockfileError."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from depview.errors import LockfileError
from depview.lockfiles._pycommon import lock_details
from depview.lockfiles.requirements import READERS, Pin, parse_requirement
from depview.model import DependencyGraph
from tests.lockfiles.helpers import norm

READER = READERS[0]
NOWHERE = Path("/nonexistent-depview-dir/requirements.txt")

names = st.from_regex(r"[A-Za-z0-9]([A-Za-z0-9._-]{0,12}[A-Za-z0-9])?", fullmatch=True)
hexes = st.from_regex(r"[0-9a-f]{64}", fullmatch=True)


@st.composite
def versions(draw: st.DrawFn) -> str:
    release = ".".join(str(n) for n in draw(st.lists(st.integers(0, 2000), min_size=1, max_size=4)))
    pre = draw(st.sampled_from(["", "a1", "b2", "rc3", ".post1", ".dev4", "a1.post2.dev3"]))
    local = draw(st.sampled_from(["", "+local.7", "+ubuntu1"]))
    epoch = draw(st.sampled_from(["", "", "1!"]))
    return f"{epoch}{release}{pre}{local}"


@st.composite
def requirement_texts(draw: st.DrawFn) -> tuple[str, str, str, list[str], int]:
    """(text, name, version, hashes, 1-based line of the requirement)."""
    name = draw(names)
    version = draw(versions())
    hashes = draw(st.lists(hexes, max_size=3))
    extras = draw(st.lists(names, max_size=2))
    op = draw(st.sampled_from(["==", " == ", "==  ", "==="]))
    head = name
    if extras:
        head += "[" + ",".join(extras) + "]"
    head += f"{op}{version}"
    if draw(st.booleans()):
        head += ' ; python_version >= "3.8"'
    opts = [f"--hash=sha256:{h}" for h in hashes]
    if draw(st.booleans()):
        opts.insert(0, "--config-settings=key=value")
    if opts and draw(st.booleans()):
        body = head + " \\\n" + " \\\n".join("    " + o for o in opts)
    else:
        body = " ".join([head, *opts])
    if draw(st.booleans()):
        body += "  # via something"
    before = draw(
        st.lists(
            st.sampled_from(["# comment", "", "   ", "--index-url https://x.invalid/simple"]),
            max_size=3,
        )
    )
    text = "\n".join([*before, body, "    # via other"]) + "\n"
    return text, name, version, [f"sha256:{h}" for h in hashes], len(before) + 1


@settings(max_examples=100, deadline=None)
@given(requirement_texts())
def test_pin_round_trip(sample: tuple[str, str, str, list[str], int]) -> None:
    text, name, version, hashes, line = sample
    graph = READER.read(NOWHERE, text)
    [pkg] = list(graph.dependencies())
    assert pkg.name == norm(name)
    assert pkg.version == version
    assert pkg.line == line
    assert list(lock_details(graph).hashes.get(pkg.id, ())) == hashes
    assert pkg.integrity == (hashes[0] if hashes else None)
    assert lock_details(graph).skipped == ()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(names, versions()), min_size=1, max_size=8))
def test_many_pins_one_per_line(pins: list[tuple[str, str]]) -> None:
    text = "".join(f"{n}=={v}\n" for n, v in pins)
    graph = READER.read(NOWHERE, text)
    want = {(norm(n), v) for n, v in pins}
    assert {(p.name, p.version) for p in graph.dependencies()} == want
    for pkg in graph.dependencies():
        first = next(i for i, (n, v) in enumerate(pins) if (norm(n), v) == (pkg.name, pkg.version))
        assert pkg.line == first + 1


@settings(max_examples=60, deadline=None)
@given(names, versions(), st.sampled_from([">=", "<=", "~=", "!=", ">", "<"]))
def test_ranges_are_never_pins(name: str, version: str, op: str) -> None:
    result = parse_requirement(f"{name}{op}{version}")
    assert not isinstance(result, Pin)
    graph = READER.read(NOWHERE, f"{name}{op}{version}\n")
    assert list(graph.dependencies()) == []
    [skipped] = lock_details(graph).skipped
    assert skipped.line == 1


lines = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        ["-r x.txt", "-c", "-e .", "--hash", "\\", "a==1 \\", "#", "a==1 --hash", "a @ ", "-rfoo"]
    ),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(lines, max_size=12))
def test_any_text_gives_a_graph_or_lockfile_error(parts: list[str]) -> None:
    text = "\n".join(parts)
    try:
        graph = READER.read(NOWHERE, text)
    except LockfileError as exc:
        assert exc.path.startswith(str(NOWHERE.parent)) or exc.path == str(NOWHERE)
        return
    assert isinstance(graph, DependencyGraph)
    for edge in graph.children(graph.root):
        assert edge.child in graph.packages
