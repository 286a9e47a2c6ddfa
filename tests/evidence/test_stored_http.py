"""Stored HTTP messages: split exactly, and heads made to describe the stored body."""

from __future__ import annotations

import gzip
import zlib

import pytest

from httpmsg import headers_dict, replayable_head, split_message

BODY = b"<!doctype html><html><body><p>Hello</p></body></html>"


def head(*lines: str) -> bytes:
    return ("\r\n".join(["HTTP/1.1 200 OK", *lines]) + "\r\n\r\n").encode("utf-8", "surrogateescape")


def test_split_keeps_every_byte() -> None:
    raw = head("Content-Type: text/html") + BODY + b"\r\n\r\nafter a blank line"
    top, body = split_message(raw)
    assert top + body == raw
    assert body == BODY + b"\r\n\r\nafter a blank line"
    assert split_message(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n") == (b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", b"")


def test_headers_dict_lowercases_and_keeps_the_last() -> None:
    assert headers_dict(head("Content-Type: text/plain", "content-type: text/html", "Bad line")) == {
        "content-type": "text/html"
    }


def test_an_identity_body_under_a_gzip_header_is_renamed() -> None:
    new, rewrites = replayable_head(head("Content-Encoding: gzip", f"Content-Length: {len(BODY) // 3}"), BODY)
    assert new == head(
        "X-Archive-Orig-Content-Encoding: gzip",
        f"X-Archive-Orig-Content-Length: {len(BODY) // 3}",
        f"Content-Length: {len(BODY)}",
    )
    assert rewrites == [
        "Content-Encoding -> X-Archive-Orig-*",
        "Content-Length -> X-Archive-Orig-*",
        "Content-Length set to body size",
    ]


def test_chunked_framing_is_renamed_and_a_length_added() -> None:
    new, rewrites = replayable_head(head("Transfer-Encoding: chunked"), BODY)
    assert new == head("X-Archive-Orig-Transfer-Encoding: chunked", f"Content-Length: {len(BODY)}")
    assert rewrites[-1] == "Content-Length added"


@pytest.mark.parametrize(
    ("coding", "body"),
    [
        ("gzip", gzip.compress(BODY)),
        ("deflate", zlib.compress(BODY)),
        ("identity", BODY),
    ],
)
def test_a_body_really_in_its_coding_keeps_its_head(coding: str, body: bytes) -> None:
    original = head(f"Content-Encoding: {coding}", f"Content-Length: {len(body)}")
    assert replayable_head(original, body) == (original, [])


def test_an_untouched_head_is_kept_byte_for_byte() -> None:
    original = head("Content-Type:text/html", "X-Odd:  spaced  ", "X-Name: caf\udce9")  # raw 0xE9 byte
    assert replayable_head(original, BODY) == (original, [])


def test_brotli_over_html_is_renamed() -> None:
    new, _ = replayable_head(head("Content-Encoding: br"), BODY)
    assert b"X-Archive-Orig-Content-Encoding: br" in new


def test_an_empty_body_needs_no_rewrite() -> None:
    original = head("Content-Encoding: gzip", "Content-Length: 0")
    assert replayable_head(original, b"") == (original, [])
