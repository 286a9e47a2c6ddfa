"""The diff between any two versions: inline or side by side, whole or changes only."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.exceptions import HTTPException

from changes.diff import with_context
from review import render
from review.app import page
from review.views.common import article_or_404, int_param, reader
from store import browse

if TYPE_CHECKING:
    from starlette.requests import Request

CONTEXT = 2
"""Unchanged paragraphs kept around each change in the "changes only" mode."""


def diff(request: Request) -> Any:
    q = request.query_params
    view = q.get("view", "inline")
    mode = q.get("mode", "changes")
    if view not in ("inline", "side") or mode not in ("changes", "all"):
        raise HTTPException(400, "view is inline or side; mode is changes or all")
    old_seq, new_seq = int_param(request, "from"), int_param(request, "to")
    with reader(request) as s:
        a = article_or_404(s, request.path_params["article_id"])
        site = browse.site_name(s, a.site_id)
        versions = browse.versions(s, a.id)
    by_seq = {v.seq: v for v in versions}
    if not versions:
        raise HTTPException(404, "this article has no version yet")
    new_seq = new_seq if new_seq is not None else versions[-1].seq
    old_seq = old_seq if old_seq is not None else new_seq - 1
    if old_seq not in by_seq or new_seq not in by_seq:
        raise HTTPException(404, f"no such versions: the article has {', '.join(map(str, by_seq))}")
    old, new = by_seq[old_seq], by_seq[new_seq]
    result = render.version_diff(old, new)
    blocks = with_context(result.body, CONTEXT) if mode == "changes" else result.body
    # Number the changes, fields first, for the previous/next links and the j/k keys.
    numbered, n = [], 0
    for f in result.changed_fields:
        n += 1
        numbered.append(("field", f, n))
    for b in blocks:
        if b.is_change:
            n += 1
        numbered.append(("block", b, n if b.is_change else None))
    params = {"from": old_seq, "to": new_seq, "view": view, "mode": mode}
    step = new_seq - old_seq
    nav = {
        "prev": render.diff_href(a.id, old_seq - step, new_seq - step, view=view, mode=mode)
        if old_seq - step >= 1
        else None,
        "next": render.diff_href(a.id, old_seq + step, new_seq + step, view=view, mode=mode)
        if new_seq + step in by_seq
        else None,
    }
    return page(
        request,
        "diff.html",
        {
            "article": a,
            "site": site,
            "old": old,
            "new": new,
            "diff": result,
            "items": numbered,
            "changes": n,
            "view": view,
            "mode": mode,
            "params": params,
            "nav": nav,
            "versions": versions,
            "title": f"v{old_seq} → v{new_seq}: {new.content.get('headline')}",
        },
    )
