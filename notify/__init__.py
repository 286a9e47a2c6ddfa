"""Alerts: messages rendered as pure functions, delivered from the outbox through apprise."""

from __future__ import annotations

from notify.deliver import DeliveryReport, DestinationReport, deliver
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
    "DeliveryReport",
    "DestinationReport",
    "EventView",
    "Message",
    "claim",
    "deliver",
    "event_view",
    "idempotency_key",
    "list_alerts",
    "mark_failed",
    "mark_sent",
    "render",
    "requeue_failed",
]
