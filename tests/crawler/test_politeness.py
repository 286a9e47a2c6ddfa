"""Politeness, measured at the local site: robots.txt, User-Agent, hosts, backoff, size limits."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from crawler.politeness import is_internal, retry_after
from localsite import LocalSite, Response, make_articles
from palimpsest.config import ConfigError, from_dict
from palimpsest.crawl import crawl_isolated
from store.db import Store
from store.models import Capture
from tests.support import site_config


class LinkingSite(LocalSite):
    """The local site, whose English listing also links to ``extra`` URLs, and whose
    article pages may redirect (``redirects``: path -> Location)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.extra: list[str] = []
        self.redirects: dict[str, str] = {}

    def respond(self, path: str) -> Response:
        if path in self.redirects:
            return Response(302, b"moved", headers={"Location": self.redirects[path]})
        response = super().respond(path)
        if path == "/en/news/" and self.extra:
            links = "".join(f'<li><a href="{u}"><strong class="news__title">x</strong></a></li>' for u in self.extra)
            marker = b'<div class="news news_latest"><ul>'
            assert marker in response.body
            response.body = response.body.replace(marker, marker + links.encode(), 1)
        return response


@pytest.fixture
def site():
    s = LinkingSite(make_articles(12, seed=4), listing_page_size=12).start()
    yield s
    s.stop()


def captures(store_url: str) -> list[Capture]:
    store = Store(store_url)
    try:
        with store.reader() as s:
            return list(s.scalars(select(Capture).order_by(Capture.id)))
    finally:
        store.close()


def test_robots_txt_is_obeyed_and_the_user_agent_names_the_project(site, tmp_path):
    store_url = f"sqlite:///{tmp_path / 'p.db'}"
    site.robots_txt = "User-agent: *\nDisallow: /ru/\n"
    [run] = crawl_isolated(site_config(site, store_url))
    assert run.run_id is not None
    fetched = [a.path for a in site.access_log]
    assert fetched[0] == "/robots.txt"
    assert not [p for p in fetched if p.startswith("/ru/")], "a path robots.txt disallows was fetched"
    english = [a for a in site.articles() if a.lang == "en"]
    assert {a.path for a in english} <= set(fetched)
    agents = {a.user_agent for a in site.access_log}
    assert len(agents) == 1
    [agent] = agents
    assert "Palimpsest/" in agent and "+https://" in agent, agent
    # Refused requests are recorded as attempts that never reached the site.
    refused = [c for c in captures(store_url) if "/ru/" in c.url]
    assert refused and all(c.status is None and "robots.txt" in c.reason for c in refused)


def test_a_site_may_opt_out_of_robots_txt_with_a_recorded_reason(site, tmp_path):
    store_url = f"sqlite:///{tmp_path / 'p.db'}"
    site.robots_txt = "User-agent: *\nDisallow: /\n"
    with pytest.raises(ConfigError, match="robots_reason"):
        site_config(site, store_url, robots=False)
    reason = "a state outlet that forbids archiving; kept as public-interest evidence"
    [run] = crawl_isolated(site_config(site, store_url, robots=False, robots_reason=reason))
    assert run.health == "ok", run
    assert "/robots.txt" not in [a.path for a in site.access_log]
    stored = captures(store_url)
    assert len(stored) == len(site.articles()) + 4  # two listings and two feeds
    assert {c.meta.get("robots") for c in stored} == {f"not obeyed: {reason}"}


def test_offsite_hosts_and_internal_addresses_are_never_fetched(site, tmp_path):
    store_url = f"sqlite:///{tmp_path / 'p.db'}"
    other = LocalSite(make_articles(2, seed=9)).start()  # another host (by port) on this machine
    try:
        offsite_article = other.url(other.articles()[0].id)
        site.extra = [offsite_article]
        redirected = site.articles()[0]
        site.redirects[redirected.path] = other.url(other.articles()[1].id)
        # 127.0.0.2 is listed, so it is not offsite, but it is a loopback address the
        # start URLs (127.0.0.1) are not at: refused before any connection.
        internal = "http://127.0.0.2:9" + site.articles()[1].path
        site.extra.append(internal)
        [run] = crawl_isolated(site_config(site, store_url, hosts=["127.0.0.2"]))
        assert run.run_id is not None
        assert other.access_log == [], "the other host was contacted"
        stored = captures(store_url)
        assert offsite_article not in {c.url for c in stored}, "an offsite link became an article"
        [moved] = [c for c in stored if c.url == site.url(redirected.id)]
        assert moved.status == 302 and moved.final_url is None, "an offsite redirect was followed"
        [refused] = [c for c in stored if c.url == internal]
        assert refused.status is None and "internal address" in refused.reason
    finally:
        other.stop()


def test_429_and_503_pause_the_crawl_for_their_retry_after(site, tmp_path):
    store_url = f"sqlite:///{tmp_path / 'p.db'}"
    first = "/ru/news/"  # a listing: fetched before the articles
    site.fault(first, "429", times=1)  # answers with Retry-After: 1
    [run] = crawl_isolated(site_config(site, store_url, concurrency=1, delay=0.05))
    assert run.run_id is not None
    log = [a for a in site.access_log if a.path != "/robots.txt"]
    hit = next(i for i, a in enumerate(log) if a.path == first)
    after = [a.at - log[hit].at for a in log[hit + 1 :]]
    assert len(after) > 5, "too little was fetched after the 429"
    # A request already on its way when the answer came may still go; then nothing for 1 s.
    assert sum(d < 0.95 for d in after) <= 2, [round(d, 2) for d in after]
    calm = [b.at - a.at for a, b in zip(log, log[1:], strict=False) if b.at < log[hit].at or a.at > log[hit].at + 1]
    assert max(calm) < 0.9, "the crawl paused without a 429"


def test_a_body_past_the_size_limit_is_cut_off_and_transient(site, tmp_path):
    store_url = f"sqlite:///{tmp_path / 'p.db'}"
    bomb, big = site.articles()[0], site.articles()[1]
    site.fault(bomb.id, "gzipbomb")  # 64 KB on the wire, 64 MB inflated
    [run] = crawl_isolated(site_config(site, store_url, max_size=1_000_000))
    assert run.run_id is not None
    by_url = {c.url: c for c in captures(store_url)}
    cut = by_url[site.url(bomb.id)]
    assert cut.outcome == "transient" and re.search("max ?size", cut.reason, re.I), cut.reason
    assert by_url[site.url(big.id)].outcome == "ok"

    # A page larger than the limit as sent (Content-Length) is cut off the same way.
    small_limit = f"sqlite:///{tmp_path / 'q.db'}"
    site.fault(bomb.id, None)
    [run] = crawl_isolated(site_config(site, small_limit, max_size=5_500))  # pages are 4.9 to 6.8 KB
    pages = [c for c in captures(small_limit) if c.kind == "article"]
    cut = [c for c in pages if c.outcome != "ok"]
    assert cut and len(cut) < len(pages)
    assert all(c.outcome == "transient" and re.search("max ?size", c.reason, re.I) for c in cut), cut[0].reason


def test_retry_after_and_internal_addresses():
    assert retry_after(b"120") == 120.0
    assert retry_after(b"Wed, 21 Oct 2015 07:28:00 GMT", now=1445412480 - 30) == 30.0
    assert retry_after(b"soon") is None and retry_after(None) is None
    assert [
        is_internal(a)
        for a in (
            "127.0.0.1",
            "10.1.2.3",
            "169.254.169.254",
            "::1",
            "fe80::1",
            "192.168.0.1",
            "100.64.0.1",
            "8.8.8.8",
            "2a00:1450::1",
        )
    ] == [True] * 7 + [False] * 2


def test_settings_are_checked():
    base = {"name": "s", "parser": "generic", "start_urls": ["https://a.example/news/"]}
    site = from_dict({"sites": [{**base, "hosts": ["B.example"], "feeds": ["https://f.example/rss"]}]}).sites[0]
    from crawler.politeness import allowed_hosts

    assert allowed_hosts(site) == {"a.example", "f.example", "b.example"}
    assert "Palimpsest" in site.user_agent and "{contact_url}" not in site.user_agent
    custom = from_dict({"sites": [{**base, "contact_url": "https://ngo.example/crawler"}]}).sites[0]
    assert custom.user_agent.endswith("+https://ngo.example/crawler)")
