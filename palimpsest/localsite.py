"""A synthetic charter97-like news site served on 127.0.0.1, for end-to-end tests and the demo.

Nothing here is a copy of charter97.org: the markup follows ``shared/sites/charter97.md``
and every article is invented. The site serves article pages, listings, the home page
and RSS feeds over real HTTP; tests edit and delete articles, change view counts and
inject faults (5xx, timeouts, challenge pages, truncated bodies, cp1251 …) while a real
crawler fetches it.

    with LocalSite() as site:
        site.edit(700101, headline="New headline")
        site.fault(700102, "503", times=1)
        crawl(site.start_urls())
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import random
import re
import socket
import struct
import threading
import time
from collections import Counter, OrderedDict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from palimpsest import localsite_pages as pages

if TYPE_CHECKING:
    from collections.abc import Iterable

logger = logging.getLogger(__name__)

TIMEOUT_DELAY = 5.0
"""Seconds a "timeout" fault holds the request: longer than any test client's timeout."""
SLOW_DELAY = 0.5
"""Seconds a "slow" fault holds the request before answering normally."""
RETRY_AFTER = 1
"""Retry-After (seconds) sent with a "429" or "503" fault."""
FEED_SIZE = 50
CACHE_SIZE = 1024
"""Article page templates kept rendered (least recently used are dropped)."""

FAULT_KINDS = frozenset({
    "500", "502", "503", "408", "429", "timeout", "slow", "reset", "challenge", "captcha",
    "truncated", "empty", "garbage", "noparse", "cp1251",
})
DELETE_MODES = frozenset({"404", "410", "redirect_home", "redirect_section",
                          "redirect_article", "soft404"})
HTML = "text/html; charset=utf-8"

_ARTICLE_RE = re.compile(r"/([a-z]{2})/news/\d{4}/\d{1,2}/\d{1,2}/(\d+)(/?)")
_LISTING_RE = re.compile(r"/(en|ru)/news/(?:p/(\d+)/)?")
_FEED_RE = re.compile(r"/(en|ru)/rss/all/")


@dataclass(slots=True)
class SiteArticle:
    """One article of the local site; ``date`` is the site's naive local time.

    ``{id}`` in ``image`` is replaced by the id. ``path`` is minted from the date the
    article was first published (``url_date``), so back-dating keeps its URL, as on a
    real site; the site routes by id anyway.
    """

    id: int
    lang: str
    date: datetime
    headline: str
    lead: str
    body: list[str]
    views: int = 0
    comments: int = 0
    image: str | None = "/images/{id}.jpg"
    video: str | None = None
    url_date: datetime | None = None
    """The date in the URL; defaults to ``date`` and does not follow later edits."""

    def __post_init__(self) -> None:
        if self.url_date is None:
            self.url_date = self.date
        if self.image and "{id}" in self.image:
            self.image = self.image.replace("{id}", str(self.id))

    @property
    def path(self) -> str:
        d = self.url_date
        return f"/{self.lang}/news/{d.year}/{d.month}/{d.day}/{self.id}/"

    def content_key(self) -> tuple:
        """What the cached page depends on (everything but the volatile counters)."""
        return (self.id, self.lang, self.date, self.headline, self.lead, tuple(self.body),
                self.image, self.video)


def default_articles() -> list[SiteArticle]:
    """Six invented articles, three English and three Russian, for tests and the demo."""
    return [
        SiteArticle(id=aid, lang=lang, date=datetime(*when), headline=headline, lead=lead,
                    body=list(body), views=views, comments=comments, video=video)
        for aid, lang, when, views, comments, video, headline, lead, body
        in pages.DEFAULT_ARTICLES
    ]


def make_articles(n: int, *, seed: int = 0) -> list[SiteArticle]:
    """``n`` generated articles, ids and dates increasing together; deterministic per seed.

    Body paragraphs come from a shared pool (plus one unique opening paragraph), so that
    100,000 articles take tens of MB, not hundreds.
    """
    rng = random.Random(seed)
    pools = {lang: pages.paragraph_pool(lang, seed=seed) for lang in ("en", "ru")}
    newest = datetime(2025, 10, 7, 18, 0)
    offsets = [rng.randint(1, 40) for _ in range(n)]
    date = newest - timedelta(minutes=sum(offsets))
    articles = []
    for i in range(n):
        date += timedelta(minutes=offsets[i])
        article_id = 800000 + i
        lang = "en" if rng.random() < 0.35 else "ru"
        headline, lead, opening = pages.synthetic_text(rng, article_id, lang)
        body = [opening, *rng.sample(pools[lang], rng.randint(2, 5))]
        articles.append(SiteArticle(
            id=article_id, lang=lang, date=date, headline=headline, lead=lead, body=body,
            views=int(rng.lognormvariate(7, 1.3)),
            comments=0 if rng.random() < 0.3 else rng.randint(1, 60),
            video=f"https://www.youtube.com/embed/SYN{article_id}" if rng.random() < 0.1 else None,
        ))
    return articles


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str = HTML
    headers: dict[str, str] = field(default_factory=dict)


class LocalSite:
    """The synthetic site and its HTTP server; every method is thread-safe."""

    timeout_delay = TIMEOUT_DELAY
    slow_delay = SLOW_DELAY

    def __init__(self, articles: Iterable[SiteArticle] | None = None, *, pad_kb: int = 0,
                 listing_page_size: int = 20) -> None:
        self._lock = threading.Lock()
        self._articles: dict[int, SiteArticle] = {}
        self._deleted: dict[int, tuple[str, int | None]] = {}
        self._faults: dict[object, list] = {}  # key -> [kind, remaining or None]
        self._order: dict[str | None, list[SiteArticle]] | None = None
        self._cache: OrderedDict[tuple, pages.Template] = OrderedDict()
        self._requests = 0
        self._padding = pages.Padding(pad_kb) if pad_kb > 0 else None
        self.listing_page_size = listing_page_size
        self.hits: Counter[str] = Counter()
        self.base_url = ""
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._idle = threading.Condition()
        self._in_flight = 0
        for article in default_articles() if articles is None else articles:
            self.add(article)

    # --- lifecycle --------------------------------------------------------------------

    def start(self) -> LocalSite:
        if self._server is not None:
            raise RuntimeError("LocalSite is already running")
        self._stopping.clear()
        self._server = _Server(self)
        host, port = self._server.server_address[:2]
        self.base_url = f"http://{host}:{port}"
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05},
                                        name=f"localsite:{port}", daemon=True)
        self._thread.start()
        logger.info("Synthetic local site serving on %s", self.base_url)
        return self

    def stop(self, grace: float = 1.0) -> None:
        """Stop serving; wakes handlers held by a "timeout" fault and waits up to ``grace`` s."""
        server, self._server = self._server, None
        if server is None:
            return
        self._stopping.set()
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join(grace)
        with self._idle:
            self._idle.wait_for(lambda: self._in_flight == 0, timeout=grace)

    def __enter__(self) -> LocalSite:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- URLs -------------------------------------------------------------------------

    def url(self, article_id: int) -> str:
        return self.base_url + self.get(article_id).path

    def start_urls(self, lang: str | None = None) -> list[str]:
        return [f"{self.base_url}/{code}/news/" for code in ("en", "ru") if lang in (None, code)]

    def feed_urls(self, lang: str | None = None) -> list[str]:
        return [f"{self.base_url}/{code}/rss/all/" for code in ("ru", "en") if lang in (None, code)]

    # --- content ----------------------------------------------------------------------

    def add(self, article: SiteArticle) -> None:
        with self._lock:
            self._articles[article.id] = dataclasses.replace(article)
            self._order = None

    def articles(self) -> list[SiteArticle]:
        """Copies of every article the site has (deleted ones included), by id."""
        with self._lock:
            return [dataclasses.replace(a) for _, a in sorted(self._articles.items())]

    def get(self, article_id: int) -> SiteArticle:
        with self._lock:
            return self._articles[article_id]

    def edit(self, article_id: int, **fields: object) -> None:
        """Change content fields, e.g. ``edit(1, headline="…", body=[…], date=…)``."""
        if "id" in fields:
            raise ValueError("an article's id cannot be edited")
        with self._lock:
            self._articles[article_id] = dataclasses.replace(self._articles[article_id], **fields)
            self._order = None

    def set_views(self, article_id: int, views: int) -> None:
        with self._lock:
            self._articles[article_id].views = views

    def set_comments(self, article_id: int, comments: int) -> None:
        with self._lock:
            self._articles[article_id].comments = comments

    def delete(self, article_id: int, how: str = "404", *, to: int | None = None) -> None:
        """Delete an article: "404", "410", "redirect_home", "redirect_section",
        "redirect_article" (302 to article ``to``) or "soft404" (200 "not found" page)."""
        if how not in DELETE_MODES:
            raise ValueError(f"unknown deletion mode {how!r}; expected one of {sorted(DELETE_MODES)}")
        if (how == "redirect_article") != (to is not None):
            raise ValueError('"to" goes with how="redirect_article" and only with it')
        with self._lock:
            if article_id not in self._articles:
                raise KeyError(article_id)
            self._deleted[article_id] = (how, to)
            self._order = None

    def restore(self, article_id: int) -> None:
        with self._lock:
            self._deleted.pop(article_id, None)
            self._order = None

    def fault(self, target: int | str | None, kind: str | None, times: int | None = None) -> None:
        """Make requests fail: ``target`` is an article id, a path or URL, or None for
        every page; ``kind`` None clears; ``times`` requests, then the fault clears itself."""
        if kind is not None and kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {kind!r}; expected one of {sorted(FAULT_KINDS)}")
        if isinstance(target, str):
            target = urlsplit(target).path or "/"
        with self._lock:
            if kind is None or times == 0:
                self._faults.pop(target, None)
            else:
                self._faults[target] = [kind, times]

    # --- request handling (called from server threads) --------------------------------

    def _take_fault(self, path: str) -> str | None:
        """Count the hit and return the fault that applies to it, using one of its ``times``."""
        match = _ARTICLE_RE.fullmatch(path)
        keys = (path, int(match[2]) if match else None, None)  # None: the whole site
        with self._lock:
            self.hits[path] += 1
            for key in keys:
                entry = self._faults.get(key)
                if entry is not None:
                    if entry[1] is not None:
                        entry[1] -= 1
                        if entry[1] <= 0:
                            del self._faults[key]
                    return entry[0]
        return None

    def respond(self, path: str) -> Response:
        """The site's normal answer for ``path`` (no faults)."""
        if match := _ARTICLE_RE.fullmatch(path):
            return self._article_response(path, match[1], int(match[2]), bool(match[3]))
        if path == "/":
            return self._listing(path, None, 1)
        if match := _LISTING_RE.fullmatch(path):
            return self._listing(path, match[1], int(match[2] or 1))
        if match := _FEED_RE.fullmatch(path):
            return self._feed(match[1])
        if not path.endswith("/") and (_LISTING_RE.fullmatch(path + "/") or _FEED_RE.fullmatch(path + "/")):
            return self._redirect(path + "/", 301)
        return self.message_page(path, "not_found", 404)

    def _article_response(self, path: str, lang: str, article_id: int, slash: bool) -> Response:
        with self._lock:
            article = self._articles.get(article_id)
            deleted = self._deleted.get(article_id)
            target = self._articles.get(deleted[1]) if deleted and deleted[1] is not None else None
        if article is None or article.lang != lang:
            return self.message_page(path, "not_found", 404)
        if not slash:
            return self._redirect(path + "/", 301)
        if deleted is None:
            return self._article_page(article)
        how = deleted[0]
        if how in ("404", "410"):
            return self.message_page(path, "not_found", int(how))
        if how == "soft404":
            return self.message_page(path, "not_found", 200)
        location = {"redirect_home": "/", "redirect_section": f"/{lang}/news/",
                    "redirect_article": target.path if target else "/"}[how]
        return self._redirect(location, 302)

    def _article_page(self, article: SiteArticle) -> Response:
        key = article.content_key()
        with self._lock:
            template = self._cache.pop(key, None) or pages.article_page(article, self.base_url)
            self._cache[key] = template  # (re)inserted last: the most recently used
            if len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
            views, comments = article.views, article.comments
        body = self._fill(template, article.lang, {
            "counter": str(comments).encode() if comments else b"",
            "views": pages.format_views(views).encode(),
            "comments": pages.comments_html(article.id, comments, article.lang).encode("utf-8"),
        })
        return Response(200, body)

    def _ordered(self, lang: str | None) -> list[SiteArticle]:
        """Live articles newest first, of one edition or (None) of all."""
        with self._lock:
            if self._order is None:
                live = sorted((a for a in self._articles.values() if a.id not in self._deleted),
                              key=lambda a: (a.date, a.id), reverse=True)
                self._order = {None: live}
                for a in live:
                    self._order.setdefault(a.lang, []).append(a)
            return self._order.get(lang, [])

    def _listing(self, path: str, lang: str | None, page_no: int) -> Response:
        articles = self._ordered(lang)
        size = self.listing_page_size
        pages_total = max(1, -(-len(articles) // size))
        if not 1 <= page_no <= pages_total:
            return self.message_page(path, "not_found", 404)
        n = self._next_request()
        edition = lang or "ru"  # the home page wears the Russian chrome
        items = articles[(page_no - 1) * size: page_no * size]
        ads = [pages.ads_html(n + k, 1) for k in range(len(items) // 5 + 1)]
        main = pages.listing_main(items, ads, lang=edition, page_no=page_no, pages=pages_total,
                                  prefix=f"/{lang}/news/" if lang else None)
        title = f"{pages.ui(edition)['news']} - {pages.ui(edition)['site']}"
        template = pages.Template(pages.page(edition, title, main))
        return Response(200, self._fill(template, edition, {}, n=n))

    def _feed(self, lang: str) -> Response:
        body = pages.rss(self._ordered(lang)[:FEED_SIZE], lang=lang, base_url=self.base_url,
                         now=datetime.now(pages.SITE_TZ))
        return Response(200, body, "application/rss+xml; charset=utf-8")

    def message_page(self, path: str, kind: str, status: int) -> Response:
        """A page of the site's chrome around a message: "not_found", "captcha" or "empty"."""
        lang = "en" if path.startswith("/en/") else "ru"
        t = pages.ui(lang)
        title = f"{t['not_found'] if kind == 'not_found' else t['news']} - {t['site']}"
        template = pages.Template(pages.page(lang, title, pages.message_main(lang, kind)))
        return Response(status, self._fill(template, lang, {}))

    def _redirect(self, location: str, status: int) -> Response:
        url = self.base_url + location
        return Response(status, f'<a href="{url}">{url}</a>'.encode(), headers={"Location": url})

    def _next_request(self) -> int:
        with self._lock:
            self._requests += 1
            return self._requests

    def _fill(self, template: pages.Template, lang: str, values: dict[str, bytes],
              n: int | None = None) -> bytes:
        """Render ``template`` with this request's clock, slogan, ads, most-read and padding."""
        n = self._next_request() if n is None else n
        most_read = self._ordered(lang)[:30]
        values["clock"] = pages.clock_html(datetime.now(pages.SITE_TZ), n, lang).encode("utf-8")
        values["most_read"] = pages.most_read_html(most_read, n).encode("utf-8")
        values["ads"] = pages.ads_html(n).encode()
        values["pad"] = self._padding.fill(template.static_size) if self._padding else b""
        return template.render(values)

    def _enter(self) -> None:
        with self._idle:
            self._in_flight += 1

    def _leave(self) -> None:
        with self._idle:
            self._in_flight -= 1
            self._idle.notify_all()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, site: LocalSite) -> None:
        self.site = site
        super().__init__(("127.0.0.1", 0), _Handler)

    def process_request_thread(self, request, client_address) -> None:
        self.site._enter()
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.site._leave()

    def handle_error(self, request, client_address) -> None:
        logger.debug("Local site: error while serving %s", client_address, exc_info=True)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "palimpsest-localsite/1"
    sys_version = ""
    timeout = 30

    def log_message(self, format: str, *args: object) -> None:
        logger.debug("Local site: " + format, *args)

    def do_GET(self) -> None:
        site = self.server.site
        path = urlsplit(self.path).path or "/"
        kind = site._take_fault(path)
        if kind is None or kind == "slow":
            if kind and site._stopping.wait(site.slow_delay):
                return self._reset()
            return self._send(site.respond(path))
        if kind == "timeout":
            if site._stopping.wait(site.timeout_delay):
                return self._reset()
            return self._send(site.respond(path))
        if kind == "reset":
            return self._reset()
        if kind in ("500", "502", "503", "408", "429"):
            response = site.message_page(path, "empty", int(kind))
            if kind in ("429", "503"):
                response.headers["Retry-After"] = str(RETRY_AFTER)
            return self._send(response)
        if kind == "challenge":
            return self._send(Response(403, pages.CHALLENGE_HTML.encode(), "text/html; charset=UTF-8",
                                       {"cf-mitigated": "challenge", "Server": "cloudflare",
                                        "cf-ray": f"{time.time_ns() & 0xFFFFFFFFFFFF:x}-WAW"}))
        if kind in ("captcha", "noparse"):
            return self._send(site.message_page(path, "captcha" if kind == "captcha" else "empty", 200))
        if kind == "empty":
            return self._send(Response(200, b""))
        if kind == "garbage":
            return self._send(Response(200, random.Random(path).randbytes(4096)))
        response = site.respond(path)
        if kind == "cp1251":
            response.body = pages.to_cp1251(response.body)
            response.content_type = response.content_type.split(";")[0] + "; charset=windows-1251"
            return self._send(response)
        # "truncated": announce the whole body, send half of it, then close.
        return self._send(response, len(response.body) // 2)

    def _send(self, response: Response, limit: int | None = None) -> None:
        self.send_response_only(response.status)
        headers = {"Server": self.version_string(), "Date": self.date_time_string(),
                   "Content-Type": response.content_type,
                   "Content-Length": str(len(response.body)), "Cache-Control": "no-cache",
                   **response.headers}
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(response.body if limit is None else response.body[:limit])
        self.close_connection = True

    def _reset(self) -> None:
        """Drop the connection without an answer (RST, not FIN)."""
        self.close_connection = True
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()


def main(argv: list[str] | None = None) -> None:
    """``python -m palimpsest.localsite [--articles N] [--pad-kb KB]``: serve until interrupted.

    Benchmarks run the site in its own process so that it does not share a GIL with the
    crawler it serves.
    """
    import argparse

    parser = argparse.ArgumentParser(description=main.__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=0, help="generated articles (0: the six defaults)")
    parser.add_argument("--pad-kb", type=int, default=0, help="pad every page to about this size")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    articles = make_articles(args.articles, seed=args.seed) if args.articles else None
    with LocalSite(articles, pad_kb=args.pad_kb) as site:
        print(site.base_url, flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
