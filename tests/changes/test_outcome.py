"""Fetch and parse outcomes: a table of HTTP exchanges and what each one means.

Only ``ok`` may make a version and only ``gone`` may lead to a deletion, so every row
that is a failure of the site or the network must come out ``transient`` or ``blocked``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from changes.outcome import (
    NOT_FOUND_PAGE,
    Outcome,
    Verdict,
    classify_fetch,
    classify_parse,
    is_challenge,
    is_truncated,
)

URL = "https://charter97.org/en/news/2025/10/7/123456/"
PAGE = (
    b"<!DOCTYPE html>\n<html lang='en'><head><title>Lukashenka pardons 52 prisoners</title></head>"
    b"<body><article><h1>Lukashenka pardons 52 prisoners</h1><p>" + b"Text. " * 200 + b"</p></article></body></html>\n"
)
HTML = {"content-type": "text/html; charset=utf-8"}

CLOUDFLARE_CHALLENGE = (
    b'<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title>'
    b'<meta http-equiv="refresh" content="390"></head><body><div class="main-wrapper">'
    b"<noscript>Enable JavaScript and cookies to continue</noscript>"
    b"<script>(function(){window._cf_chl_opt={cvId: '3',cZone: 'charter97.org'};"
    b"var a = document.createElement('script');"
    b"a.src = '/cdn-cgi/challenge-platform/h/b/orchestrate/chl_page/v1?ray=8c';}());</script>"
    b"</div></body></html>"
)
RECAPTCHA_PAGE = (
    b"<html><head><title>Security check</title></head><body><form action='/verify'>"
    b'<div class="g-recaptcha" data-sitekey="6Lc"></div></form></body></html>'
)
HCAPTCHA_PAGE = (
    b'<html><body><script src="https://hcaptcha.com/1/api.js"></script><div class="h-captcha"></div></body></html>'
)
DDOS_GUARD = b"<html><head><title>DDoS-Guard</title></head><body>Checking your browser before accessing</body></html>"
HUMAN_CHECK = b"<html><body><h1>Please verify you are human</h1></body></html>"


@dataclass(frozen=True)
class Fetch:
    """One row: what came back, and what it must mean."""

    id: str
    status: int | None
    outcome: Outcome
    reason: str
    """A fragment the verdict's reason must contain."""
    body: bytes = PAGE
    headers: dict[str, str] = field(default_factory=lambda: dict(HTML))
    error: str | None = None
    final_url: str | None = None
    redirect_is_article: bool | None = None


FETCHES = [
    Fetch("200-ok", 200, Outcome.OK, "http 200"),
    Fetch("203-ok", 203, Outcome.OK, "http 203"),
    *(
        Fetch(f"{s}-transient", s, Outcome.TRANSIENT, f"http {s}", body=b"<html>oops</html>")
        for s in (500, 502, 503, 504, 520, 522)
    ),
    *(Fetch(f"{s}-transient", s, Outcome.TRANSIENT, f"http {s}", body=b"") for s in (408, 425, 429)),
    Fetch("400-transient", 400, Outcome.TRANSIENT, "http 400", body=b"bad request"),
    Fetch("418-transient", 418, Outcome.TRANSIENT, "http 418", body=b""),
    *(Fetch(f"{s}-blocked", s, Outcome.BLOCKED, f"http {s}", body=b"<html>Forbidden</html>") for s in (401, 403, 451)),
    Fetch(
        "403-cf-mitigated-challenge",
        403,
        Outcome.TRANSIENT,
        "challenge page (http 403)",
        body=b"<html><body>whatever</body></html>",
        headers={**HTML, "cf-mitigated": "challenge"},
    ),
    Fetch(
        "403-cf-mitigated-case-insensitive",
        403,
        Outcome.TRANSIENT,
        "challenge",
        body=b"",
        headers={"cf-mitigated": "Challenge"},
    ),
    Fetch("403-challenge-body", 403, Outcome.TRANSIENT, "challenge page (http 403)", body=CLOUDFLARE_CHALLENGE),
    Fetch("503-challenge-body", 503, Outcome.TRANSIENT, "challenge page (http 503)", body=CLOUDFLARE_CHALLENGE),
    Fetch("429-with-captcha", 429, Outcome.TRANSIENT, "429", body=RECAPTCHA_PAGE),
    Fetch("200-just-a-moment", 200, Outcome.TRANSIENT, "challenge page", body=CLOUDFLARE_CHALLENGE),
    Fetch("200-ddos-guard", 200, Outcome.TRANSIENT, "challenge page", body=DDOS_GUARD),
    Fetch("200-verify-human", 200, Outcome.TRANSIENT, "challenge page", body=HUMAN_CHECK),
    Fetch(
        "200-cf-mitigated-header",
        200,
        Outcome.TRANSIENT,
        "challenge page",
        headers={**HTML, "cf-mitigated": "challenge"},
    ),
    Fetch("404-gone", 404, Outcome.GONE, "http 404", body=b"<html>Not found</html>"),
    Fetch("410-gone", 410, Outcome.GONE, "http 410", body=b""),
    Fetch("404-even-with-captcha-body", 404, Outcome.GONE, "http 404", body=RECAPTCHA_PAGE),
    Fetch(
        "redirect-to-home-page",
        200,
        Outcome.GONE,
        "redirected to the home page",
        final_url="https://charter97.org/",
        redirect_is_article=False,
    ),
    Fetch(
        "redirect-to-home-page-no-slash",
        200,
        Outcome.GONE,
        "the home page",
        final_url="https://charter97.org",
        redirect_is_article=False,
    ),
    Fetch(
        "redirect-to-a-section",
        200,
        Outcome.GONE,
        "another page (/en/news/)",
        final_url="https://charter97.org/en/news/",
        redirect_is_article=False,
    ),
    Fetch(
        "redirect-to-another-article",
        200,
        Outcome.GONE,
        "another page (/en/news/2025/10/7/999/)",
        final_url="https://charter97.org/en/news/2025/10/7/999/",
        redirect_is_article=False,
    ),
    Fetch(
        "redirect-to-same-article",
        200,
        Outcome.OK,
        "http 200",
        final_url="https://charter97.org/en/news/2025/10/7/123456",
        redirect_is_article=True,
    ),
    Fetch(
        "redirect-unknown-is-same",
        200,
        Outcome.OK,
        "http 200",
        final_url="https://www.charter97.org/en/news/2025/10/7/123456/",
        redirect_is_article=None,
    ),
    Fetch("unfollowed-301", 301, Outcome.TRANSIENT, "unfollowed redirect (http 301)", body=b""),
    Fetch("unfollowed-302", 302, Outcome.TRANSIENT, "redirect", body=b""),
    Fetch("empty-body", 200, Outcome.TRANSIENT, "empty body", body=b""),
    Fetch("blank-body", 200, Outcome.TRANSIENT, "empty body", body=b" \r\n\t "),
    Fetch(
        "content-length-larger-than-body",
        200,
        Outcome.TRANSIENT,
        "truncated body",
        headers={**HTML, "content-length": str(len(PAGE) + 1)},
    ),
    Fetch("content-length-equal", 200, Outcome.OK, "http 200", headers={**HTML, "content-length": str(len(PAGE))}),
    Fetch(
        "content-length-of-compressed-body",
        200,
        Outcome.OK,
        "http 200",
        headers={**HTML, "content-length": str(len(PAGE) * 3), "content-encoding": "gzip"},
    ),
    # HTML may omit </html>: only a Content-Length mismatch is proof of truncation.
    Fetch("html-without-end", 200, Outcome.OK, "http 200", body=PAGE[: len(PAGE) // 2]),
    Fetch(
        "html-end-in-capitals",
        200,
        Outcome.OK,
        "http 200",
        body=PAGE.replace(b"</html>", b"</HTML >") + b"<!-- cache 3ms -->",
    ),
    Fetch(
        "not-html-without-end",
        200,
        Outcome.OK,
        "http 200",
        body=b"<html> is how a page starts",
        headers={"content-type": "text/plain"},
    ),
    Fetch(
        "no-response-timeout", None, Outcome.TRANSIENT, "no response: timeout", body=b"", headers={}, error="timeout"
    ),
    Fetch(
        "no-response-dns",
        None,
        Outcome.TRANSIENT,
        "DNS lookup failed",
        body=b"",
        headers={},
        error="DNS lookup failed for charter97.org",
    ),
    Fetch("no-response-unknown", None, Outcome.TRANSIENT, "unknown error", body=b"", headers={}),
]


def classify(row: Fetch) -> Verdict:
    return classify_fetch(
        status=row.status,
        error=row.error,
        headers=row.headers,
        body=row.body,
        url=URL,
        final_url=row.final_url,
        redirect_is_article=row.redirect_is_article,
    )


@pytest.mark.parametrize("row", FETCHES, ids=[r.id for r in FETCHES])
def test_classify_fetch(row: Fetch) -> None:
    verdict = classify(row)
    assert verdict.outcome is row.outcome, verdict
    assert row.reason in verdict.reason


def test_table_ids_are_unique() -> None:
    assert len({r.id for r in FETCHES}) == len(FETCHES)


# Normal pages that merely mention a captcha or load Cloudflare's scripts are pages, not
# challenges: classifying them ``transient`` would keep the article from ever being read.
CLOUDFLARE_JSD = (  # injected before </body> of ordinary pages by Cloudflare's "JavaScript detections"
    b"<script>(function(){function c(){var b=a.contentDocument||a.contentWindow.document;"
    b"if(b){var d=b.createElement('script');d.innerHTML=\"window.__CF$cv$params={r:'8c1',t:'MTcy'};"
    b"var a=document.createElement('script');a.nonce='';"
    b"a.src='/cdn-cgi/challenge-platform/scripts/jsd/main.js';"
    b"document.getElementsByTagName('head')[0].appendChild(a);\";b.getElementsByTagName('head')[0]"
    b".appendChild(d)}}}})();</script>"
)
SHORT_ARTICLE = (
    b"<!DOCTYPE html><html><head><title>Protest in Minsk</title></head><body><article>"
    b"<h1>Protest in Minsk</h1><p>Hundreds gathered on Sunday.</p></article>"
    b"__EXTRA__</body></html>"
)
COMMENT_FORM = (
    b"<form id='comments' action='/comment'><textarea name='text'></textarea>"
    b'<div class="g-recaptcha" data-sitekey="6Lc"></div></form>'
)


def test_ordinary_page_with_cloudflare_script_is_ok() -> None:
    body = SHORT_ARTICLE.replace(b"__EXTRA__", CLOUDFLARE_JSD)
    verdict = classify_fetch(status=200, error=None, headers=dict(HTML), body=body, url=URL, final_url=None)
    assert verdict.outcome is Outcome.OK, verdict


def test_article_with_captcha_in_comment_form_is_ok() -> None:
    body = SHORT_ARTICLE.replace(b"__EXTRA__", COMMENT_FORM)
    fetch = classify_fetch(status=200, error=None, headers=dict(HTML), body=body, url=URL, final_url=None)
    verdict = classify_parse(fetch, parsed=True, not_found=False, parse_error=None)
    assert verdict.outcome is Outcome.OK, verdict


@pytest.mark.parametrize(
    "body",
    [CLOUDFLARE_CHALLENGE, RECAPTCHA_PAGE, HCAPTCHA_PAGE, DDOS_GUARD, HUMAN_CHECK],
    ids=["cloudflare", "recaptcha", "hcaptcha", "ddos-guard", "verify-human"],
)
def test_captcha_page_that_does_not_parse_is_transient(body: bytes) -> None:
    """Whatever layer spots it (the fetch or the parse), a captcha wall is never an
    edit or a deletion. Widget markers (g-recaptcha, h-captcha) are not asserted at the
    fetch level: ordinary pages carry them too (see the tests above)."""
    fetch = classify_fetch(status=200, error=None, headers=dict(HTML), body=body, url=URL, final_url=None)
    verdict = classify_parse(fetch, parsed=False, not_found=False, parse_error="no headline")
    assert verdict.outcome is Outcome.TRANSIENT


@pytest.mark.parametrize("body", [CLOUDFLARE_CHALLENGE, DDOS_GUARD], ids=["cloudflare", "ddos-guard"])
def test_redirect_to_a_challenge_page_is_transient(body: bytes) -> None:
    verdict = classify_fetch(
        status=200,
        error=None,
        headers=dict(HTML),
        body=body,
        url=URL,
        final_url="https://charter97.org/captcha/?back=%2Fen%2Fnews%2F",
        redirect_is_article=False,
    )
    assert verdict.outcome is Outcome.TRANSIENT, verdict


# classify_parse -------------------------------------------------------------------------

OK = Verdict(Outcome.OK, "http 200")

PARSES = [
    # (id, fetch verdict, parsed, not_found, parse_error, outcome, reason fragment)
    ("parsed", OK, True, False, None, Outcome.OK, "http 200"),
    ("soft-404", OK, False, True, None, Outcome.GONE, "soft-404"),
    ("soft-404-wins-over-parse", OK, True, True, None, Outcome.GONE, "soft-404"),
    ("no-headline", OK, False, False, "no headline", Outcome.TRANSIENT, "parse failed: no headline"),
    ("no-reason", OK, False, False, None, Outcome.TRANSIENT, "parse failed: unknown"),
    ("transient-stays", Verdict(Outcome.TRANSIENT, "http 503"), False, True, None, Outcome.TRANSIENT, "http 503"),
    ("blocked-stays", Verdict(Outcome.BLOCKED, "http 403"), False, False, "x", Outcome.BLOCKED, "http 403"),
    ("gone-stays", Verdict(Outcome.GONE, "http 404"), True, False, None, Outcome.GONE, "http 404"),
]


@pytest.mark.parametrize(
    ("fetch", "parsed", "not_found", "error", "outcome", "reason"), [p[1:] for p in PARSES], ids=[p[0] for p in PARSES]
)
def test_classify_parse(
    fetch: Verdict, parsed: bool, not_found: bool, error: str | None, outcome: Outcome, reason: str
) -> None:
    verdict = classify_parse(fetch, parsed=parsed, not_found=not_found, parse_error=error)
    assert verdict.outcome is outcome
    assert reason in verdict.reason
    if fetch.outcome is not Outcome.OK:
        assert verdict == fetch


# The helpers on their own ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "body", "expected"),
    [
        ({}, PAGE, False),
        ({"cf-mitigated": "challenge"}, b"", True),
        ({"cf-mitigated": "other"}, b"", False),
        ({}, CLOUDFLARE_CHALLENGE, True),
        ({}, b"<title>JUST A MOMENT...</title>", True),
        ({}, b"x" * 20_000 + b"Just a moment...", False),  # only the start of the page is read
        ({}, b"x" * 19_000 + b"Just a moment...", True),
        ({}, b"<script>window._cf_chl_opt={}</script>", True),
        ({}, b"<p>The captcha debate in parliament</p>", False),
    ],
)
def test_is_challenge(headers: dict[str, str], body: bytes, expected: bool) -> None:
    assert is_challenge(headers, body) is expected


@pytest.mark.parametrize(
    ("headers", "body", "expected"),
    [
        ({}, PAGE, False),
        ({}, PAGE[:-20], False),  # no Content-Length: no proof of truncation
        ({"content-length": "10"}, b"0123456789", False),
        ({"content-length": "11"}, b"0123456789", True),
        ({"content-length": "nonsense"}, b"0123456789", False),
        ({"content-length": "11", "content-encoding": "br"}, b"0123456789", False),
        ({"content-type": "application/json"}, b'{"html": "<html"}', False),
        ({}, b"<p>a fragment without an html element</p>", False),
    ],
)
def test_is_truncated(headers: dict[str, str], body: bytes, expected: bool) -> None:
    assert is_truncated(headers, body) is expected


@settings(max_examples=60, deadline=None)
@given(
    status=st.one_of(st.none(), st.integers(200, 599)),  # 1xx is never a final answer
    body=st.binary(max_size=300) | st.sampled_from([PAGE, CLOUDFLARE_CHALLENGE, b""]),
    headers=st.dictionaries(
        st.sampled_from(["content-length", "content-type", "cf-mitigated", "content-encoding"]),
        st.sampled_from(["", "0", "12", "text/html", "challenge", "gzip", "x"]),
    ),
    redirect=st.sampled_from(
        [
            (None, None),
            ("https://charter97.org/", False),
            ("https://charter97.org/en/news/1/", True),
            ("https://x/", None),
        ]
    ),
)
def test_only_404_410_and_redirects_are_gone_and_failures_never_ok(
    status: int | None, body: bytes, headers: dict[str, str], redirect: tuple[str | None, bool | None]
) -> None:
    final_url, is_article = redirect
    verdict = classify_fetch(
        status=status,
        error=None if status else "timeout",
        headers=headers,
        body=body,
        url=URL,
        final_url=final_url,
        redirect_is_article=is_article,
    )
    assert isinstance(verdict.reason, str) and verdict.reason
    if verdict.outcome is Outcome.GONE:
        assert status in (404, 410) or (status is not None and 200 <= status < 300 and is_article is False)
    if verdict.outcome is Outcome.OK:
        assert status is not None and 200 <= status < 300 and body.strip()
        assert not is_challenge(headers, body)
    if status is None or status >= 500 or status in (408, 429):
        assert verdict.outcome is Outcome.TRANSIENT


# A redirect to a wall with no CDN marker: the target's URL or its form says what it is.
PLAIN_CAPTCHA = (
    b"<html><head><title>Are you a robot?</title></head><body><form action='/check'>"
    b"<img src='/captcha.php'><input name='code'></form></body></html>"
)
LOGIN_FORM = (
    b"<html><head><title>Sign in</title></head><body><form action='/session' method='post'>"
    b"<input name='user'><input type='password' name='pass'></form></body></html>"
)
PLAIN_PAGE = b"<html><head><title>Welcome</title></head><body><p>Today's news.</p></body></html>"


@pytest.mark.parametrize(
    ("target", "body"),
    [
        ("https://charter97.org/captcha/?back=%2Fen%2Fnews%2F", PLAIN_PAGE),
        ("https://charter97.org/challenge?r=1", PLAIN_PAGE),
        ("https://charter97.org/user/login/?next=/en/news/2025/10/7/123456/", PLAIN_PAGE),
        ("https://charter97.org/signin", PLAIN_PAGE),
        ("https://charter97.org/auth/?return=/x", PLAIN_PAGE),
        ("https://charter97.org/check.php?back=/x", PLAIN_CAPTCHA),
        ("https://charter97.org/welcome/", LOGIN_FORM),
    ],
    ids=["captcha-path", "challenge-path", "login-path", "signin-path", "auth-path", "captcha-form", "login-form"],
)
def test_redirect_to_a_wall_without_cdn_markers_is_transient(target: str, body: bytes) -> None:
    verdict = classify_fetch(
        status=200, error=None, headers=dict(HTML), body=body, url=URL, final_url=target, redirect_is_article=False
    )
    assert verdict.outcome is Outcome.TRANSIENT, verdict
    assert "redirected to a challenge or login page" in verdict.reason


BARE_404 = (
    b"<html><head><title>404 Not Found</title></head><body><center><h1>404 Not Found</h1>"
    b"</center><hr><center>nginx</center></body></html>"
)
SITE_404 = (
    b"<html><head><title>Not found - Charter 97</title></head><body><nav>"
    + b"".join(b"<a href='/en/news/%d/'>Section %d</a>" % (i, i) for i in range(12))
    + b"</nav><h1>Page not found</h1><p>The page you asked for does not exist.</p></body></html>"
)


@pytest.mark.parametrize(
    ("status", "body", "site_page"),
    [
        (404, SITE_404, True),
        (410, SITE_404, True),
        (404, BARE_404, False),
        (404, b"", False),
        (404, b"Not Found", False),
    ],
)
def test_a_404_says_whether_it_is_the_sites_own_not_found_page(status: int, body: bytes, site_page: bool) -> None:
    verdict = classify_fetch(status=status, error=None, headers=dict(HTML), body=body, url=URL, final_url=None)
    assert verdict.outcome is Outcome.GONE
    assert verdict.reason.startswith(f"http {status}")
    assert (NOT_FOUND_PAGE in verdict.reason) is site_page, verdict


@pytest.mark.parametrize(
    "target",
    [
        "https://charter97.org/en/news/",
        "https://charter97.org/",
        "https://charter97.org/en/news/2025/10/7/999/",
        "https://charter97.org/en/news/2025/10/7/999/?utm_source=author",
    ],
)
def test_redirect_to_an_ordinary_page_stays_gone(target: str) -> None:
    body = SHORT_ARTICLE.replace(b"__EXTRA__", COMMENT_FORM)  # a comment captcha proves nothing
    verdict = classify_fetch(
        status=200, error=None, headers=dict(HTML), body=body, url=URL, final_url=target, redirect_is_article=False
    )
    assert verdict.outcome is Outcome.GONE, verdict
