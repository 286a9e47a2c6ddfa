"""The archive's HTTP-message format: what ``Fetched`` writes, ``httpmsg`` reads back exactly."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

import httpmsg
from changes.records import CaptureKind, Fetched

AT = datetime(2025, 10, 7, 12, tzinfo=UTC)
NAME = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E, exclude_characters=":"), min_size=1, max_size=20)
# Header values as a server may send them: any text (not only ASCII) without control characters.
VALUE = st.text(st.characters(exclude_characters="\r\n", exclude_categories=("Cc",)), max_size=40).map(str.strip)


@given(headers=st.lists(st.tuples(NAME, VALUE), max_size=6), body=st.binary(max_size=200))
def test_a_response_is_read_back_as_it_was_written(headers, body):
    fetched = Fetched(
        kind=CaptureKind.ARTICLE,
        url="https://example.test/a?b=1",
        fetched_at=AT,
        status=200,
        reason_phrase="OK",
        response_headers=tuple(headers),
        body=body,
    )
    head, rest = httpmsg.split_message(fetched.response_bytes())
    assert rest == body
    assert head.startswith(b"HTTP/1.1 200 OK\r\n") and head.endswith(httpmsg.END_OF_HEAD)
    assert httpmsg.header_lines(head) == [(k.strip(), v) for k, v in headers]
    assert httpmsg.headers_dict(head) == {k.strip().lower(): v for k, v in headers}


def test_a_request_names_its_host_once_and_its_target():
    plain = Fetched(
        kind=CaptureKind.ARTICLE,
        url="https://example.test/news/1?x=2",
        fetched_at=AT,
        request_headers=(("User-Agent", "palimpsest"),),
    )
    assert plain.request_bytes() == b"GET /news/1?x=2 HTTP/1.1\r\nHost: example.test\r\nUser-Agent: palimpsest\r\n\r\n"
    given_host = Fetched(
        kind=CaptureKind.ARTICLE, url="https://example.test", fetched_at=AT, request_headers=(("host", "example.test"),)
    )
    assert given_host.request_bytes() == b"GET / HTTP/1.1\r\nhost: example.test\r\n\r\n"
    assert httpmsg.split_message(given_host.request_bytes()) == (given_host.request_bytes(), b"")


def test_no_response_no_message():
    failed = Fetched(kind=CaptureKind.ARTICLE, url="https://example.test/", fetched_at=AT, error="timeout")
    assert failed.response_bytes() is None
