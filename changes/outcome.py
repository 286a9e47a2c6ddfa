"""Classify a fetch attempt: ok, transient, blocked or gone, with the reason why.

Only ``ok`` may make a version and only ``gone`` may lead to a deletion; everything
the site or the network may do by accident is ``transient`` or ``blocked``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import parse_qsl, unquote, urlsplit


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
)
"""Matched on the lower-cased start of the body: as IGNORECASE does on bytes (ASCII only),
at a tenth of the cost (IGNORECASE defeats the regex engine's first-byte scan)."""


def is_challenge(headers: dict[str, str], body: bytes) -> bool:
    """A bot check or captcha served in place of the page."""
    if headers.get("cf-mitigated", "").lower() == "challenge":
        return True
    return bool(CHALLENGE_MARKERS.search(body[:20000].lower()))


# Where a site sends a visitor it wants to check or sign in first. Whole path segments
# only: an article slug such as "challenge-to-the-regime" is no wall.
WALL_SEGMENTS = frozenset(
    {
        "captcha",
        "challenge",
        "login",
        "log-in",
        "logon",
        "signin",
        "sign-in",
        "sign_in",
        "auth",
        "sso",
        "verify",
        "robot-check",
        "access-denied",
    }
)
_TITLE = re.compile(rb"<title[^>]*>([^<]{0,300})", re.IGNORECASE)
WALL_TITLE = re.compile(
    r"captcha|not a robot|are you (?:a )?(?:human|robot)|\bsign[ -]?in\b|\blog[ -]?in\b|"
    r"\bвход\b|авторизац|не робот",
    re.IGNORECASE,
)


def is_wall_redirect(url: str, final_url: str, body: bytes) -> bool:
    """A redirect that ended on a challenge, captcha or login page, CDN markers or not.

    Such a page names itself in its path (``/captcha/``, ``/user/login``), carries the
    requested page as its way back (``?back=/en/news/…``), or says so in its title.
    """
    parts = urlsplit(final_url)
    path = parts.path.lower()
    if "captcha" in path or "/cdn-cgi/" in path:
        return True
    if {seg.rsplit(".", 1)[0] for seg in path.split("/") if seg} & WALL_SEGMENTS:
        return True
    own = urlsplit(url).path.rstrip("/")
    if own and any(own in unquote(value) for _, value in parse_qsl(parts.query)):
        return True
    title = _TITLE.search(body[:20000])
    return bool(title and WALL_TITLE.search(title[1].decode("utf-8", "replace")))


NOT_FOUND_PAGE = "the site's not-found page"
"""In the reason of a 404/410 that came with the site's own page, not a bare server error."""
_LINK = re.compile(rb"<a\s[^>]*href", re.IGNORECASE)
MIN_SITE_LINKS = 5


def is_site_page(body: bytes) -> bool:
    """A page in the site's own chrome (navigation links), not a bare server error page.

    A site that deletes an article answers with its designed not-found page; a broken
    proxy or an application that is down answers with a bare one. Only the first, while
    listings answer normally, marks a purge rather than an outage.
    """
    return len(_LINK.findall(body[:200_000], 0)) >= MIN_SITE_LINKS


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
        if is_site_page(body):
            return Verdict(Outcome.GONE, f"http {status}, {NOT_FOUND_PAGE}")
        return Verdict(Outcome.GONE, f"http {status}")
    if status >= 400:
        return Verdict(Outcome.TRANSIENT, f"http {status}")
    if status >= 300:
        return Verdict(Outcome.TRANSIENT, f"unfollowed redirect (http {status})")
    if is_challenge(headers, body):
        return Verdict(Outcome.TRANSIENT, "challenge page")
    if final_url and redirect_is_article is False:
        if is_wall_redirect(url, final_url, body):
            return Verdict(Outcome.TRANSIENT, f"redirected to a challenge or login page ({urlsplit(final_url).path})")
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
