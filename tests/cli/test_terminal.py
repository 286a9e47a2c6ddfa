"""What the CLI prints for people carries no terminal control sequences from scraped text.

A headline with ``ESC[2J`` (clear screen), an OSC title sequence or U+202E (right-to-left
override) must reach the operator's terminal inert, in every human rendering; JSON
keeps the exact text, escaped so that a terminal showing it is not driven either.
"""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from changes import Content
from palimpsest.cli import main

URL = "https://charter97.org/en/news/2025/10/7/1/"
HOSTILE = "Bridge \x1b[2J\x1b]0;owned\x07opens \u202eon time\u202c \x9b31m\r\x08"
# Anything a terminal acts on: C0 (but newline and tab), DEL, C1, bidi overrides and isolates.
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@pytest.fixture
def hostile_store(crawled_store):
    return crawled_store(
        [
            {URL: (Content.build(headline=headline, body=[f"Paragraph {headline}"]), 10)}
            for headline in ["Bridge opens", HOSTILE]
        ]
    )


@pytest.mark.parametrize(
    "args",
    [["changes", "--since", "2020-01-01"], ["history", URL], ["diff", URL], ["alerts"]],
    ids=["changes", "history", "diff", "alerts"],
)
def test_human_output_is_inert(hostile_store, args):
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert not CONTROL.findall(result.output), repr(result.output)
    if args[0] != "alerts":
        assert "Bridge" in result.output and "opens" in result.output  # the text itself is kept


@pytest.mark.parametrize(
    "args",
    [["changes", "--since", "2020-01-01", "--json"], ["history", URL, "--json"], ["diff", URL, "--json"]],
    ids=["changes", "history", "diff"],
)
def test_json_keeps_the_exact_text_escaped(hostile_store, args):
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0
    assert not CONTROL.findall(result.output), repr(result.output)
    stored = Content.build(headline=HOSTILE, body=["x"]).headline
    assert "\x1b" in stored and "\u202e" in stored
    as_json = json.dumps(stored, ensure_ascii=False)[1:-1]  # the same escaping on both sides
    assert as_json in json.dumps(json.loads(result.output), ensure_ascii=False)
