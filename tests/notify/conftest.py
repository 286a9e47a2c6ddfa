"""Fixtures for the notifier: real local receivers, started and stopped around each test."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import pytest

from tests.support.notify import SMTPReceiver, WebhookReceiver

if TYPE_CHECKING:
    from collections.abc import Iterator

    from store.db import Store


@pytest.fixture
def smtp() -> Iterator[SMTPReceiver]:
    receiver = SMTPReceiver().start()
    # aiosmtpd logs the raw SMTP dialogue (base64 credentials included) at debug: it is
    # the receiver talking, not us, so keep it out of the logs the tests inspect.
    quiet = logging.getLogger("mail.log")
    level = quiet.level
    quiet.setLevel(logging.WARNING)
    yield receiver
    receiver.stop()
    quiet.setLevel(level)


@pytest.fixture
def webhook() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver().start()
    yield receiver
    receiver.stop()


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'palimpsest.db'}"


@pytest.fixture
def open_stores() -> Iterator[list[Store]]:
    """Stores a test opens, closed afterwards whatever happens."""
    stores: list[Store] = []
    yield stores
    for store in stores:
        store.close()
