"""Classify a fetch attempt: ok, transient, blocked or gone, with the reason why.

Only ``ok`` may make a version and only ``gone`` may lead to a deletion; everything
the site or the network may do by accident is ``transient`` or ``blocked``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit


class Outcome(StrEnum):
    OK = "ok"
    TRANSIENT = "transient"
    BLOCKED = "blocked"
    GONE = "gone"


@dataclass(frozen=True)
class Verdict:
    outcome: Outcome
    reason: str


TRANSIENT_STATUS = {408, 425, 429}
BLOCKED_STATUS = {401, 403, 451}
GONE_STATUS = {404, 410}

# Interstitials served instead of the page: Cloudflare, DDoS-Guard, generic captchas.
# Only markers of a page that *is* a check: Cloudflare injects its challenge-platform
# script and sites embed captcha widgets (comment forms) into ordinary articles, so
# those alone prove nothing. A captcha wall has no article: it fails to parse anyway.
CHALLENGE_MARKERS = re.compile(
    rb"just a moment\.\.\.|cf-browser-verification|cf_chl_|ddos-guard|captcha-container|"
    rb"checking your browser|verify you are human",
    re.IGNORECASE,
)


def is_challenge(headers: dict[str, str], body: bytes) -> bool:
    """A bot check or captcha served in place of the page."""
    if headers.get("cf-mitigated", "").lower() == "challenge":
        return True
    return bool(CHALLENGE_MARKERS.search(body[:20000]))


def is_truncated(headers: dict[str, str], body: bytes) -> bool:
    """A body shorter than its Content-Length says.

    Only hard evidence counts: HTML may legally omit ``</html>``, and a chunked body
    cut short already fails in the downloader (data loss) before it gets here.
    """
    length = headers.get("content-length", "")
    return length.isdigit() and int(length) > len(body) and "content-encoding" not in headers


def classify_fetch(
    *,
    status: int | None,
    error: str | None,
    headers: dict[str, str],
    body: bytes,
    url: str,
    final_url: str | None,
    redirect_is_article: bool | None = None,
) -> Verdict:
    """The outcome of the HTTP exchange alone, before any parsing.

    ``headers`` have lower-cased names. ``final_url`` is where redirects ended (None
    when there were none); ``redirect_is_article`` says whether it is the same article
    (True), another page (False) or unknown (None: treated as the same).
    """
    if status is None:
        return Verdict(Outcome.TRANSIENT, f"no response: {error or 'unknown error'}")
    if status in TRANSIENT_STATUS or status >= 500:
        if is_challenge(headers, body):
            return Verdict(Outcome.TRANSIENT, f"challenge page (http {status})")
        return Verdict(Outcome.TRANSIENT, f"http {status}")
    if status in BLOCKED_STATUS:
        if is_challenge(headers, body):
            return Verdict(Outcome.TRANSIENT, f"challenge page (http {status})")
        return Verdict(Outcome.BLOCKED, f"http {status}")
    if status in GONE_STATUS:
        return Verdict(Outcome.GONE, f"http {status}")
    if status >= 400:
        return Verdict(Outcome.TRANSIENT, f"http {status}")
    if status >= 300:
        return Verdict(Outcome.TRANSIENT, f"unfollowed redirect (http {status})")
    if is_challenge(headers, body):
        return Verdict(Outcome.TRANSIENT, "challenge page")
    if final_url and redirect_is_article is False:
        return Verdict(Outcome.GONE, f"redirected to {_where(url, final_url)}")
    if not body.strip():
        return Verdict(Outcome.TRANSIENT, "empty body")
    if is_truncated(headers, body):
        return Verdict(Outcome.TRANSIENT, "truncated body")
    return Verdict(Outcome.OK, f"http {status}")


def _where(url: str, final_url: str) -> str:
    path = urlsplit(final_url).path or "/"
    return "the home page" if path == "/" else f"another page ({path})"


def classify_parse(fetch: Verdict, *, parsed: bool, not_found: bool, parse_error: str | None) -> Verdict:
    """Fold the parse result into an ``ok`` fetch verdict.

    A soft-404 page is ``gone``. A page that does not parse is ``transient``: a broken
    page or parser, never an edit or a deletion; the parser's reason is recorded, and
    many of them in one run mark the parser broken.
    """
    if fetch.outcome is not Outcome.OK:
        return fetch
    if not_found:
        return Verdict(Outcome.GONE, "soft-404 page")
    if not parsed:
        return Verdict(Outcome.TRANSIENT, f"parse failed: {parse_error or 'unknown'}")
    return fetch
