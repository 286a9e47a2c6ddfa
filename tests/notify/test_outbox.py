"""The outbox protocol on SQLite and PostgreSQL: claim, lease, mark, give up, and event views."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from notify.outbox import (
    claim,
    counts,
    event_view,
    idempotency_key,
    list_alerts,
    mark_failed,
    mark_sent,
    requeue_failed,
)
from store.db import Store
from store.models import Alert
from tests.support.notify import T0, Newsroom, article_url, make_config, story

pytestmark = pytest.mark.timeout(120)

LEASE = timedelta(minutes=10)
DESTINATIONS = (
    {"name": "mail", "url": "mailto://u:pw-0utb0x@127.0.0.1:9?from=a@example.org&to=b@example.org"},
    {"name": "hook", "url": "json://127.0.0.1:9/hook", "events": ["edited"]},
)


@pytest.fixture
def store(store_url: str, open_stores: list[Store]) -> Store:
    store = Store(store_url).upgrade()
    open_stores.append(store)
    return store


@pytest.fixture
def newsroom(store: Store, store_url: str) -> Newsroom:
    return Newsroom(store, make_config(store_url, *DESTINATIONS))


def edit_and_delete(newsroom: Newsroom) -> tuple[int, int]:
    """Article 1 edited, article 2 deleted: returns (edited event, deleted event)."""
    newsroom.step({1: story(1), 2: story(2)}, views=100)
    [edited] = newsroom.step({1: story(1, headline="Story 1: rally in Minsk"), 2: story(2)}, views=200)
    newsroom.step({1: story(1, headline="Story 1: rally in Minsk"), 2: story(2)}, views=300)
    [deleted] = newsroom.step({2: 404}, views=400)
    return edited, deleted


def statuses(store: Store) -> dict[tuple[int, str], tuple[str, int]]:
    with store.reader() as s:
        rows = s.execute(select(Alert.event_id, Alert.destination, Alert.status, Alert.attempts)).all()
    return {(e, d): (st, n) for e, d, st, n in rows}


def test_events_write_one_pending_alert_per_routed_destination(store: Store, newsroom: Newsroom) -> None:
    edited, deleted = edit_and_delete(newsroom)
    assert statuses(store) == {
        (edited, "mail"): ("pending", 0),
        (edited, "hook"): ("pending", 0),
        (deleted, "mail"): ("pending", 0),
    }


def test_claim_is_exclusive_until_the_lease_ends(store: Store, newsroom: Newsroom) -> None:
    edited, deleted = edit_and_delete(newsroom)
    jobs = claim(store, ["mail", "hook"], now=T0, lease=LEASE)
    assert [(j.event_id, j.destination, j.attempts) for j in jobs] == [
        (edited, "mail", 1),
        (edited, "hook", 1),
        (deleted, "mail", 1),
    ]
    assert jobs[0].key == f"palimpsest-{edited}-mail"
    assert claim(store, ["mail", "hook"], now=T0 + LEASE, lease=LEASE) == []
    # A notifier killed while holding them: after the lease, they are deliverable again.
    again = claim(store, ["mail"], now=T0 + LEASE + timedelta(seconds=1), lease=LEASE, limit=1)
    assert [(j.event_id, j.destination, j.attempts) for j in again] == [(edited, "mail", 2)]


def test_claim_only_named_destinations_and_not_excluded(store: Store, newsroom: Newsroom) -> None:
    edited, deleted = edit_and_delete(newsroom)
    assert claim(store, [], now=T0, lease=LEASE) == []
    assert claim(store, ["gone-from-config"], now=T0, lease=LEASE) == []
    first = claim(store, ["mail"], now=T0, lease=LEASE, limit=1)
    assert [j.event_id for j in first] == [edited]
    later = T0 + 2 * LEASE
    assert [j.event_id for j in claim(store, ["mail"], now=later, lease=LEASE, exclude={first[0].alert_id})] == [
        deleted
    ]


def test_mark_sent_and_failed(store: Store, newsroom: Newsroom) -> None:
    edited, _ = edit_and_delete(newsroom)
    mail, hook, deleted_mail = claim(store, ["mail", "hook"], now=T0, lease=LEASE)
    mark_sent(store, mail.alert_id, now=T0)
    status = mark_failed(
        store,
        hook.alert_id,
        "connection refused by https://u:pw-0utb0x@x.example/p/pw-0utb0x",
        give_up_after=3,
        secrets={"pw-0utb0x"},
        claimed_at=hook.claimed_at,
    )
    assert status == "pending"
    rows = {r.id: r for r in list_alerts(store)}
    assert rows[mail.alert_id].status == "sent" and rows[mail.alert_id].sent_at == T0
    assert rows[hook.alert_id].attempts == 1
    assert "pw-0utb0x" not in rows[hook.alert_id].last_error
    assert rows[hook.alert_id].last_error.startswith("connection refused by https://***@x.example/***")
    # A sent alert is never claimed again, and a failure reported late cannot requeue it.
    assert mark_failed(store, mail.alert_id, "late", give_up_after=3) is None
    assert [j.alert_id for j in claim(store, ["mail", "hook"], now=T0, lease=LEASE)] == [hook.alert_id]
    assert counts(store) == {"mail": {"sent": 1, "sending": 1}, "hook": {"sending": 1}}
    assert deleted_mail.event_id != edited


def test_gives_up_after_n_attempts_and_requeue(store: Store, newsroom: Newsroom) -> None:
    edit_and_delete(newsroom)
    results = []
    for attempt in range(3):
        [job] = claim(store, ["hook"], now=T0 + attempt * LEASE, lease=LEASE, limit=1)
        results.append((job.attempts, mark_failed(store, job.alert_id, "down", give_up_after=3)))
    assert results == [(1, "pending"), (2, "pending"), (3, "failed")]
    assert claim(store, ["hook"], now=T0 + 9 * LEASE, lease=LEASE) == []
    assert requeue_failed(store, ["hook"]) == 1
    [job] = claim(store, ["hook"], now=T0 + 9 * LEASE, lease=LEASE)
    assert job.attempts == 1


def test_mark_failed_leaves_a_claim_taken_over_by_another_notifier(store: Store, newsroom: Newsroom) -> None:
    edit_and_delete(newsroom)
    [slow] = claim(store, ["hook"], now=T0, lease=LEASE)
    [other] = claim(store, ["hook"], now=T0 + 2 * LEASE, lease=LEASE)
    assert other.alert_id == slow.alert_id
    assert mark_failed(store, slow.alert_id, "timeout", give_up_after=5, claimed_at=slow.claimed_at) is None
    assert statuses(store)[(other.event_id, "hook")] == ("sending", 2)


def test_concurrent_claims_never_share_an_alert(
    store_url: str, store: Store, newsroom: Newsroom, open_stores: list[Store]
) -> None:
    newsroom.step({n: story(n) for n in range(12)})
    newsroom.step({n: story(n, headline=f"Edited {n}") for n in range(12)})
    taken: list[list[int]] = [[], []]
    barrier = threading.Barrier(2)

    def worker(i: int) -> None:
        own = Store(store_url).upgrade()
        open_stores.append(own)
        barrier.wait()
        while jobs := claim(own, ["mail", "hook"], now=T0, lease=LEASE, limit=1):
            taken[i].extend(j.alert_id for j in jobs)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not set(taken[0]) & set(taken[1])
    assert len(taken[0]) + len(taken[1]) == 24


def test_event_view_of_an_edit(store: Store, newsroom: Newsroom) -> None:
    edited, _ = edit_and_delete(newsroom)
    with store.reader() as s:
        view = event_view(s, edited, base_url="http://127.0.0.1:8080")
    assert (view.site, view.kind, view.url) == ("charter97-en", "edited", article_url(1))
    assert (view.headline_old, view.headline_new) == ("Story 1: protest in Minsk", "Story 1: rally in Minsk")
    assert view.changes == ("headline",)
    # The views read by the capture that confirmed the edit, not the later ones.
    assert view.views == 201
    assert view.review_links[0] == ("Article timeline", f"http://127.0.0.1:8080/articles/{view.article_id}")


def test_event_view_of_a_deletion_and_an_operator_event(store: Store, newsroom: Newsroom) -> None:
    _, deleted = edit_and_delete(newsroom)
    with store.reader() as s:
        view = event_view(s, deleted)
    assert view.kind == "deleted" and view.headline == "Story 2: protest in Minsk"
    assert view.removed == (
        "Lead of story 2.",
        "First paragraph of story 2.",
        "Second paragraph of story 2.",
        "Third paragraph of story 2.",
    )
    assert view.views == 302 and view.details["reason"] == "http 404"
    # A run where nothing answers: an operator event about the site.
    [unreachable] = _unreachable(newsroom)
    with store.reader() as s:
        op = event_view(s, unreachable)
    assert op.kind == "site_unreachable" and op.article_id is None and op.url is None
    assert "answered normally" in op.details["reason"]


def _unreachable(newsroom: Newsroom) -> list[int]:
    from changes import HealthPolicy, Outcome, Verdict
    from changes.records import Fetched

    archive = newsroom.archive
    run_id = archive.start_run(newsroom.SITE, "charter97", now=newsroom.clock)
    fetched = Fetched(kind="listing", url="https://charter97.org/en/news/", fetched_at=newsroom.clock, status=503)
    archive.record(run_id, fetched, Verdict(Outcome.TRANSIENT, "http 503"))
    return archive.finish_run(run_id, policy=newsroom.policy, health_policy=HealthPolicy(), now=newsroom.clock).events


def test_idempotency_key_is_deterministic_and_header_safe() -> None:
    assert idempotency_key(42, "mail") == "palimpsest-42-mail"
    assert idempotency_key(42, "ops desk/ü") == "palimpsest-42-ops_desk__"
