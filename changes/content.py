"""The versioned content of an article, normalised, and its stable hash."""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import asdict, dataclass, fields
from typing import Any

# Characters that render as nothing or as a plain space: a change in them alone is
# never an edit a reader could see.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_SPACES = re.compile(r"\s+")


def clean_text(text: str | None) -> str | None:
    """NFC, invisible characters dropped, runs of white space as one space, trimmed."""
    if text is None:
        return None
    text = unicodedata.normalize("NFC", text.translate(_INVISIBLE))
    text = _SPACES.sub(" ", text).strip()
    return text or None


@dataclass(frozen=True, kw_only=True)
class Content:
    """What makes a version: every field a reader would call the article's content.

    Views and comment counts are not here on purpose. Dates are ISO 8601 strings with
    their offset, so that the content round-trips through JSON unchanged.
    """

    headline: str
    lead: str | None = None
    body: tuple[str, ...] = ()
    published: str | None = None
    published_raw: str | None = None
    updated: str | None = None
    author: str | None = None
    tags: tuple[str, ...] = ()
    image: str | None = None
    videos: tuple[str, ...] = ()

    @classmethod
    def build(cls, **values: Any) -> Content:
        """A normalised Content: text cleaned, empty paragraphs and tags dropped."""
        names = {f.name for f in fields(cls)}
        unknown = set(values) - names
        if unknown:
            raise TypeError(f"unknown content fields: {sorted(unknown)}")
        text = {k: clean_text(values.get(k)) for k in ("lead", "published_raw", "author")}
        return cls(
            headline=clean_text(values.get("headline")) or "",
            body=tuple(p for p in map(clean_text, values.get("body") or ()) if p),
            tags=tuple(t for t in map(clean_text, values.get("tags") or ()) if t),
            published=values.get("published"),
            updated=values.get("updated"),
            image=values.get("image") or None,
            videos=tuple(values.get("videos") or ()),
            **text,
        )

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("body", "tags", "videos"):
            data[key] = list(data[key])
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Content:
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        for key in ("body", "tags", "videos"):
            values[key] = tuple(values.get(key) or ())
        return cls(**values)

    @property
    def digest(self) -> str:
        """SHA-256 of the canonical JSON: equal content, equal digest, on any machine."""
        canonical = json.dumps(self.to_json(), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
