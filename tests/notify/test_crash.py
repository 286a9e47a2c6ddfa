"""A notifier process SIGKILLed at each point of the protocol: nothing lost, duplicates only where said.

The one honest at-least-once window: the receiver accepted a message and the process
died before committing ``sent``. Then the alert is sent again once its lease has
passed, with the same idempotency key, so the receiver can tell it is a repeat.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from notify.deliver import DEFAULT_LEASE, deliver
from store.db import Store
from store.models import Alert
from tests.support.notify import Newsroom, SMTPReceiver, WebhookReceiver, make_config, story

pytestmark = pytest.mark.timeout(120)

CHILD = """
import json, sys
from palimpsest.config import from_dict
from store.db import Store
from notify.deliver import deliver
config = from_dict(json.loads(sys.argv[1]), environ={})
store = Store(config.store_url).upgrade()
print(json.dumps(deliver(config, store).as_dict()))
"""


def notifier(data: dict, tmp_path, kill_at: str | None = None) -> subprocess.Popen:
    """``palimpsest notify`` in a process of its own, as cron would run it."""
    env = {**os.environ, "PALIMPSEST_TEST_KILL_AT": kill_at or ""}
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, json.dumps(data)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(child: subprocess.Popen) -> int:
    try:
        child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate()
    return child.returncode


def statuses(store: Store) -> Counter[str]:
    with store.reader() as s:
        return Counter(s.scalars(select(Alert.status)).all())


@pytest.fixture
def scene(smtp: SMTPReceiver, webhook: WebhookReceiver, sqlite_url: str, open_stores: list[Store]):
    """Three edits routed to email and webhook: six alerts in the outbox."""
    data = {
        "store": sqlite_url,
        "sites": [],
        "notify": [{"name": "mail", "url": smtp.url}, {"name": "hook", "url": webhook.url}],
    }
    config = make_config(sqlite_url, *data["notify"])
    store = Store(sqlite_url).upgrade()
    open_stores.append(store)
    newsroom = Newsroom(store, config)
    newsroom.step({n: story(n) for n in range(3)})
    events = newsroom.step({n: story(n, headline=f"Story {n}: edited") for n in range(3)})
    keys = {f"palimpsest-{e}-{d}" for e in events for d in ("mail", "hook")}
    return data, config, store, keys


@pytest.mark.parametrize(
    ("kill_at", "repeated"),
    [
        ("before-send:1", 0),  # claimed, nothing sent: sent once after the lease
        ("before-mark:1", 1),  # sent, not marked: the one at-least-once window
        ("after-mark:1", 0),  # sent and marked: nothing repeats
        ("before-mark:3", 1),  # the same window, later in a run
        ("after-mark:4", 0),
    ],
)
def test_killed_notifier_loses_nothing(
    kill_at: str, repeated: int, scene, tmp_path, smtp: SMTPReceiver, webhook: WebhookReceiver
) -> None:
    data, config, store, keys = scene
    assert finish(notifier(data, tmp_path, kill_at)) == -signal.SIGKILL

    # The next run at once: a claim still inside its lease is left alone, since its
    # notifier might be alive and sending; everything else goes out.
    deliver(config, store)
    held = statuses(store)["sending"]
    assert held == (0 if kill_at.startswith("after-mark") else 1)
    # After the lease: the held alert too.
    report = deliver(config, store, now=datetime.now(UTC) + DEFAULT_LEASE + timedelta(seconds=1))
    assert report.sent == held and report.ok
    assert statuses(store) == Counter({"sent": 6})

    received = Counter(smtp.keys() + webhook.keys())
    assert set(received) == keys, "every alert reached its receiver"
    assert sum(received.values()) == len(keys) + repeated
    assert sorted(received.values(), reverse=True)[:1] == [1 + repeated]


def test_killed_while_the_receiver_holds_the_request(
    scene, tmp_path, webhook: WebhookReceiver, smtp: SMTPReceiver
) -> None:
    """SIGKILL from outside, mid-request: the receiver has the message, the sender no answer."""
    data, config, store, keys = scene
    child = notifier(data, tmp_path)
    webhook.on_post = lambda post: os.kill(child.pid, signal.SIGKILL)
    assert finish(child) == -signal.SIGKILL
    webhook.on_post = None
    [(first, _)] = Counter(webhook.keys()).items()

    deliver(config, store, now=datetime.now(UTC) + DEFAULT_LEASE + timedelta(seconds=1))
    assert statuses(store) == Counter({"sent": 6})
    received = Counter(smtp.keys() + webhook.keys())
    assert set(received) == keys
    # Sent twice, under one key: the receiver can drop the repeat.
    assert received[first] == 2 and sum(received.values()) == 7
