"""Recent changes, newest first, filtered and paged; and the event links that alerts carry."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.exceptions import HTTPException
from starlette.responses import RedirectResponse

from review import render
from review.app import page
from review.views.common import int_param, reader, time_param
from store import browse
from store.models import Version

if TYPE_CHECKING:
    from starlette.requests import Request

PAGE_SIZE = 50
KNOWN_KINDS = {k for k, _ in render.FILTER_KINDS}


def change_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows for the changes list and the feeds: headline, kinds, size, and the link to the diff."""
    out = []
    for row in rows:
        e, old, new = row["event"], row["from"], row["to"]
        by_id = {v.id: v for v in (old, new) if v is not None}
        seq_of = {v.id: v.seq for v in by_id.values()}
        diff = render.version_diff(old, new)
        shown = new or old
        out.append(
            {
                **row,
                "headline": shown.content.get("headline") if shown else None,
                "labels": render.change_labels(e, by_id),
                "diff": diff,
                "size": diff.size if diff is not None else None,
                "target": render.event_target(e, seq_of),
            }
        )
    return out


def changes_list(request: Request) -> Any:
    q = request.query_params
    site, kind = q.get("site") or None, q.get("kind") or None
    if kind and kind not in KNOWN_KINDS:
        raise HTTPException(400, f"unknown kind {kind!r}")
    since, until = time_param(request, "since"), time_param(request, "until", end_of_day=True)
    before, after = int_param(request, "before"), int_param(request, "after")
    with reader(request) as s:
        rows, more = browse.changes_page(
            s, site=site, kind=kind, since=since, until=until, before=before, after=after, limit=PAGE_SIZE
        )
        sites = browse.site_names(s)
    items = change_rows(rows)
    filters = {"site": site, "kind": kind, "since": q.get("since"), "until": q.get("until")}
    older = items[-1]["event"].id if items and (more or after is not None) else None
    newer = items[0]["event"].id if items and (before is not None or (after is not None and more)) else None
    return page(
        request,
        "changes.html",
        {"items": items, "sites": sites, "filters": filters, "older": older, "newer": newer, "title": "Recent changes"},
    )


def event(request: Request) -> Any:
    """``/events/N``, the link in every alert: straight to what the event is about."""
    with reader(request) as s:
        e = browse.event_by_id(s, request.path_params["event_id"])
        if e is None:
            raise HTTPException(404, f"no event {request.path_params['event_id']}")
        if e.article_id is None:  # an operator event: the site's changes
            return RedirectResponse(f"/?site={browse.site_name(s, e.site_id)}", status_code=303)
        seq_of = {v.id: v.seq for v in (s.get(Version, i) for i in (e.from_version_id, e.to_version_id) if i)}
        return RedirectResponse(render.event_target(e, seq_of), status_code=303)
