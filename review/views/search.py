"""Search by URL, headline and text across every version, deleted articles included."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from review.app import page
from review.views.common import reader
from store.search import search as find
from store.search import snippet, terms

if TYPE_CHECKING:
    from starlette.requests import Request

MAX_QUERY = 200


def search(request: Request) -> Any:
    query = (request.query_params.get("q") or "")[:MAX_QUERY]
    with reader(request) as s:
        hits = find(s, query)
    words = terms(query)
    for hit in hits:
        hit["snippet"] = snippet(hit["version"].content, words) if hit["version"] is not None else []
    title = f"Search: {query}" if query else "Search"
    return page(request, "search.html", {"query": query, "hits": hits, "title": title})
