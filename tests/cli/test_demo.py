"""`palimpsest demo`: the first thing a newcomer runs must show edits, a deletion and alerts."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


@pytest.mark.slow
def test_demo_shows_edits_a_deletion_a_diff_and_the_alerts(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "palimpsest", "demo", "--json", "--dir", str(tmp_path / "d")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    outcome = json.loads(result.stdout)
    kinds = sorted(e["kind"] for e in outcome["events"])
    assert kinds == ["deleted", "edited", "edited"]
    assert "This paragraph was rewritten after publication." in outcome["diff"]
    titles = sorted(m["title"] for m in outcome["webhook"])
    assert len(titles) == 3 and sum(t.startswith("[charter97-demo] Edited:") for t in titles) == 2
    assert outcome["delivery"]["sent"] == 3
    assert outcome["problems"] == []


def test_demo_names_what_went_missing():
    # A demo that did not deliver its alerts must fail (CI runs it as the README's first command).
    from palimpsest.demo import _problems

    events = [{"kind": "edited"}, {"kind": "edited"}, {"kind": "deleted"}]
    assert _problems({"events": events, "webhook": [{}, {}, {}]}) == []
    problems = _problems({"events": events[:2], "webhook": [{}]})
    assert any("events" in p for p in problems) and any("alerts" in p for p in problems)
