"""Delivery through apprise to a real local SMTP server and a real local webhook."""

from __future__ import annotations

import dataclasses
import importlib
import json
import logging
import threading
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from notify.deliver import deliver, with_key
from notify.outbox import list_alerts
from palimpsest.config import ConfigError, Destination
from store.db import Store
from store.models import Alert
from tests.support.notify import (
    HOOK_PASSWORD,
    HOOK_TOKEN,
    SECRETS,
    SMTP_PASSWORD,
    Newsroom,
    SMTPReceiver,
    WebhookReceiver,
    make_config,
    story,
)

# The module, not the package's ``deliver`` function of the same name.
delivery = importlib.import_module("notify.deliver")

pytestmark = pytest.mark.timeout(120)

EDITED_BODY = ("First paragraph of story 1.", "A paragraph added after publication.", "Third paragraph of story 1.")


def destinations(smtp: SMTPReceiver, webhook: WebhookReceiver) -> list[dict]:
    return [
        {"name": "mail", "url": smtp.url, "format": "html"},
        {"name": "hook", "url": webhook.url, "format": "markdown"},
    ]


def open_store(url: str, open_stores: list[Store]) -> Store:
    store = Store(url).upgrade()
    open_stores.append(store)
    return store


def edit_and_delete(newsroom: Newsroom) -> tuple[int, int]:
    newsroom.step({1: story(1), 2: story(2)})
    [edited] = newsroom.step({1: story(1, headline="Story 1: rally in Minsk", body=EDITED_BODY), 2: story(2)})
    [deleted] = newsroom.step({2: 410})
    return edited, deleted


def alert_rows(store: Store) -> dict[tuple[int, str], tuple[str, int]]:
    with store.reader() as s:
        rows = s.execute(select(Alert.event_id, Alert.destination, Alert.status, Alert.attempts)).all()
    return {(e, d): (st, n) for e, d, st, n in rows}


def test_edit_and_deletion_reach_email_and_webhook_exactly_once(
    smtp: SMTPReceiver, webhook: WebhookReceiver, sqlite_url: str, open_stores: list[Store]
) -> None:
    config = make_config(sqlite_url, *destinations(smtp, webhook), base_url="http://127.0.0.1:8080")
    store = open_store(sqlite_url, open_stores)
    edited, deleted = edit_and_delete(Newsroom(store, config))

    report = deliver(config, store)
    assert (report.sent, report.failed, report.pending, report.ok) == (4, 0, 0, True)
    assert deliver(config, store).sent == 0  # a second run finds nothing to send

    assert sorted(smtp.keys()) == [f"palimpsest-{edited}-mail", f"palimpsest-{deleted}-mail"]
    edit_mail, delete_mail = sorted(smtp.mails, key=lambda m: m.key)
    assert edit_mail.subject == "[charter97-en] Edited: Story 1: rally in Minsk"
    for text in (
        "Old headline: Story 1: protest in Minsk",
        "New headline: Story 1: rally in Minsk",
        "Second paragraph of story 1.",
        "A paragraph added after publication.",
        f"Palimpsest alert palimpsest-{edited}-mail",
    ):
        assert text in edit_mail.text
    assert "<b>Old headline:</b>" in edit_mail.html
    assert f'href="http://127.0.0.1:8080/events/{edited}"' in edit_mail.html
    assert delete_mail.subject == "[charter97-en] Deleted: Story 2: protest in Minsk"
    assert "Why: http 410" in delete_mail.text and "First paragraph of story 2." in delete_mail.text

    assert sorted(webhook.keys()) == [f"palimpsest-{edited}-hook", f"palimpsest-{deleted}-hook"]
    for post in webhook.posts:
        assert post.payload["palimpsest_key"] == post.key
        assert post.path == f"/hooks/{HOOK_TOKEN}"
    edit_post = next(p for p in webhook.posts if p.key.endswith(f"-{edited}-hook"))
    assert edit_post.payload["title"] == "[charter97-en] Edited: Story 1: rally in Minsk"
    assert "**Old headline:** Story 1: protest in Minsk" in edit_post.payload["message"]
    assert set(alert_rows(store).values()) == {("sent", 1)}


def test_notifier_down_for_several_runs_then_up(sqlite_url: str, open_stores: list[Store]) -> None:
    smtp, webhook = SMTPReceiver(), WebhookReceiver()  # not listening yet
    config = make_config(sqlite_url, *destinations(smtp, webhook))
    store = open_store(sqlite_url, open_stores)
    newsroom = Newsroom(store, config)
    edited, deleted = edit_and_delete(newsroom)
    [edited_again] = newsroom.step({1: story(1, headline="Story 1: a third headline", body=EDITED_BODY)})
    try:
        for _ in range(4):
            report = deliver(config, store, give_up_after=5)
            # One attempt per destination per run: the rest wait behind the head alert.
            assert (report.sent, report.failed, report.gave_up, report.pending) == (0, 2, 0, 6)
            assert report.destinations["hook"].error.startswith("the service did not accept")
        rows = alert_rows(store)
        assert rows[(edited, "mail")] == rows[(edited, "hook")] == ("pending", 4)
        assert rows[(deleted, "mail")] == rows[(edited_again, "hook")] == ("pending", 0)
        assert not smtp.mails and not webhook.posts

        smtp.start()
        webhook.start()
        report = deliver(config, store, give_up_after=5)
        assert (report.sent, report.failed, report.pending) == (6, 0, 0)
        assert deliver(config, store).sent == 0
    finally:
        smtp.stop()
        webhook.stop()
    assert Counter(smtp.keys()) == Counter({f"palimpsest-{e}-mail": 1 for e in (edited, deleted, edited_again)})
    assert Counter(webhook.keys()) == Counter({f"palimpsest-{e}-hook": 1 for e in (edited, deleted, edited_again)})
    assert {status for status, _ in alert_rows(store).values()} == {"sent"}


def test_one_destination_down_does_not_hold_the_other(
    smtp: SMTPReceiver, sqlite_url: str, open_stores: list[Store]
) -> None:
    webhook = WebhookReceiver()  # down
    config = make_config(sqlite_url, *destinations(smtp, webhook))
    store = open_store(sqlite_url, open_stores)
    edit_and_delete(Newsroom(store, config))
    report = deliver(config, store)
    assert report.destinations["mail"].sent == 2 and report.destinations["hook"].failed == 1
    assert report.destinations["hook"].pending == 2 and not report.ok
    assert len(smtp.mails) == 2


def test_gives_up_only_after_the_limit(sqlite_url: str, open_stores: list[Store]) -> None:
    webhook = WebhookReceiver()  # down for good
    config = make_config(sqlite_url, {"name": "hook", "url": webhook.url})
    store = open_store(sqlite_url, open_stores)
    edited, deleted = edit_and_delete(Newsroom(store, config))
    gave_up = [deliver(config, store, give_up_after=3).gave_up for _ in range(4)]
    assert gave_up == [0, 0, 1, 0]
    rows = alert_rows(store)
    assert rows[(edited, "hook")] == ("failed", 3) and rows[(deleted, "hook")] == ("pending", 1)


def test_alerts_of_a_destination_removed_from_the_config_wait(
    webhook: WebhookReceiver, sqlite_url: str, open_stores: list[Store]
) -> None:
    old = make_config(sqlite_url, {"name": "old-hook", "url": webhook.url}, {"name": "hook", "url": webhook.url})
    store = open_store(sqlite_url, open_stores)
    edited, deleted = edit_and_delete(Newsroom(store, old))
    report = deliver(make_config(sqlite_url, {"name": "hook", "url": webhook.url}), store)
    assert report.sent == 2 and report.ok
    assert report.unconfigured == {"old-hook": 2}
    assert not report.destinations["old-hook"].configured
    assert alert_rows(store)[(edited, "old-hook")] == alert_rows(store)[(deleted, "old-hook")] == ("pending", 0)
    assert json.loads(json.dumps(report.as_dict()))["unconfigured"] == {"old-hook": 2}


def test_an_alert_that_cannot_be_rendered_does_not_block_the_rest(
    webhook: WebhookReceiver, sqlite_url: str, open_stores: list[Store], monkeypatch: pytest.MonkeyPatch
) -> None:
    config = make_config(sqlite_url, {"name": "hook", "url": webhook.url})
    store = open_store(sqlite_url, open_stores)
    edited, deleted = edit_and_delete(Newsroom(store, config))
    assert deleted != edited
    real_render = delivery.render

    def render(view, fmt, *, key=None, **footer):
        if view.event_id == edited:
            raise RuntimeError("boom")
        return real_render(view, fmt, key=key, **footer)

    monkeypatch.setattr(delivery, "render", render)
    report = deliver(config, store)
    assert (report.sent, report.failed) == (1, 1)
    assert webhook.keys() == [f"palimpsest-{deleted}-hook"]
    [row] = [r for r in list_alerts(store) if r.event_id == edited]
    assert row.status == "pending" and row.last_error == "cannot render: RuntimeError: boom"


@pytest.mark.parametrize("runs", [2])
def test_concurrent_deliveries_never_send_an_alert_twice(
    runs: int, smtp: SMTPReceiver, webhook: WebhookReceiver, store_url: str, open_stores: list[Store]
) -> None:
    webhook.delay = 0.02  # so the two runs really overlap
    config = make_config(store_url, *destinations(smtp, webhook))
    newsroom = Newsroom(open_store(store_url, open_stores), config)
    newsroom.step({n: story(n) for n in range(8)})
    events = newsroom.step({n: story(n, headline=f"Story {n}: edited") for n in range(8)})
    reports = []
    barrier = threading.Barrier(runs)

    def run() -> None:
        store = open_store(store_url, open_stores)
        barrier.wait()
        reports.append(deliver(config, store))

    threads = [threading.Thread(target=run) for _ in range(runs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(90)
    assert sum(r.sent for r in reports) == 16 and not any(r.failed for r in reports)
    assert all(r.sent for r in reports), "both runs should have taken part"
    assert Counter(smtp.keys()) == Counter({f"palimpsest-{e}-mail": 1 for e in events})
    assert Counter(webhook.keys()) == Counter({f"palimpsest-{e}-hook": 1 for e in events})


def test_secrets_never_reach_logs_output_or_the_store(
    smtp: SMTPReceiver,
    webhook: WebhookReceiver,
    sqlite_url: str,
    open_stores: list[Store],
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)  # apprise and urllib3 print URLs at debug: the worst case
    bad_smtp = smtp.url.replace(SMTP_PASSWORD, f"wrong-{SMTP_PASSWORD}")
    config = make_config(
        sqlite_url,
        {"name": "mail", "url": smtp.url},
        {"name": "hook", "url": webhook.url},
        {"name": "bad-login", "url": bad_smtp},
        {"name": "hook-down", "url": f"json://{HOOK_TOKEN}:{HOOK_PASSWORD}@127.0.0.1:9/x/{HOOK_TOKEN}"},
    )
    # Loading refuses a URL apprise cannot parse; one that stops parsing later (a plugin
    # gone after an upgrade) must still fail at delivery without showing its secrets.
    unusable = f"nosuchscheme://{HOOK_TOKEN}:{HOOK_PASSWORD}@example.org/"
    with pytest.raises(ConfigError) as refused:
        make_config(sqlite_url, {"name": "unusable", "url": unusable})
    assert HOOK_PASSWORD not in str(refused.value) and HOOK_TOKEN not in str(refused.value)
    like_mail = config.destination("mail")
    config = dataclasses.replace(
        config,
        destinations=(
            *config.destinations,
            Destination(name="unusable", url=unusable, events=like_mail.events, format=like_mail.format),
        ),
    )
    store = open_store(sqlite_url, open_stores)
    edit_and_delete(Newsroom(store, config))
    report = deliver(config, store)
    assert report.sent == 4 and report.failed == 3
    errors = [r.last_error or "" for r in list_alerts(store)]
    captured = capfd.readouterr()
    everything = "\n".join([caplog.text, captured.out, captured.err, json.dumps(report.as_dict()), *errors])
    for secret in SECRETS:
        assert secret not in everything
    assert report.destinations["unusable"].error.startswith("apprise cannot use this URL")
    assert "127.0.0.1" in report.destinations["bad-login"].error  # still says where it failed


def test_hostile_headline_arrives_escaped_through_apprise(
    smtp: SMTPReceiver, webhook: WebhookReceiver, sqlite_url: str, open_stores: list[Store]
) -> None:
    """apprise turns markdown into HTML for email: scraped HTML must not survive that either."""
    config = make_config(
        sqlite_url,
        {"name": "mail-html", "url": smtp.url, "format": "html"},
        {"name": "mail-md", "url": smtp.url, "format": "markdown"},
        {"name": "mail-text", "url": smtp.url, "format": "text"},
        {"name": "hook", "url": webhook.url, "format": "html"},
    )
    store = open_store(sqlite_url, open_stores)
    newsroom = Newsroom(store, config)
    newsroom.step({1: story(1)})
    hostile = "<script>alert(1)</script> [win](http://evil.example/) <img src=x onerror=alert(2)>"
    newsroom.step({1: story(1, headline=hostile, body=(hostile, "Second paragraph of story 1."))})
    assert deliver(config, store).sent == 4
    assert len(smtp.mails) == 3
    for mail in smtp.mails:
        assert "<script" not in mail.html and "<img" not in mail.html
        assert 'href="http://evil.example/"' not in mail.html
        assert "<script>alert(1)</script>" in mail.text  # the text part shows it, as text
        assert "‹script›" in mail.subject
    [post] = webhook.posts
    assert "<script" not in post.payload["message"] and "&lt;script&gt;" in post.payload["message"]


def test_with_key_adds_header_and_field_where_the_service_takes_them() -> None:
    key = "palimpsest-5-mail"
    assert with_key("mailto://u:p@h?to=a@b.org", key) == f"mailto://u:p@h?to=a@b.org&+X-Palimpsest-Key={key}"
    assert with_key("json://h/p", key) == f"json://h/p?+X-Palimpsest-Key={key}&:palimpsest_key={key}"
    assert with_key("tgram://bot/chat", key) == "tgram://bot/chat"
    assert with_key("jsons://h/p#frag", key).endswith("#frag")


def test_default_lease_outlasts_a_send() -> None:
    assert timedelta(minutes=5) <= delivery.DEFAULT_LEASE
