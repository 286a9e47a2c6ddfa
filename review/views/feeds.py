"""Atom feeds of changes, overall and per site; each entry carries the change itself."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from xml.etree import ElementTree as ET

import nh3
from starlette.exceptions import HTTPException
from starlette.responses import Response

from changes.diff import with_context
from review import render
from review.views.changes import change_rows
from review.views.common import reader
from store import browse

if TYPE_CHECKING:
    from starlette.requests import Request

ATOM = "http://www.w3.org/2005/Atom"
ENTRIES = 50
MAX_ENTRY_CHARS = 3000
"""Text of one entry's diff, at most: a feed reader shows the change, the diff page the rest."""


def feed(request: Request) -> Response:
    site = request.path_params.get("site")
    with reader(request) as s:
        if site is not None and site not in browse.site_names(s):
            raise HTTPException(404, f"no site {site!r}")
        rows, _ = browse.changes_page(s, site=site, limit=ENTRIES)
    base = (request.app.state.base_url or str(request.base_url)).rstrip("/")
    entry_template = request.app.state.templates.get_template("_feed_entry.html")
    root = ET.Element("feed", xmlns=ATOM)
    ET.SubElement(root, "title").text = f"Palimpsest: changes{f' on {site}' if site else ''}"
    ET.SubElement(root, "id").text = f"{base}/{f'sites/{site}/' if site else ''}feed.atom"
    ET.SubElement(root, "link", rel="self", href=f"{base}{request.url.path}")
    ET.SubElement(root, "link", rel="alternate", type="text/html", href=f"{base}/" + (f"?site={site}" if site else ""))
    ET.SubElement(root, "generator").text = "Palimpsest"
    items = change_rows(rows)
    newest = max((i["event"].created_at for i in items), default=datetime.now(UTC))
    ET.SubElement(root, "updated").text = render.iso(newest)
    for item in items:
        e = item["event"]
        entry = ET.SubElement(root, "entry")
        title = f"{render.event_title(e.kind)}: {item['headline'] or item['url']}"
        ET.SubElement(entry, "title").text = render.clean(title)
        ET.SubElement(entry, "id").text = f"{base}/events/{e.id}"
        ET.SubElement(entry, "link", rel="alternate", type="text/html", href=f"{base}{item['target']}")
        ET.SubElement(entry, "updated").text = render.iso(e.created_at)
        ET.SubElement(ET.SubElement(entry, "author"), "name").text = item["site"]
        summary = ", ".join(item["labels"]) or e.kind
        if item["size"]:
            summary += f" ({render.size_label(item['size'])})"
        ET.SubElement(entry, "summary").text = summary
        html = entry_template.render(item=item, blocks=_capped(item), link=f"{base}{item['target']}", **render.GLOBALS)
        ET.SubElement(entry, "content", type="html").text = nh3.clean(html)
    body = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return Response(body, media_type="application/atom+xml; charset=utf-8")


def _capped(item: dict[str, Any]) -> dict[str, Any]:
    """The fields and body changes that fit in ``MAX_ENTRY_CHARS``, and whether some were left out."""
    diff = item["diff"]
    if diff is None:
        return {"fields": [], "blocks": [], "cut": False}
    budget, fields, blocks, cut = MAX_ENTRY_CHARS, [], [], False
    for f in diff.changed_fields:
        budget -= len(f.old or "") + len(f.new or "")
        fields.append(f)
    for b in with_context(diff.body, 0):
        if b.kind == "skipped":
            continue
        cost = sum(map(len, b.old)) + sum(map(len, b.new))
        if budget - cost < 0:
            cut = True
            break
        budget -= cost
        blocks.append(b)
    return {"fields": fields, "blocks": blocks, "cut": cut}
