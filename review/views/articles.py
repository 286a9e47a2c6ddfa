"""An article's timeline, a version as it stood, its evidence bundle, and deleted articles."""

from __future__ import annotations

import io
import tempfile
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.exceptions import HTTPException
from starlette.responses import Response

from review import render
from review.app import page
from review.chart import view_chart
from review.views.common import article_or_404, int_param, reader, time_param
from review.views.verify import article_chain
from store import browse

if TYPE_CHECKING:
    from starlette.requests import Request


def _timeline(
    runs: list[dict[str, Any]], events: list[Any], seq_of: dict[int, int], by_id: dict[int, Any]
) -> list[dict[str, Any]]:
    """Capture runs and events in one list, newest first."""
    items = [
        {"type": "run", "at": r["last"], "order": r["last_id"], **r, "version": seq_of.get(r["version_id"])}
        for r in runs
    ]
    items += [
        {
            "type": "event",
            "at": e.created_at,
            "order": e.capture_id or 0,
            "event": e,
            "from": seq_of.get(e.from_version_id),
            "to": seq_of.get(e.to_version_id),
            "labels": render.change_labels(e, by_id),
            "target": render.event_target(e, seq_of),
        }
        for e in events
    ]
    # An event follows the capture that made it; a run ends at its last capture.
    items.sort(key=lambda i: (i["order"], i["type"] == "event"), reverse=True)
    return items


def article(request: Request) -> Any:
    with reader(request) as s:
        a = article_or_404(s, request.path_params["article_id"])
        site = browse.site_name(s, a.site_id)
        versions = browse.versions(s, a.id)
        seq_of = {v.id: v.seq for v in versions}
        runs = browse.capture_runs(s, a.id)
        events = browse.article_events(s, a.id)
        series = browse.view_series(s, a.id)
    chain = article_chain(request.app.state.store, a)
    rows, previous = [], None
    for v in versions:
        diff = render.version_diff(previous, v)
        sightings = [r for r in runs if r["version_id"] == v.id]
        rows.append(
            {
                "version": v,
                "size": diff.size if diff else None,
                "labels": _kinds(diff),
                "captures": sum(r["count"] for r in sightings),
                "last_seen": max((r["last"] for r in sightings), default=None),
            }
        )
        previous = v
    current = next((v for v in versions if v.id == a.current_version_id), versions[-1] if versions else None)
    chart = view_chart(series, [(v.first_seen_at, f"v{v.seq}") for v in versions[1:]])
    return page(
        request,
        "article.html",
        {
            "article": a,
            "site": site,
            "versions": rows,
            "current": current,
            "content": render.content_of(current),
            "timeline": _timeline(runs, events, seq_of, {v.id: v for v in versions}),
            "chart": chart,
            "chain": chain,
            "title": (current.content.get("headline") if current else a.url),
        },
    )


def _kinds(diff: Any) -> list[str]:
    if diff is None:
        return []
    names = [render.FIELD_LABELS.get(f.name, f.name).lower() for f in diff.changed_fields]
    blocks = sorted({render.BLOCK_LABELS[b.kind] for b in diff.body if b.is_change and b.kind != "moved_away"})
    return names + [f"paragraphs {k}" for k in blocks]


def _version_page(request: Request, s: Any, a: Any, shown: browse.Shown | None, at: datetime | None = None) -> Any:
    if shown is None:
        raise HTTPException(
            404, "no such version" if at is None else f"nothing was read at or before {at:%Y-%m-%d %H:%M} UTC"
        )
    return page(
        request,
        "version.html",
        {
            "article": a,
            "site": browse.site_name(s, a.site_id),
            "version": shown.version,
            "content": render.content_of(shown.version),
            "capture": browse.capture_row(shown.capture),
            "latest": browse.capture_row(shown.latest) if shown.latest else None,
            "sightings": browse.version_sightings(s, shown.version.id),
            "count": len(browse.versions(s, a.id)),
            "at": at,
            "title": f"v{shown.version.seq}: {shown.version.content.get('headline')}",
        },
    )


def version(request: Request) -> Any:
    with reader(request) as s:
        a = article_or_404(s, request.path_params["article_id"])
        return _version_page(request, s, a, browse.version_by_seq(s, a, request.path_params["seq"]))


def at_time(request: Request) -> Any:
    """``/articles/N/at?t=TIME``: one link that shows a colleague what the article said then."""
    at = time_param(request, "t") or datetime.now(UTC)
    with reader(request) as s:
        a = article_or_404(s, request.path_params["article_id"])
        return _version_page(request, s, a, browse.state_at(s, a, at), at)


def bundle(request: Request) -> Response:
    """The article's evidence bundle (WARC and manifest, from ``palimpsest export``) as one zip."""
    from evidence.bundle import export_bundle, slugify

    store = request.app.state.store
    with reader(request) as s:
        a = article_or_404(s, request.path_params["article_id"])
        site, url = browse.site_name(s, a.site_id), a.url
    with tempfile.TemporaryDirectory(prefix="palimpsest-bundle-") as tmp:
        made = export_bundle(store, url, tmp, site=site)
        data = io.BytesIO()
        with zipfile.ZipFile(data, "w", zipfile.ZIP_STORED) as zf:  # the WARC is gzip already
            for path in (made.warc, made.manifest):
                zf.write(path, Path(path).name)
    name = f"{slugify(url)}.evidence.zip"
    return Response(
        data.getvalue(), media_type="application/zip", headers={"content-disposition": f'attachment; filename="{name}"'}
    )


def deleted(request: Request) -> Any:
    with reader(request) as s:
        rows, more = browse.deleted_articles(s, before=int_param(request, "before"))
    older = rows[-1]["event"].id if rows and more else None
    return page(request, "deleted.html", {"rows": rows, "older": older, "title": "Deleted articles"})
