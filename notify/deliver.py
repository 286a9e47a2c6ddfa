"""Deliver the outbox through apprise: the only module that imports it.

One alert at a time: claim, render, send, mark (see ``notify.outbox`` for the
guarantee). A destination that fails is left alone for the rest of the run — its
alerts wait, in order, for the next one — and the others go on.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import warnings
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

if sys.version_info < (3, 13):
    # apprise's email plugin imports the standard library's imghdr (for PGPy), which
    # warns of its removal on 3.11 and 3.12. Import it once, quietly, so that warning
    # cannot break the email plugin where warnings are errors (the test suite).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import imghdr  # noqa: F401

import apprise  # after the quiet imghdr import above, on purpose

from notify import outbox
from notify.liblogs import LibraryLog, guard_library_logs
from notify.messages import Message, render
from notify.redact import redact, secrets_of
from store.models import AlertStatus

if TYPE_CHECKING:
    from palimpsest.app import App
    from palimpsest.config import Config, Destination
    from store.db import Store

logger = logging.getLogger(__name__)

DEFAULT_LEASE = timedelta(minutes=10)
"""Longer than any one send can take (apprise's own timeouts are seconds)."""
DEFAULT_GIVE_UP = 50
"""Attempts before an alert is ``failed`` for good. Only the oldest alert of a
destination that is down is tried each run, so an outage costs one attempt per run:
about 12 hours at a run every 15 minutes. ``notify --retry-failed`` requeues."""

_FORMATS = {
    "text": apprise.NotifyFormat.TEXT,
    "markdown": apprise.NotifyFormat.MARKDOWN,
    "html": apprise.NotifyFormat.HTML,
}
# Services whose URLs take ``+Header=value`` (HTTP or email headers) and ``:field=value``
# (payload fields): there the key travels outside the body too. Not as the email's
# Message-ID: apprise always adds its own, and a second one would break the message.
_HEADER_SCHEMES = {"mailto", "mailtos", "json", "jsons", "xml", "xmls", "form", "forms"}
_FIELD_SCHEMES = {"json", "jsons", "xml", "xmls", "form", "forms"}
KEY_HEADER = "X-Palimpsest-Key"
KEY_FIELD = "palimpsest_key"


@dataclass
class DestinationReport:
    sent: int = 0
    failed: int = 0
    """Attempts that failed in this run (the alert waits for the next run)."""
    gave_up: int = 0
    """Alerts that reached the give-up limit in this run (now ``failed``)."""
    pending: int = 0
    """Alerts still waiting after this run."""
    configured: bool = True
    """False for a name found in the outbox but no longer in the config."""
    error: str | None = None
    """The last failure, secrets masked."""


@dataclass
class DeliveryReport:
    destinations: dict[str, DestinationReport] = field(default_factory=dict)

    def _sum(self, name: str) -> int:
        return sum(getattr(d, name) for d in self.destinations.values())

    @property
    def sent(self) -> int:
        return self._sum("sent")

    @property
    def failed(self) -> int:
        return self._sum("failed")

    @property
    def gave_up(self) -> int:
        return self._sum("gave_up")

    @property
    def pending(self) -> int:
        return self._sum("pending")

    @property
    def unconfigured(self) -> dict[str, int]:
        """Destinations with waiting alerts that the config no longer names."""
        return {n: d.pending for n, d in self.destinations.items() if not d.configured and d.pending}

    @property
    def ok(self) -> bool:
        return not self.failed

    def as_dict(self) -> dict[str, Any]:
        return {
            "sent": self.sent,
            "failed": self.failed,
            "gave_up": self.gave_up,
            "pending": self.pending,
            "unconfigured": self.unconfigured,
            "destinations": {n: asdict(d) for n, d in self.destinations.items()},
        }


def deliver(
    target: App | Config,
    store: Store | None = None,
    *,
    now: datetime | None = None,
    lease: timedelta = DEFAULT_LEASE,
    give_up_after: int = DEFAULT_GIVE_UP,
) -> DeliveryReport:
    """Send every deliverable alert once; ``deliver(app)`` or ``deliver(config, store)``.

    ``now`` fixes the clock (tests); by default each claim and mark reads the time.
    """
    config = getattr(target, "config", target)
    store = store if store is not None else getattr(target, "store", None)
    if store is None:
        raise TypeError("deliver(app) or deliver(config, store)")
    run = _Run(config, store, now=now, lease=lease, give_up_after=give_up_after)
    run.run()
    _count_waiting(store, run.report)
    return run.report


class _Run:
    """One pass over the outbox: claim one alert, send it, mark it; until nothing is left."""

    def __init__(
        self, config: Config, store: Store, *, now: datetime | None, lease: timedelta, give_up_after: int
    ) -> None:
        self.config, self.store, self.now = config, store, now
        self.lease, self.give_up_after = lease, give_up_after
        self.report = DeliveryReport({d.name: DestinationReport() for d in config.destinations})
        self.secrets = set().union(*(secrets_of(d.url) for d in config.destinations))
        self.tried: set[int] = set()
        self.tree_head = _tree_head(store)

    def clock(self) -> datetime:
        return self.now or datetime.now(UTC)

    def run(self) -> None:
        active = list(dict.fromkeys(d.name for d in self.config.destinations))
        with guard_library_logs(self.secrets) as library_log:
            while active:
                jobs = outbox.claim(self.store, active, now=self.clock(), lease=self.lease, limit=1, exclude=self.tried)
                if not jobs:
                    return
                destination = self.config.destination(jobs[0].destination)
                if not self.one(jobs[0], destination, library_log):
                    active.remove(destination.name)  # down or refusing: the rest waits for the next run

    def one(self, job: outbox.AlertJob, destination: Destination, library_log: LibraryLog) -> bool:
        """Deliver one claimed alert; False when the destination failed it."""
        self.tried.add(job.alert_id)
        _crash_point("before-send")
        entry = self.report.destinations[destination.name]
        message, error = self.message(job, destination)
        if message is not None:
            mark = library_log.mark()
            error = _send(destination, message, job.key)
            if error is not None and (detail := library_log.since(mark)):
                error = f"{error}: {detail}"
        if error is None:
            _crash_point("before-mark")
            # At once and alone: this commit is all that separates "sent" from "sent twice".
            outbox.mark_sent(self.store, job.alert_id, now=self.clock())
            _crash_point("after-mark")
            entry.sent += 1
            logger.info("alert %d (event %d) sent to %s", job.alert_id, job.event_id, destination.name)
            return True
        status = outbox.mark_failed(
            self.store,
            job.alert_id,
            error,
            give_up_after=self.give_up_after,
            secrets=self.secrets,
            claimed_at=job.claimed_at,
        )
        entry.failed += 1
        entry.gave_up += status == AlertStatus.FAILED
        entry.error = redact(error, self.secrets)
        given_up = ", given up" if status == AlertStatus.FAILED else ""
        logger.warning(
            "alert %d (event %d) to %s failed (attempt %d%s): %s",
            job.alert_id,
            job.event_id,
            destination.name,
            job.attempts,
            given_up,
            entry.error,
        )
        # An alert that cannot be rendered is its own fault, not the destination's.
        return message is None

    def message(self, job: outbox.AlertJob, destination: Destination) -> tuple[Message | None, str | None]:
        try:
            with self.store.reader() as s:
                view = outbox.event_view(s, job.event_id, base_url=self.config.base_url)
            return render(view, destination.format, key=job.key, tree_head=self.tree_head), None
        except Exception as exc:  # a bad event must not stop the others from going out
            logger.exception("cannot render alert %d (event %d)", job.alert_id, job.event_id)
            return None, f"cannot render: {type(exc).__name__}: {exc}"


def _tree_head(store: Store) -> str | None:
    """The latest signed tree head, for every alert's footer; an alert goes out without it
    rather than not at all."""
    from store.queries import latest_head_line

    try:
        with store.reader() as s:
            return latest_head_line(s)
    except Exception:  # logged: delivery matters more than the footer
        logger.exception("cannot read the latest tree head for alert footers")
        return None


def _send(destination: Destination, message: Message, key: str) -> str | None:
    """None when apprise says the service accepted the message, else why not."""
    try:
        sender = apprise.Apprise()
        if not sender.add(with_key(destination.url, key), tag=destination.tag):
            return "apprise cannot use this URL (check its syntax and scheme)"
        result = sender.notify(title=message.title, body=message.body, body_format=_FORMATS[message.fmt])
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None if result else "the service did not accept the notification"


def usable_url(url: str) -> bool:
    """Whether apprise can parse ``url`` into a service; nothing is sent, nothing secret logged."""
    from notify.redact import secrets_of

    with guard_library_logs(secrets_of(url)):
        return apprise.Apprise().add(url)


def with_key(url: str, key: str) -> str:
    """``url`` asking apprise to carry ``key`` in a header and a payload field, where it can."""
    scheme = url.partition("://")[0].lower()
    params = [f"+{KEY_HEADER}={key}"] if scheme in _HEADER_SCHEMES else []
    params += [f":{KEY_FIELD}={key}"] if scheme in _FIELD_SCHEMES else []
    if not params:
        return url
    base, hash_, fragment = url.partition("#")
    return f"{base}{'&' if '?' in base else '?'}{'&'.join(params)}{hash_}{fragment}"


def _count_waiting(store: Store, report: DeliveryReport) -> None:
    for name, by_status in outbox.counts(store).items():
        waiting = by_status.get(AlertStatus.PENDING, 0) + by_status.get(AlertStatus.SENDING, 0)
        if name not in report.destinations:
            if not waiting:
                continue
            report.destinations[name] = DestinationReport(configured=False)
            logger.warning("%d alerts wait for destination %r, which is not in the config", waiting, name)
        report.destinations[name].pending = waiting


_passed: Counter[str] = Counter()


def _crash_point(point: str) -> None:
    """Test hook: ``PALIMPSEST_TEST_KILL_AT=before-mark:1`` SIGKILLs this process there.

    Points: ``before-send`` (claimed, not sent), ``before-mark`` (sent, not marked),
    ``after-mark``; the number counts passes. Lets the tests kill a real notifier at
    an exact point of the protocol; a no-op unless that variable is set.
    """
    wanted = os.environ.get("PALIMPSEST_TEST_KILL_AT")
    if not wanted:
        return
    _passed[point] += 1
    if wanted == f"{point}:{_passed[point]}":
        os.kill(os.getpid(), signal.SIGKILL)
