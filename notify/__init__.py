"""Alerts: messages rendered as pure functions, delivered from the outbox through apprise.

Delivery (``notify.deliver``) is not re-exported here: it imports apprise, which only the
commands that send alerts should pay for at start-up.
"""

from __future__ import annotations

from notify.messages import EventView, Message, render
from notify.outbox import (
    AlertJob,
    AlertRow,
    claim,
    event_view,
    idempotency_key,
    list_alerts,
    mark_failed,
    mark_sent,
    requeue_failed,
)

__all__ = [
    "AlertJob",
    "AlertRow",
    "EventView",
    "Message",
    "claim",
    "event_view",
    "idempotency_key",
    "list_alerts",
    "mark_failed",
    "mark_sent",
    "render",
    "requeue_failed",
]
