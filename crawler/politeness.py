"""Politeness: which hosts a site's crawl may reach, and how fast, whatever the number of workers.

Four downloader middlewares, switched on by the settings :func:`site_settings` makes
from a site entry (robots.txt, the User-Agent and the size and time limits are
Scrapy's own, set from the same entry):

- :class:`SiteBounds` refuses offsite hosts (only those of the start URLs and feeds,
  and the ones the site lists) and hosts that resolve to a private, loopback or
  link-local address the start URLs do not resolve to; a redirect offsite is not
  followed (the spider sees the 3xx answer).
- :class:`SharedPace` spaces requests by the site's delay across every worker of the
  store (``store.pacing``) and makes them all pause after a 429 or 503, for the
  ``Retry-After`` it names. It lets no more requests past it than the site's
  concurrency: one released earlier would wait in Scrapy's download slot, beyond
  the reach of a pause that began meanwhile.
- :class:`RobotsTxt` is Scrapy's robots.txt middleware, mended for requests that
  wait together for robots.txt.
- :class:`RobotsOptOut` writes why robots.txt is not obeyed into each request's
  provenance, when a site has opted out.
"""

from __future__ import annotations

import ipaddress
import logging
import threading
import time
from collections import deque
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from scrapy import signals
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet import defer, task, threads

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Request, Response

    from palimpsest.config import SiteConfig

logger = logging.getLogger(__name__)

BACKOFF_STATUS = (429, 503)


def host_key(url: str) -> str:
    """``host`` or ``host:port`` when the URL names a port: the unit the offsite rule allows."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    try:
        return f"{host}:{parts.port}" if parts.port else host
    except ValueError:  # a port out of range: no host anyone listed
        return url


def allowed_hosts(site: SiteConfig) -> frozenset[str]:
    """What a site's crawl may fetch: the hosts (with their ports, when named) of its start
    URLs, feeds and sitemaps, and the hosts it lists (any port)."""
    return frozenset(
        {host_key(u) for u in (*site.start_urls, *site.feeds, *site.sitemaps)}
        | {h.lower() for h in site.politeness.hosts}
    )


def is_allowed(url: str, hosts: frozenset[str]) -> bool:
    return host_key(url) in hosts or (urlsplit(url).hostname or "").lower() in hosts


def site_settings(site: SiteConfig, store_url: str) -> dict[str, Any]:
    """The Scrapy settings of one site's crawl (a spider's ``custom_settings``)."""
    p = site.politeness
    return {
        "CONCURRENT_REQUESTS_PER_DOMAIN": site.concurrency,
        "DOWNLOAD_TIMEOUT": site.timeout,
        "DOWNLOAD_MAXSIZE": p.max_size,
        "DOWNLOAD_WARNSIZE": p.max_size // 2,
        "USER_AGENT": site.user_agent,
        "ROBOTSTXT_OBEY": p.robots,
        "PALIMPSEST_ROBOTS_REASON": None if p.robots else p.robots_reason,
        "PALIMPSEST_SITE": site.name,
        "PALIMPSEST_STORE_URL": store_url,
        "PALIMPSEST_HOSTS": sorted(allowed_hosts(site)),
        "PALIMPSEST_OWN_HOSTS": list(site.own_hosts),
        "PALIMPSEST_DELAY": site.delay,
        "PALIMPSEST_BACKOFF": p.backoff.total_seconds(),
        "PALIMPSEST_BACKOFF_MAX": p.backoff_max.total_seconds(),
    }


def is_internal(address: str) -> bool:
    """A private, loopback, link-local, reserved or otherwise non-global address."""
    return not ipaddress.ip_address(address).is_global


class SiteBounds:
    """Fetches only the site's hosts, and an internal address only where its start URLs are."""

    def __init__(self, hosts: list[str], own_hosts: list[str]) -> None:
        self.hosts = frozenset(h.lower() for h in hosts)
        self.own_hosts = tuple(own_hosts)
        self._addresses: dict[str, str] = {}
        self._own_addresses: set[str] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SiteBounds:
        hosts = crawler.settings.getlist("PALIMPSEST_HOSTS")
        if not hosts:
            raise NotConfigured("no site hosts: not a Palimpsest site crawl")
        return cls(hosts, crawler.settings.getlist("PALIMPSEST_OWN_HOSTS"))

    async def process_request(self, request: Request) -> None:
        if not is_allowed(request.url, self.hosts):
            raise IgnoreRequest(f"offsite: {host_key(request.url)} is not one of the site's hosts")
        host = (urlparse_cached(request).hostname or "").lower()
        address = await self._resolve(host)
        if is_internal(address) and address not in await self._own():
            raise IgnoreRequest(
                f"refused: {host} is at {address}, an internal address the site's start URLs are not at"
            )

    def process_response(self, request: Request, response: Response) -> Response:
        """Leave a redirect offsite unfollowed: the spider records the 3xx answer itself."""
        location = response.headers.get(b"Location")
        if 300 <= response.status < 400 and location:
            target = urljoin(request.url, location.decode("latin-1"))
            if not is_allowed(target, self.hosts):
                logger.info("not following %s: redirect to offsite %s", request.url, target)
                request.meta["dont_redirect"] = True
        return response

    async def _resolve(self, host: str) -> str:
        if host not in self._addresses:
            try:
                self._addresses[host] = str(ipaddress.ip_address(host.strip("[]")))
            except ValueError:  # a name: Scrapy's caching resolver, the one the download uses
                from twisted.internet import reactor  # the one Scrapy installed, never imported earlier

                self._addresses[host] = await maybe_deferred_to_future(reactor.resolve(host))
        return self._addresses[host]

    async def _own(self) -> set[str]:
        if self._own_addresses is None:
            found = set()
            for host in self.own_hosts:
                try:
                    found.add(await self._resolve(host))
                except Exception as exc:
                    logger.debug("cannot resolve %s: %s", host, exc)
            self._own_addresses = found
        return self._own_addresses


class SharedPace:
    """Spaces a site's requests by its delay across all workers; pauses them after 429/503."""

    ADMITTED = "palimpsest_paced"
    """Request meta flag: this request holds one of the site's places past the pace."""

    def __init__(
        self,
        crawler: Crawler,
        site: str,
        store_url: str,
        delay: float,
        backoff: float,
        backoff_max: float,
        places: int = 8,
    ) -> None:
        self.crawler = crawler
        self.site = site
        self.delay = delay
        self.backoff = backoff
        self.backoff_max = backoff_max
        self._paused_until = 0.0  # this process's own pause (monotonic), also when delay is 0
        self._pacer = None
        self._store_url = store_url
        self._lock = threading.Lock()
        self.places = max(places, 1)
        self._taken = 0
        self._queue: deque[defer.Deferred] = deque()
        crawler.signals.connect(self._close, signal=signals.spider_closed)
        crawler.signals.connect(self._leave, signal=signals.request_left_downloader)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SharedPace:
        s = crawler.settings
        site = s.get("PALIMPSEST_SITE")
        if not site:
            raise NotConfigured("no site: not a Palimpsest site crawl")
        return cls(
            crawler,
            site,
            s.get("PALIMPSEST_STORE_URL"),
            s.getfloat("PALIMPSEST_DELAY"),
            s.getfloat("PALIMPSEST_BACKOFF"),
            s.getfloat("PALIMPSEST_BACKOFF_MAX"),
            s.getint("CONCURRENT_REQUESTS_PER_DOMAIN"),
        )

    async def process_request(self, request: Request) -> None:
        while self._taken >= self.places:
            waiter: defer.Deferred = defer.Deferred()
            self._queue.append(waiter)
            await maybe_deferred_to_future(waiter)
        self._taken += 1
        request.meta[self.ADMITTED] = True
        wait = await self._in_thread("claim", self.site, self.delay) if self.delay > 0 else 0.0
        # Then wait for the slot claimed, and for any pause a 429 or 503 began meanwhile.
        while (wait := max(wait, self._paused_until - time.monotonic())) > 0:
            await _sleep(wait)
            wait = 0.0

    def _leave(self, request: Request, **_: Any) -> None:
        """A request done with (answered, failed or dropped): its place goes to the next one."""
        if request.meta.pop(self.ADMITTED, None):
            self._taken -= 1
            if self._queue:
                self._queue.popleft().callback(None)

    def process_exception(self, request: Request, exception: BaseException) -> None:
        self._leave(request)  # dropped or failed before it reached the download slot

    def process_response(self, request: Request, response: Response) -> Response:
        self._leave(request)
        if response.status in BACKOFF_STATUS:
            named = retry_after(response.headers.get(b"Retry-After"))
            pause = min(self.backoff if named is None else named, self.backoff_max)
            if pause > 0:
                logger.info("%s: http %d, every worker pauses %.0f s", self.site, response.status, pause)
                self.crawler.stats.inc_value("palimpsest/backoff")
                self._paused_until = max(self._paused_until, time.monotonic() + pause)
                if self.delay > 0:
                    d = threads.deferToThread(self._call, "pause", self.site, pause)
                    d.addErrback(lambda f: logger.error("%s: cannot share the pause: %s", self.site, f.value))
        return response

    async def _in_thread(self, method: str, *args: Any) -> float:
        return await maybe_deferred_to_future(threads.deferToThread(self._call, method, *args))

    def _call(self, method: str, *args: Any) -> Any:
        with self._lock:  # the first calls arrive together, each in its own thread
            if self._pacer is None:
                from store.db import Store
                from store.pacing import Pacer

                self._pacer = Pacer(Store(self._store_url))
        return getattr(self._pacer, method)(*args)

    def _close(self) -> None:
        if self._pacer is not None:
            self._pacer.store.close()


class RobotsTxt(RobotsTxtMiddleware):
    """Scrapy's robots.txt middleware, with every request that waited for robots.txt judged.

    Requests arriving while robots.txt downloads all await one Deferred; converted to
    futures, only the first awaiter receives the parser and the others None, which
    Scrapy reads as "no robots.txt: allowed". The parser is kept by host, so take it there.
    """

    async def robot_parser(self, request: Request) -> Any:
        parser = await super().robot_parser(request)
        return self._parsers.get(urlparse_cached(request).netloc) if parser is None else parser


class RobotsOptOut:
    """Records, in the provenance of every capture, why the site's robots.txt was not obeyed."""

    def __init__(self, reason: str) -> None:
        self.reason = reason

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RobotsOptOut:
        reason = crawler.settings.get("PALIMPSEST_ROBOTS_REASON")
        if crawler.settings.getbool("ROBOTSTXT_OBEY") or not reason:
            raise NotConfigured
        logger.warning("%s: robots.txt is not obeyed: %s", crawler.settings.get("PALIMPSEST_SITE"), reason)
        return cls(reason)

    def process_request(self, request: Request) -> None:
        request.meta.setdefault("provenance", {})["robots"] = f"not obeyed: {self.reason}"


async def _sleep(seconds: float) -> None:
    from twisted.internet import reactor  # the one Scrapy installed, never imported earlier

    await maybe_deferred_to_future(task.deferLater(reactor, seconds))


def retry_after(value: bytes | None, *, now: float | None = None) -> float | None:
    """Seconds named by a ``Retry-After`` header (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    text = value.decode("latin-1").strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when is None or when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))
