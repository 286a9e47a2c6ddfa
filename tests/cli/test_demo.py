"""`palimpsest demo`: the first thing a newcomer runs must show edits, a deletion and alerts."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


@pytest.mark.slow
def test_demo_shows_edits_a_deletion_a_diff_and_the_alerts(tmp_path):
    result = subprocess.run([sys.executable, "-m", "palimpsest", "demo", "--json", "--dir", str(tmp_path / "d")],
                            cwd=tmp_path, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr[-2000:]
    outcome = json.loads(result.stdout)
    kinds = sorted(e["kind"] for e in outcome["events"])
    assert kinds == ["deleted", "edited", "edited"]
    assert "This paragraph was rewritten after publication." in outcome["diff"]
    titles = sorted(m["title"] for m in outcome["webhook"])
    assert len(titles) == 3 and sum(t.startswith("[charter97-demo] Edited:") for t in titles) == 2
    assert outcome["delivery"]["sent"] == 3
