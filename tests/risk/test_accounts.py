"""publisher-change, maintainer-change, provenance-dropped: attacks and the benign traps."""

from __future__ import annotations

from depview.metadata import Person
from depview.risk.model import Level
from depview.risk.signals.accounts import maintainer_change, provenance_dropped, publisher_change
from tests.risk.helpers import (
    ALICE,
    BOB,
    GHA,
    MALLORY,
    ago,
    context,
    meta,
    only,
    run,
    tp_release,
    v,
)

ALICE_NEW_MAIL = Person("alice", "alice-evil@proton.me")


# --------------------------------------------------------------------------- publisher-change


def test_same_publisher_is_silent() -> None:
    m = meta("p", [v("1.0.0", ago(100)), v("1.0.1", ago(10))])
    assert run(publisher_change, context(m, "1.0.1")) == []


def test_first_release_is_silent() -> None:
    m = meta("p", [v("1.0.0", ago(10), MALLORY, (MALLORY,))])
    assert run(publisher_change, context(m, "1.0.0")) == []


def test_email_change_of_publishing_account_is_high() -> None:
    m = meta(
        "axios-like",
        [tp_release(f"1.{i}.0", ago(200 - i * 10)) for i in range(5)]
        + [v("1.5.0", ago(0, 2), ALICE_NEW_MAIL, (ALICE_NEW_MAIL,))],
    )
    # alice published nothing through the pipeline era but was listed with her old e-mail.
    m = meta("axios-like", [v("0.9.0", ago(400))] + list(m.versions.values()))
    f = only(run(publisher_change, context(m, "1.5.0")))
    assert f.severity is Level.HIGH
    assert "alice-evil@proton.me" in f.detail and "alice@example.com" in f.detail
    assert f.evidence["previous_emails"] == ["alice@example.com"]


def test_move_to_trusted_publishing_is_info() -> None:
    m = meta(
        "p",
        [
            v("1.0.0", ago(300), prov=True),
            v("1.0.1", ago(200), prov=True),
            tp_release("1.0.2", ago(5)),
        ],
    )
    f = only(run(publisher_change, context(m, "1.0.2")))
    assert f.severity is Level.INFO
    assert "trusted publishing" in f.detail


def test_long_listed_maintainer_publishing_first_time_is_low() -> None:
    vs = [v(f"1.0.{i}", ago(800 - i * 100), ALICE, (ALICE, BOB)) for i in range(6)]
    vs.append(v("1.0.6", ago(3), BOB, (ALICE, BOB)))
    f = only(run(publisher_change, context(meta("p", vs), "1.0.6")))
    assert f.severity is Level.LOW
    assert f.evidence["listed_days"] > 700


def test_recently_added_maintainer_publishing_is_medium() -> None:
    vs = [
        v("1.0.0", ago(400)),
        v("1.0.1", ago(20), ALICE, (ALICE, BOB)),
        v("1.0.2", ago(2), BOB, (ALICE, BOB)),
    ]
    f = only(run(publisher_change, context(meta("p", vs), "1.0.2")))
    assert f.severity is Level.MEDIUM


def test_account_with_no_history_is_medium() -> None:
    vs = [v("1.0.0", ago(400)), v("1.0.1", ago(200)), v("1.0.2", ago(2), MALLORY, (ALICE, MALLORY))]
    f = only(run(publisher_change, context(meta("p", vs), "1.0.2")))
    assert f.severity is Level.MEDIUM
    assert f.title == "new publisher"
    assert "mallory" in f.detail


def test_publisher_text_is_made_inert() -> None:
    evil = Person("x\x1b[31m[bold]evil", "e@x")
    vs = [v("1.0.0", ago(400)), v("1.0.1", ago(2), evil, (ALICE, evil))]
    f = only(run(publisher_change, context(meta("p", vs), "1.0.1")))
    assert "\x1b" not in f.detail


# --------------------------------------------------------------------------- maintainer-change


def test_unchanged_maintainers_are_silent() -> None:
    m = meta(
        "p", [v("1.0.0", ago(100), ALICE, (ALICE, BOB)), v("1.0.1", ago(1), BOB, (ALICE, BOB))]
    )
    assert run(maintainer_change, context(m, "1.0.1")) == []


def test_email_change_of_existing_maintainer_is_high() -> None:
    m = meta("p", [v("1.0.0", ago(100)), v("1.0.1", ago(1), ALICE_NEW_MAIL, (ALICE_NEW_MAIL,))])
    f = only(run(maintainer_change, context(m, "1.0.1")))
    assert f.severity is Level.HIGH
    assert f.evidence["email_changed"] == [
        {"account": "alice", "from": "alice@example.com", "to": "alice-evil@proton.me"}
    ]


def test_email_flip_back_to_a_known_address_is_not_high() -> None:
    m = meta(
        "p",
        [
            v("1.0.0", ago(300), ALICE, (ALICE,)),
            v("1.0.1", ago(200), ALICE_NEW_MAIL, (ALICE_NEW_MAIL,)),
            v("1.0.2", ago(1), ALICE, (ALICE,)),
        ],
    )
    assert run(maintainer_change, context(m, "1.0.2")) == []


def test_complete_handover_is_medium() -> None:
    m = meta(
        "p", [v("1.0.0", ago(100), ALICE, (ALICE, BOB)), v("1.0.1", ago(1), MALLORY, (MALLORY,))]
    )
    f = only(run(maintainer_change, context(m, "1.0.1")))
    assert f.severity is Level.MEDIUM
    assert "none of the previous maintainers remain" in f.detail


def test_added_maintainer_is_low_and_removed_only_is_info() -> None:
    added = meta("p", [v("1.0.0", ago(300)), v("2.0.0", ago(150), ALICE, (ALICE, BOB))])
    assert only(run(maintainer_change, context(added, "2.0.0"))).severity is Level.LOW
    removed = meta("p", [v("1.0.0", ago(300), ALICE, (ALICE, BOB)), v("1.0.1", ago(150))])
    assert only(run(maintainer_change, context(removed, "1.0.1"))).severity is Level.INFO


# --------------------------------------------------------------------------- provenance-dropped


def _pipeline_history() -> list:
    return [v("0.30.2", ago(500)), v("0.30.3", ago(40))] + [
        tp_release(f"1.{i}.0", ago(300 - i * 20)) for i in range(12)
    ]


def test_dropped_at_this_release_is_high() -> None:
    vs = _pipeline_history() + [v("1.12.1", ago(0, 2), ALICE_NEW_MAIL, (ALICE_NEW_MAIL,))]
    f = only(run(provenance_dropped, context(meta("p", vs), "1.12.1")))
    assert f.severity is Level.HIGH
    assert f.evidence["last_attested"] == "1.11.0"
    assert "previous 12 releases in 1.x" in f.detail
    assert "trusted publishing" in f.detail


def test_line_that_never_had_provenance_is_silent() -> None:
    vs = _pipeline_history() + [v("0.30.4", ago(0, 1), ALICE_NEW_MAIL, (ALICE_NEW_MAIL,))]
    assert run(provenance_dropped, context(meta("p", vs), "0.30.4")) == []


def test_release_with_provenance_is_silent() -> None:
    vs = _pipeline_history() + [v("1.12.1", ago(1), prov=True)]
    assert run(provenance_dropped, context(meta("p", vs), "1.12.1")) == []


def test_dropped_long_ago_is_low_and_recently_medium() -> None:
    old = [v("1.0.0", ago(900), prov=True), v("1.0.1", ago(800)), v("1.0.2", ago(10))]
    assert only(run(provenance_dropped, context(meta("p", old), "1.0.2"))).severity is Level.LOW
    recent = [v("1.0.0", ago(100), prov=True), v("1.0.1", ago(60)), v("1.0.2", ago(10))]
    assert (
        only(run(provenance_dropped, context(meta("p", recent), "1.0.2"))).severity is Level.MEDIUM
    )


def test_prerelease_provenance_is_no_baseline_for_stable() -> None:
    vs = [
        v("2.0.0", ago(100)),
        v("2.1.0-rc.1", ago(50), GHA, tp="github", prov=True),
        v("2.1.0", ago(10)),
    ]
    assert run(provenance_dropped, context(meta("p", vs), "2.1.0")) == []
