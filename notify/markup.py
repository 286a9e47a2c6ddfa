"""A tiny document model for alert bodies and its text, markdown and html writers.

Scraped text is hostile input: a headline may carry ``<script>``, a markdown link or
terminal control codes. Every writer escapes it for its format, so messages.py builds
documents from plain strings and never escapes anything itself.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

FORMATS = ("text", "markdown", "html")

# Control characters and bidirectional overrides: the first can drive terminals that
# show plain-text alerts, the second can make a headline read differently on screen
# than in the archive ("Trojan source"). Line breaks would break the layout.
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]+")
_UNSAFE_IN_LINES = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]+")
# Whole escape sequences, so that no parameter text ("[2J", "]0;title") is left behind:
# OSC/DCS/PM/APC strings up to BEL or ST, CSI (7- and 8-bit), then any other ESC pair.
_ESCAPES = re.compile(
    r"(?:\x1b[\]PX^_]|[\x90\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?|\x1b[ -~]?"
)
# Markdown: inline specials always; block markers only where a line could start. Only
# characters that both CommonMark and Python-Markdown (apprise's converter) unescape.
_MD_INLINE = re.compile(r"([\\`*_{}\[\]()#!])")
_MD_LINE_START = re.compile(r"^(\s*)(?:([-+])|(\d+)([.)]))")
_MD_ENTITY = re.compile(r"&(?=#?\w+;)")


@dataclass(frozen=True)
class Span:
    """A run of text: ``plain`` (ours or scraped, always escaped), ``strong`` or ``link``."""

    text: str
    style: str = "plain"
    href: str | None = None


@dataclass(frozen=True)
class Para:
    spans: tuple[Span, ...]
    small: bool = False


@dataclass(frozen=True)
class Quotes:
    """Passages quoted from the article; ``tone`` is ``removed``, ``added`` or ``neutral``."""

    passages: tuple[str, ...]
    tone: str = "neutral"


Block = Para | Quotes


def clean(text: str) -> str:
    """One line of text without control or direction-override characters."""
    return printable(text)


def printable(text: str, *, lines: bool = False) -> str:
    """``text`` safe to show: escape sequences dropped, other controls and bidi overrides
    as a space. ``lines`` keeps newlines and tabs (multi-line terminal output)."""
    return (_UNSAFE_IN_LINES if lines else _UNSAFE).sub(" ", _ESCAPES.sub("", text))


def safe_href(url: str | None) -> str | None:
    """``url`` percent-encoded for use as a link, or None unless it is http(s)."""
    if not url:
        return None
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return None
    if scheme not in ("http", "https"):
        return None
    # Keep URL syntax, encode what could end a markdown link or an HTML attribute.
    return quote(clean(url), safe=":/?#@!$&*+,;=%~-._")


def write(blocks: list[Block], fmt: str) -> str:
    if fmt not in FORMATS:
        raise ValueError(f"unknown message format {fmt!r} (use one of {', '.join(FORMATS)})")
    writer = {"text": _text_block, "markdown": _md_block, "html": _html_block}[fmt]
    return ("\n" if fmt == "html" else "\n\n").join(writer(b) for b in blocks) + "\n"


# -- plain text ------------------------------------------------------------------------


def _text_block(block: Block) -> str:
    if isinstance(block, Quotes):
        return "\n".join(f"  > {clean(p)}" for p in block.passages)
    return "".join(_text_span(s) for s in block.spans)


def _text_span(span: Span) -> str:
    text = clean(span.text)
    href = clean(span.href or "") if span.style == "link" else ""
    return f"{text} ({href})" if href and href != text else text


# -- markdown ----------------------------------------------------------------------------


def md_escape(text: str) -> str:
    """Scraped text as literal markdown: no links, emphasis, HTML or block markers."""
    text = _MD_ENTITY.sub("&amp;", clean(text))
    text = text.replace("<", "&lt;").replace(">", "&gt;")
    text = _MD_INLINE.sub(r"\\\1", text)
    return _MD_LINE_START.sub(lambda m: f"{m[1]}\\{m[2]}" if m[2] else f"{m[1]}{m[3]}\\{m[4]}", text)


def _md_block(block: Block) -> str:
    if isinstance(block, Quotes):
        return "\n>\n".join(f"> {md_escape(p)}" for p in block.passages)
    text = "".join(_md_span(s) for s in block.spans)
    return f"_{text}_" if block.small else text


def _md_span(span: Span) -> str:
    text = md_escape(span.text)
    if span.style == "strong":
        # Emphasis markers must touch the text: "**Label:** ", never "**Label: **".
        return _around(text, "**", "**")
    href = safe_href(span.href) if span.style == "link" else None
    if href:
        return f"[{text}]({href.replace('(', '%28').replace(')', '%29')})"
    return text


def _around(text: str, start: str, end: str) -> str:
    """``text`` wrapped in ``start``/``end``, its outer white space left outside."""
    core = text.strip()
    return text[: len(text) - len(text.lstrip())] + f"{start}{core}{end}" + text[len(text.rstrip()) :]


# -- html ------------------------------------------------------------------------------

_TONES = {"removed": "#c0392b", "added": "#27ae60", "neutral": "#999999"}


def _html_block(block: Block) -> str:
    if isinstance(block, Quotes):
        style = f"margin:0 0 8px 0;padding-left:8px;border-left:3px solid {_TONES.get(block.tone, '#999999')}"
        return "\n".join(f'<blockquote style="{style}">{html.escape(clean(p))}</blockquote>' for p in block.passages)
    inner = "".join(_html_span(s) for s in block.spans)
    return f'<p style="color:#777777;font-size:small">{inner}</p>' if block.small else f"<p>{inner}</p>"


def _html_span(span: Span) -> str:
    text = html.escape(clean(span.text))
    if span.style == "strong":
        return _around(text, "<b>", "</b>")
    href = safe_href(span.href) if span.style == "link" else None
    if href:
        return f'<a href="{html.escape(href)}">{text}</a>'
    return text
