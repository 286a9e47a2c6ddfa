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

import dataclasses
import logging
import re
import threading
from collections import Counter, OrderedDict
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from localsite import feeds, pages
from localsite.articles import SITE_TZ, SiteArticle, default_articles
from localsite.server import CAPTCHA_PATH, Access, Response, Server, bomb

if TYPE_CHECKING:
    from collections.abc import Iterable

logger = logging.getLogger(__name__)

TIMEOUT_DELAY = 5.0
"""Seconds a "timeout" fault holds the request: longer than any test client's timeout."""
SLOW_DELAY = 0.5
"""Seconds a "slow" fault holds the request before answering normally."""
FEED_SIZE = 50
CACHE_SIZE = 1024
"""Article page templates kept rendered (least recently used are dropped)."""

FAULT_KINDS = frozenset(
    {
        "500",
        "502",
        "503",
        "408",
        "429",
        "timeout",
        "slow",
        "reset",
        "challenge",
        "captcha",
        "truncated",
        "empty",
        "garbage",
        "noparse",
        "cp1251",
        "straybyte",
        "cutchar",
        "captcha_redirect",
        "gzipbomb",
    }
)
DELETE_MODES = frozenset({"404", "410", "redirect_home", "redirect_section", "redirect_article", "soft404"})

_ARTICLE_RE = re.compile(r"/([a-z]{2})/news/\d{4}/\d{1,2}/\d{1,2}/(\d+)(/?)")
_LISTING_RE = re.compile(r"/(en|ru|be)/news/(?:p/(\d+)/)?")
_FEED_RE = re.compile(r"/(en|ru|be)/rss/all/")
_SITEMAP_RE = re.compile(r"/sitemap(?:-([a-z]+))?\.xml")
EDITIONS = ("en", "ru", "be")
"""Editions the site serves; the Belarusian one only when it has articles."""


class LocalSite:
    """The synthetic site and its HTTP server; every method is thread-safe."""

    timeout_delay = TIMEOUT_DELAY
    slow_delay = SLOW_DELAY
    latency = 0.0
    """Seconds every answer waits before it is sent, as a server across the internet does."""

    def __init__(
        self, articles: Iterable[SiteArticle] | None = None, *, pad_kb: int = 0, listing_page_size: int = 20
    ) -> None:
        self._lock = threading.Lock()
        self._articles: dict[int, SiteArticle] = {}
        self._deleted: dict[int, tuple[str, int | None]] = {}
        self._faults: dict[object, list] = {}  # key -> [kind, remaining or None]
        self._relaunched: set[str | None] = set()  # editions in the redesign's markup; None: all
        self._order: dict[str | None, list[SiteArticle]] | None = None
        self._cache: OrderedDict[tuple, pages.Template] = OrderedDict()
        self._requests = 0
        self._padding = pages.Padding(pad_kb) if pad_kb > 0 else None
        self.listing_page_size = listing_page_size
        self.hits: Counter[str] = Counter()
        self.access_log: list[Access] = []
        """Every request in order of arrival: what politeness tests measure."""
        self.robots_txt: str | None = None
        """Served at /robots.txt when set (404 otherwise, as before)."""
        self.base_url = ""
        self._server: Server | None = None
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
        self._server = Server(self)
        host, port = self._server.server_address[:2]
        self.base_url = f"http://{host}:{port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name=f"localsite:{port}", daemon=True
        )
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
        return [f"{self.base_url}/{code}/news/" for code in self._editions() if lang in (None, code)]

    def feed_urls(self, lang: str | None = None) -> list[str]:
        return [
            f"{self.base_url}/{code}/rss/all/"
            for code in ("ru", "en", "be")
            if code in self._editions() and lang in (None, code)
        ]

    def _editions(self) -> list[str]:
        """English and Russian always (the chrome links them); Belarusian when it has articles."""
        with self._lock:
            langs = {a.lang for a in self._articles.values()}
        return [code for code in EDITIONS if code != "be" or code in langs]

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
        fields.setdefault("lastmod", datetime.now(SITE_TZ))
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

    def relaunch(self, edition: str | None = None, *, on: bool = True) -> None:
        """Serve the article pages of one edition (``"ru"``), or of the whole site (None),
        in an invented redesign's markup; ``on=False`` brings the old markup back."""
        with self._lock:
            if on:
                self._relaunched.add(edition)
            else:
                self._relaunched.discard(edition)

    def fault(self, target: int | str | None, kind: str | None, times: int | None = None) -> None:
        """Make requests fail: ``target`` is an article id, a path or URL, or None for
        every page; ``kind`` None clears; ``times`` requests, then the fault clears itself."""
        if kind is not None and kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {kind!r}; expected one of {sorted(FAULT_KINDS)}")
        if isinstance(target, str):
            target = urlsplit(target).path or "/"
        if kind == "gzipbomb":
            bomb()  # made now, not while a client waits
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
        if match := _SITEMAP_RE.fullmatch(path):
            return self._sitemap(match[1])
        if path == CAPTCHA_PATH:
            return self.message_page(path, "captcha", 200)
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
        location = {
            "redirect_home": "/",
            "redirect_section": f"/{lang}/news/",
            "redirect_article": target.path if target else "/",
        }[how]
        return self._redirect(location, 302)

    def _article_page(self, article: SiteArticle) -> Response:
        relaunched = bool(self._relaunched & {None, article.lang})
        key = (*article.content_key(), relaunched)
        with self._lock:
            template = self._cache.pop(key, None) or pages.article_page(article, self.base_url, relaunched=relaunched)
            self._cache[key] = template  # (re)inserted last: the most recently used
            if len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
            views, comments = article.views, article.comments
        body = self._fill(
            template,
            article.lang,
            {
                "counter": str(comments).encode() if comments else b"",
                "views": pages.format_views(views).encode(),
                "comments": pages.comments_html(article.id, comments, article.lang).encode("utf-8"),
            },
        )
        return Response(200, body)

    def _ordered(self, lang: str | None) -> list[SiteArticle]:
        """Live articles newest first, of one edition or (None) of all."""
        with self._lock:
            if self._order is None:
                live = sorted(
                    (a for a in self._articles.values() if a.id not in self._deleted),
                    key=lambda a: (a.date, a.id),
                    reverse=True,
                )
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
        items = articles[(page_no - 1) * size : page_no * size]
        ads = [pages.ads_html(n + k, 1) for k in range(len(items) // 5 + 1)]
        main = pages.listing_main(
            items, ads, lang=edition, page_no=page_no, pages=pages_total, prefix=f"/{lang}/news/" if lang else None
        )
        title = f"{pages.ui(edition)['news']} - {pages.ui(edition)['site']}"
        template = pages.Template(pages.page(edition, title, main))
        return Response(200, self._fill(template, edition, {}, n=n))

    def _feed(self, lang: str) -> Response:
        body = feeds.rss(self._ordered(lang)[:FEED_SIZE], lang=lang, base_url=self.base_url, now=datetime.now(SITE_TZ))
        return Response(200, body, "application/rss+xml; charset=utf-8")

    def sitemap_url(self) -> str:
        """The sitemap index: one sitemap per edition (with ``lastmod``) and a news sitemap."""
        return f"{self.base_url}/sitemap.xml"

    def _sitemap(self, name: str | None) -> Response:
        if name is None:
            body = feeds.sitemap_index(
                [f"{self.base_url}/sitemap-{n}.xml" for n in (*self._editions(), "news")], self._ordered(None)
            )
        elif name == "news":
            body = feeds.news_sitemap(self._ordered(None)[:FEED_SIZE], base_url=self.base_url)
        elif name in self._editions():
            body = feeds.sitemap(self._ordered(name), base_url=self.base_url)
        else:
            return self.message_page(f"/sitemap-{name}.xml", "not_found", 404)
        return Response(200, body, "application/xml; charset=utf-8")

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

    def _fill(self, template: pages.Template, lang: str, values: dict[str, bytes], n: int | None = None) -> bytes:
        """Render ``template`` with this request's clock, slogan, ads, most-read and padding."""
        n = self._next_request() if n is None else n
        most_read = self._ordered(lang)[:30]
        values["clock"] = pages.clock_html(datetime.now(SITE_TZ), n, lang).encode("utf-8")
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
