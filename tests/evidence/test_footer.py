"""Every alert carries the latest signed tree head; a recipient's copy checks the store later."""

from __future__ import annotations

from pathlib import Path

from evidence.log import latest_head_text, parse_heads, publish_head
from evidence.verify import verify
from notify.deliver import deliver
from notify.messages import EventView, render
from store.db import Store
from tests.support.notify import Newsroom, WebhookReceiver, make_config, story


def test_render_puts_the_head_in_the_footer_of_every_format() -> None:
    head = "Tree head palimpsest/0123456789abcdef: 9 captures, root " + "ab" * 32 + ", signed T, sig c2ln"
    event = EventView(event_id=1, site="s", kind="edited", url="https://example.org/1", headline_new="H")
    for fmt in ("text", "markdown", "html"):
        assert "ab" * 32 in render(event, fmt, key="k", tree_head=head).body
    assert "Tree head" not in render(event, "text", key="k").body


def test_a_delivered_alert_holds_a_witness_copy_of_the_head(tmp_path: Path) -> None:
    webhook = WebhookReceiver().start()
    url = f"sqlite:///{tmp_path / 'palimpsest.db'}"
    config = make_config(url, {"name": "hook", "url": webhook.url, "format": "text"})
    store = Store(url).upgrade()
    try:
        newsroom = Newsroom(store, config)
        newsroom.step({1: story(1)})
        newsroom.step({1: story(1, headline="Story 1: rally in Minsk")})
        head = publish_head(store, config.evidence)
        assert deliver(config, store).sent >= 1
        message = webhook.posts[-1].payload["message"]
        assert latest_head_text(store) in message
        [kept] = parse_heads(message)
        assert (kept["tree_size"], kept["root_hash"], kept["signature"]) == (
            head["tree_size"],
            head["root_hash"],
            head["signature"],
        )
        assert verify(store, settings=config.evidence, witnesses=[kept]).ok
    finally:
        store.close()
        webhook.stop()
