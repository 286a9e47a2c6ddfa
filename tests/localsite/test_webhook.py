"""The one webhook receiver the demo and the tests share: it keeps every POST, down or up."""

from __future__ import annotations

import http.client
import json

import pytest

from localsite import WebhookReceiver
from localsite.webhook import KEY_HEADER


def post(receiver: WebhookReceiver, body: bytes, headers: dict[str, str] | None = None) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", receiver.port, timeout=5)
    try:
        conn.request("POST", receiver.path, body, headers or {})
        return conn.getresponse().status
    finally:
        conn.close()


def test_the_key_header_is_the_one_the_notifier_sends():
    from notify.deliver import KEY_HEADER as sent

    assert sent == KEY_HEADER


def test_it_keeps_json_and_raw_bodies_with_their_keys_in_order():
    with WebhookReceiver() as hook:
        assert post(hook, json.dumps({"title": "t"}).encode(), {KEY_HEADER: "k1"}) == 200
        assert post(hook, b"not json \xff") == 200
    assert [p.payload for p in hook.posts] == [{"title": "t"}, {"raw": "not json \ufffd"}]
    assert hook.keys() == ["k1", None]
    assert {p.path for p in hook.posts} == {"/alerts"}


def test_its_url_carries_credentials_and_its_port_survives_a_restart():
    hook = WebhookReceiver(path="/hooks/x", user="tok", password="pw")
    assert hook.url == f"json://tok:pw@127.0.0.1:{hook.port}/hooks/x"
    with pytest.raises(OSError):
        post(hook, b"{}")  # down: nothing listens yet
    for _ in range(2):
        with hook:
            assert post(hook, b"{}") == 200
    assert len(hook.posts) == 2
