"""The confirmation state machine, driven by the scenarios in ``data/detect_cases.json``.

Each scenario is one article's captures in order; the harness feeds them to
:func:`changes.detect.step` the way the archive writer does (``confirmed`` grows with
every new, edited and reverted event) and compares the events and the final state.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from changes.detect import (
    OPERATOR_EVENTS,
    WATCHDOG_EVENTS,
    Decision,
    EventKind,
    Observation,
    Policy,
    State,
    step,
)
from changes.outcome import Outcome
from palimpsest.config import parse_duration

CASES = json.loads((Path(__file__).parent / "data" / "detect_cases.json").read_text(encoding="utf-8"))["cases"]
START = datetime(2025, 10, 7, 9, 0, tzinfo=UTC)
CONFIRMING = {EventKind.NEW, EventKind.EDITED, EventKind.REVERTED}
_TIME = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")


def offset(text: str) -> timedelta:
    match = _TIME.match(text)
    assert match and text, f"bad time {text!r}"
    hours, minutes, seconds = (int(g or 0) for g in match.groups())
    return timedelta(hours=hours, minutes=minutes, seconds=seconds)


def version_id(letter: str | None) -> int | None:
    """Versions are letters in the table, small integers for the state machine."""
    if letter in (None, "-"):
        return None
    assert re.fullmatch(r"[A-Z]", letter), letter
    return ord(letter) - ord("A") + 1


def letter(version: int | None) -> str:
    return "-" if version is None else chr(ord("A") + version - 1)


@dataclass(frozen=True)
class Capture:
    time: str
    obs: Observation
    trusted: bool


def parse_capture(text: str, capture_id: int) -> Capture:
    words = text.split()
    time, outcome, rest = words[0], Outcome(words[1]), words[2:]
    trusted = "untrusted" not in rest
    rest = [w for w in rest if w != "untrusted"]
    assert len(rest) <= 1, text
    version = version_id(rest[0]) if rest else None
    obs = Observation(capture_id, START + offset(time), outcome, version, reason=f"reason {capture_id}")
    return Capture(time, obs, trusted)


def policy_of(case: dict[str, Any]) -> Policy:
    given_ = dict(case.get("policy", {}))
    if "delete_min_age" in given_:
        given_["delete_min_age"] = parse_duration(given_["delete_min_age"])
    return Policy(**given_)


def replay(
    observations: list[tuple[Observation, bool]], policy: Policy, state: State | None = None
) -> tuple[State, list[Decision]]:
    """Feed observations in order, as the archive writer does."""
    state = state or State()
    confirmed: frozenset[int] = frozenset()
    events: list[Decision] = []
    for obs, trusted in observations:
        state, decisions = step(state, obs, policy, confirmed=confirmed, trusted=trusted)
        for decision in decisions:
            if decision.kind in CONFIRMING:
                confirmed |= {decision.to_version}
        events += decisions
    return state, events


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_scenario(case: dict[str, Any]) -> None:
    captures = [parse_capture(text, i + 1) for i, text in enumerate(case["captures"])]
    times = [c.time for c in captures]
    assert len(set(times)) == len(times), "capture times must be unique within a scenario"
    at_time = {c.time: c.obs.capture_id for c in captures}

    state, events = replay([(c.obs, c.trusted) for c in captures], policy_of(case))

    expected = [e if isinstance(e, dict) else {"event": e} for e in case["events"]]
    got = [f"{times[d.capture_id - 1]} {d.kind} {letter(d.from_version)} {letter(d.to_version)}" for d in events]
    assert got == [e["event"] for e in expected]
    for decision, want in zip(events, expected, strict=True):
        time = want["event"].split()[0]
        assert decision.capture_id == at_time[time]
        for key, value in want.get("details", {}).items():
            if key in ("first_seen", "gone_since"):
                value = (START + offset(value)).isoformat()
            assert decision.details[key] == value, (want["event"], key)
    assert state.status == case["status"]
    if "current" in case:
        assert state.current == version_id(case["current"])
    if "pending" in case:
        assert state.pending == version_id(case["pending"])


def test_cases_are_well_formed() -> None:
    ids = [c["id"] for c in CASES]
    assert len(set(ids)) == len(ids)
    known = {"id", "brief", "policy", "captures", "events", "status", "current", "pending"}
    for case in CASES:
        assert set(case) <= known, case["id"]
        assert case["status"] in ("unseen", "live", "deleted")


def test_deleted_details_name_the_reason() -> None:
    policy = Policy(edit_confirmations=1, delete_confirmations=1, delete_min_age=timedelta(0))
    state, _ = step(State(), Observation(1, START, Outcome.OK, 1), policy, confirmed=frozenset())
    gone = Observation(2, START + timedelta(hours=1), Outcome.GONE, reason="redirected to the home page")
    state, [decision] = step(state, gone, policy, confirmed=frozenset({1}))
    assert decision.kind is EventKind.DELETED
    assert decision.details == {
        "reason": "redirected to the home page",
        "confirmations": 1,
        "gone_since": gone.at.isoformat(),
    }
    assert state.status == "deleted"


def test_step_does_not_mutate_and_is_replayable() -> None:
    captures = [
        parse_capture(t, i + 1)
        for i, t in enumerate(["0m ok A", "15m ok B", "30m ok B", "1h gone", "2h gone", "3h gone", "4h ok A"])
    ]
    observations = [(c.obs, c.trusted) for c in captures]
    first = replay(observations, Policy())
    assert first == replay(observations, Policy())
    # Resuming from a stored state mid-way gives the same tail of events.
    state, head = replay(observations[:4], Policy())
    confirmed = frozenset(d.to_version for d in head if d.kind in CONFIRMING)
    tail: list[Decision] = []
    for obs, trusted in observations[4:]:
        state, decisions = step(state, obs, Policy(), confirmed=confirmed, trusted=trusted)
        tail += decisions
    assert head + tail == first[1]
    assert state == first[0]


def test_event_families_partition_the_kinds() -> None:
    assert frozenset(EventKind) == WATCHDOG_EVENTS | OPERATOR_EVENTS
    assert not WATCHDOG_EVENTS & OPERATOR_EVENTS
    assert {EventKind.PARSER_BROKEN, EventKind.SITE_UNREACHABLE} <= OPERATOR_EVENTS


# Properties over random capture sequences ------------------------------------------------

_OUTCOMES = st.sampled_from([Outcome.OK, Outcome.OK, Outcome.TRANSIENT, Outcome.BLOCKED, Outcome.GONE])
_RAW = st.lists(st.tuples(_OUTCOMES, st.integers(1, 3), st.integers(0, 180), st.booleans()), max_size=25)
_POLICIES = st.builds(
    Policy,
    edit_confirmations=st.integers(1, 3),
    delete_confirmations=st.integers(1, 4),
    delete_min_age=st.sampled_from([timedelta(0), timedelta(minutes=30), timedelta(hours=2)]),
)


def observations_of(raw: list[tuple[Outcome, int, int, bool]]) -> list[tuple[Observation, bool]]:
    at, out = START, []
    for i, (outcome, version, minutes, trusted) in enumerate(raw):
        at += timedelta(minutes=minutes)
        out.append((Observation(i + 1, at, outcome, version if outcome is Outcome.OK else None), trusted))
    return out


@settings(max_examples=60, deadline=None)
@given(raw=_RAW, policy=_POLICIES, inserted=st.lists(st.tuples(st.integers(0, 30), st.booleans()), max_size=8))
def test_transient_and_blocked_captures_change_nothing(
    raw: list[tuple[Outcome, int, int, bool]], policy: Policy, inserted: list[tuple[int, bool]]
) -> None:
    """Inserting failed fetches anywhere leaves the events exactly as they were."""
    plain = observations_of(raw)
    _, expected = replay(plain, policy)
    noisy = list(plain)
    for position, blocked in inserted:
        index = min(position, len(noisy))
        before = noisy[index - 1][0].at if index else START
        noise = Observation(10_000 + len(noisy), before, Outcome.BLOCKED if blocked else Outcome.TRANSIENT)
        noisy.insert(index, (noise, True))
    _, got = replay(noisy, policy)
    assert [(d.kind, d.capture_id, d.from_version, d.to_version) for d in got] == [
        (d.kind, d.capture_id, d.from_version, d.to_version) for d in expected
    ]


@settings(max_examples=60, deadline=None)
@given(raw=_RAW, policy=_POLICIES)
def test_untrusted_runs_never_edit_or_delete(raw: list[tuple[Outcome, int, int, bool]], policy: Policy) -> None:
    observations = [(obs, False) for obs, _ in observations_of(raw)]
    _, events = replay(observations, policy)
    assert {d.kind for d in events} <= {EventKind.NEW}
    assert len(events) <= 1


@settings(max_examples=60, deadline=None)
@given(raw=_RAW, policy=_POLICIES)
def test_event_invariants(raw: list[tuple[Outcome, int, int, bool]], policy: Policy) -> None:
    observations = observations_of(raw)
    state, events = replay(observations, policy)
    kinds = [d.kind for d in events]
    assert kinds.count(EventKind.NEW) <= 1
    if events:
        assert kinds[0] is EventKind.NEW
    # Deleted and restored alternate, starting with deleted.
    life = [k for k in kinds if k in (EventKind.DELETED, EventKind.RESTORED)]
    assert life == [EventKind.DELETED, EventKind.RESTORED] * (len(life) // 2) + [EventKind.DELETED] * (len(life) % 2)
    assert state.status == ("deleted" if life and life[-1] is EventKind.DELETED else "live" if events else "unseen")
    by_id = {obs.capture_id: (obs, trusted) for obs, trusted in observations}
    for d in events:
        obs, trusted = by_id[d.capture_id]
        if d.kind in (EventKind.EDITED, EventKind.REVERTED):
            assert trusted and obs.outcome is Outcome.OK and obs.version == d.to_version != d.from_version
            assert d.details["confirmations"] >= policy.edit_confirmations
            # The last M trusted ok captures up to this one all showed the new version
            # (a broken run's captures neither count nor reset, like failed fetches).
            oks = [o for o, t in observations if o.capture_id <= d.capture_id and o.outcome is Outcome.OK and t]
            assert all(o.version == d.to_version for o in oks[-policy.edit_confirmations :])
        if d.kind is EventKind.DELETED:
            assert trusted and obs.outcome is Outcome.GONE
            since = datetime.fromisoformat(d.details["gone_since"])
            assert obs.at - since >= policy.delete_min_age
            gones = [
                o
                for o, t in observations
                if since <= o.at and o.capture_id <= d.capture_id and o.outcome is Outcome.GONE and t
            ]
            assert len(gones) >= policy.delete_confirmations
