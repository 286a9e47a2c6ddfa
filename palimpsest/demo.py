"""``palimpsest demo``: watch a local copy of a news site get edited, with no network.

It serves the synthetic site on 127.0.0.1, crawls it, edits and deletes articles,
crawls again, then shows the events, a diff and the alerts delivered to a local
webhook: the whole product in one minute.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from localsite import LocalSite, WebhookReceiver
from palimpsest.config import from_dict
from palimpsest.crawl import crawl_isolated

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path


SITE = "charter97-demo"
# The demo confirms at once; the real defaults wait for 2 captures (edits) and
# 3 captures over 2 hours (deletions).
THRESHOLDS = {
    "edit_confirmations": 1,
    "delete_confirmations": 1,
    "delete_min_age": "0s",
    "recheck_min": "0s",
    "recheck_max": "0s",
    "listing_pages": 1,
    "delay": 0.0,
}  # a copy on this machine: no one to be polite to


def run_demo(directory: Path, *, echo: Callable[[str], None] | None = print) -> dict[str, Any]:
    """Run the demo in ``directory`` (its store is made afresh) and return what happened."""
    say = echo or (lambda _text: None)
    directory.mkdir(parents=True, exist_ok=True)
    db = directory / "palimpsest.db"
    for stale in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
        stale.unlink(missing_ok=True)
    with LocalSite() as site, WebhookReceiver() as hook:
        config = from_dict(
            {
                "store": f"sqlite:///{db.resolve()}",
                "sites": [
                    {
                        "name": SITE,
                        "parser": "charter97",
                        "start_urls": site.start_urls(),
                        "feeds": site.feed_urls(),
                        **THRESHOLDS,
                    }
                ],
                "notify": [{"name": "demo-webhook", "url": hook.url, "format": "text"}],
            },
            environ={},
        )
        say(f"Serving a synthetic copy of charter97.org at {site.base_url}")
        say(f"Archive: {db}\n")

        first = crawl_isolated(config)[0]
        say(f"1. First crawl: {first.stats.get('pages', 0)} articles archived ({first.health}).")

        articles = site.articles()
        edited, retitled, deleted = articles[0], articles[1], articles[2]
        site.edit(edited.id, body=[*edited.body[:-1], "This paragraph was rewritten after publication."])
        site.edit(retitled.id, headline=retitled.headline + " — corrected")
        site.set_views(articles[3].id, articles[3].views + 5000)
        site.delete(deleted.id, "404")
        say(
            f"2. The site quietly edits {site.url(edited.id)},\n"
            f"   retitles {site.url(retitled.id)},\n"
            f"   deletes {site.url(deleted.id)}\n"
            f"   and one article's view counter moves on (not an edit)."
        )

        second = crawl_isolated(config)[0]
        say(f"3. Second crawl: {len(second.events)} events; alerts delivered to a local webhook.\n")
        outcome = _report(config, site.url(edited.id), say)
        say(f"Explore: PALIMPSEST_DB=sqlite:///{db} palimpsest changes   (or history URL, diff URL)\n")
        outcome["webhook"] = [post.payload for post in hook.posts]
    for message in outcome["webhook"]:
        say(f"   alert received: {message.get('title', message)}")
    outcome["problems"] = _problems(outcome)
    return outcome


# What the demo's own edits must produce: two edits and a deletion, each alerted once.
EXPECTED_EVENTS = {"edited": 2, "deleted": 1}


def _problems(outcome: dict[str, Any]) -> list[str]:
    """Why the demo did not show what it promises (empty when it did)."""
    kinds: dict[str, int] = {}
    for event in outcome["events"]:
        kinds[event["kind"]] = kinds.get(event["kind"], 0) + 1
    problems = []
    if kinds != EXPECTED_EVENTS:
        problems.append(f"expected events {EXPECTED_EVENTS}, got {kinds}")
    expected_alerts = sum(EXPECTED_EVENTS.values())
    if len(outcome["webhook"]) != expected_alerts:
        problems.append(f"expected {expected_alerts} alerts at the webhook, got {len(outcome['webhook'])}")
    return problems


def _report(config: Any, edited_url: str, say: Callable[[str], None]) -> dict[str, Any]:
    from changes import Content
    from changes.diff import render_text
    from notify.deliver import deliver
    from palimpsest.app import App
    from store.queries import changes_since, find_article, versions_for_diff

    app = App(config=config)
    try:
        delivery = deliver(app.config, app.store).as_dict()
        with app.store.reader() as s:
            events = [e for e in changes_since(s, None, limit=50) if e["kind"] != "new"]
            article = find_article(s, edited_url)
            old, new = versions_for_diff(s, article, None, None)
            diff = render_text(Content.from_json(old.content), Content.from_json(new.content))
    finally:
        app.close()
    say("Events:")
    for e in reversed(events):
        say(f"   {e['kind']:<8} {e['url']}  {', '.join(e['details'].get('changes', []))}")
    say(f"\nDiff of {edited_url} (v{old.seq} → v{new.seq}):\n{diff}\n")
    return {"events": events, "diff": diff, "delivery": delivery}
