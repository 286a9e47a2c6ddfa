"""``palimpsest alerts`` and ``palimpsest notify``: output, JSON, exit status, and no secrets."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner
from sqlalchemy import update

from palimpsest.app import App
from palimpsest.commands.alerts import COMMANDS, alerts, notify
from store.db import Store
from store.models import Alert
from tests.support.notify import (
    HOOK_PASSWORD,
    HOOK_TOKEN,
    SECRETS,
    Newsroom,
    SMTPReceiver,
    WebhookReceiver,
    make_config,
    story,
)

if TYPE_CHECKING:
    from collections.abc import Iterator


pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def app(smtp: SMTPReceiver, webhook: WebhookReceiver, sqlite_url: str) -> Iterator[App]:
    down = f"json://{HOOK_TOKEN}:{HOOK_PASSWORD}@127.0.0.1:9/x/{HOOK_TOKEN}"
    config = make_config(
        sqlite_url,
        {"name": "mail", "url": smtp.url},
        {"name": "hook", "url": webhook.url},
        {"name": "hook-down", "url": down, "events": ["deleted"]},
    )
    Store(sqlite_url).upgrade().close()
    app = App(config=config)
    newsroom = Newsroom(app.store, config)
    newsroom.step({1: story(1), 2: story(2)})
    newsroom.step({1: story(1, headline="Story 1: rally"), 2: story(2)})
    newsroom.step({2: 404})
    yield app
    app.close()


def run(command, app: App, *args: str):
    result = CliRunner().invoke(command, list(args), obj=app, catch_exceptions=False)
    for secret in SECRETS:
        assert secret not in result.output and secret not in result.stderr
    return result


def test_commands_are_exposed_with_examples() -> None:
    assert [c.name for c in COMMANDS] == ["alerts", "notify"]
    for command in COMMANDS:
        assert "Example:" in command.help and "palimpsest " in command.help.split("Example:")[1]


def test_alerts_lists_the_outbox_by_destination_name(app: App) -> None:
    result = run(alerts, app)
    assert result.exit_code == 0
    for text in ("mail", "hook-down", "edited", "deleted", "pending", "charter97-en"):
        assert text in result.output
    assert "127.0.0.1" not in result.output and "json://" not in result.output


def test_alerts_json_and_filters(app: App) -> None:
    doc = json.loads(run(alerts, app, "--json").output)
    assert doc["count"] == 5
    assert {a["destination"] for a in doc["alerts"]} == {"mail", "hook", "hook-down"}
    assert set(doc["alerts"][0]) == {
        "id",
        "event",
        "site",
        "kind",
        "destination",
        "status",
        "attempts",
        "last_error",
        "created_at",
        "sent_at",
    }
    assert json.loads(run(alerts, app, "--json", "--status", "sent").output)["count"] == 0
    assert json.loads(run(alerts, app, "--json", "--since", "2025-03-01T12:30:00+00:00").output)["count"] == 3
    assert json.loads(run(alerts, app, "--json", "--since", "1h").output)["count"] == 0
    assert run(alerts, app, "--since", "soon").exit_code == 2


def test_notify_exits_1_when_a_delivery_failed_and_reports_json(
    app: App, smtp: SMTPReceiver, webhook: WebhookReceiver
) -> None:
    result = run(notify, app, "--json")
    assert result.exit_code == 1
    doc = json.loads(result.output)
    assert (doc["sent"], doc["failed"], doc["pending"]) == (4, 1, 1)
    assert doc["destinations"]["hook-down"]["error"].startswith("the service did not accept")
    assert len(smtp.mails) == 2 and len(webhook.posts) == 2

    listed = json.loads(run(alerts, app, "--json", "--status", "pending").output)["alerts"]
    assert [(a["destination"], a["attempts"]) for a in listed] == [("hook-down", 1)]
    assert "127.0.0.1" in listed[0]["last_error"]


def test_notify_text_output_and_success(app: App) -> None:
    with app.store.session() as s:
        s.execute(update(Alert).where(Alert.destination == "hook-down").values(status="sent"))
    result = run(notify, app)
    assert result.exit_code == 0
    assert "4 sent, 0 failed, 0 waiting." in result.output
    assert "0 sent" in run(notify, app).output


def test_retry_failed_requeues(app: App) -> None:
    with app.store.session() as s:
        s.execute(update(Alert).values(status="failed", attempts=50))
    assert json.loads(run(notify, app, "--json").output)["sent"] == 0
    doc = json.loads(run(notify, app, "--json", "--retry-failed").output)
    assert doc["sent"] == 4 and doc["failed"] == 1


def test_a_secret_already_in_the_store_is_masked_on_output(app: App) -> None:
    # Written by an older or foreign notifier: the commands mask it anyway.
    leaked = f"refused by json://{HOOK_TOKEN}:{HOOK_PASSWORD}@127.0.0.1:9/x (token {HOOK_TOKEN})"
    with app.store.session() as s:
        s.execute(update(Alert).values(last_error=leaked))
    assert "refused by json://***@127.0.0.1/***" in run(alerts, app, "--json").output
    run(alerts, app)
