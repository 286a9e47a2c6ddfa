"""Scrapy settings of the project; per-site ones come from palimpsest.toml."""

from __future__ import annotations

from scrapy.settings import default_settings as _scrapy_defaults

BOT_NAME = "palimpsest"
ITEM_PIPELINES = {"crawler.pipelines.ArchivePipeline": 300}
# Politeness (crawler/politeness.py). SiteBounds runs after robots.txt's middleware
# (100) and so also guards its robots.txt requests, and before redirects (600) in the
# response path; SharedPace paces whatever is really sent.
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.politeness.RobotsTxt": 100,
    "crawler.politeness.RobotsOptOut": 90,
    "crawler.politeness.SiteBounds": 650,
    "crawler.politeness.SharedPace": 700,
}
# A lost capture or a spider exception fails the run (crawler/errors.py). The run owner
# opens, feeds and finishes a site's run from the site entry in its settings (crawler/run.py).
EXTENSIONS = {"crawler.errors.CountFailures": 0, "crawler.run.RunOwner": 10}
# Scrapy's own extensions, but for two consoles a crawl must not have: telnet, and 2.19's
# HTTP "remote control" that runs any Python code sent to it (on by default, with a token
# in a file in the user's home). Nothing may change a crawl that collects evidence while
# it runs. Left out of the base list, not set to None: Scrapy imports every listed
# extension, and these two bring twisted.conch and aiohttp (0.15 s at every start).
EXTENSIONS_BASE = {
    path: order
    for path, order in _scrapy_defaults.EXTENSIONS_BASE.items()
    if path not in ("scrapy.extensions.telnet.TelnetConsole", "scrapy.extensions.remote_control.RemoteControl")
}

# Every attempt is archived as its own capture and a failed article is rechecked
# soon by the schedule, so Scrapy's own retries would only hide evidence.
RETRY_ENABLED = False
# Errors are evidence too: the spider sees every status, the pipeline judges it.
HTTPERROR_ALLOW_ALL = True
# A cut-off body must fail loudly (a transient capture), never pass as a short page.
DOWNLOAD_FAIL_ON_DATALOSS = True
# Verify TLS certificates like a browser: evidence fetched over a forged connection
# is worthless. (Scrapy's default accepts any certificate.)
DOWNLOAD_VERIFY_CERTIFICATES = True

COOKIES_ENABLED = False
# Per site (palimpsest.toml): robots.txt obeyed unless a site opts out with a reason.
ROBOTSTXT_OBEY = True
# No 1 GiB default: a site entry's max_size replaces this, compressed bodies included.
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 5 * 1024 * 1024
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False  # and out of EXTENSIONS_BASE, above
DOWNLOAD_TIMEOUT = 30
CONCURRENT_REQUESTS = 16
# A response yields one capture and a few requests. Scrapy starts this many tasks for the
# output of every response (2.13+ on asyncio), whatever its size: 100, the default, cost
# about a fifth of the reactor thread's time per page.
CONCURRENT_ITEMS = 8
# Article pages are read and judged in a page reader process from a run's 32nd on
# (crawler/reader.py), off the interpreter lock the reactor holds; False reads every page
# on the capture writer's thread.
PALIMPSEST_READER = True
CONCURRENT_REQUESTS_PER_DOMAIN = 8
AUTOTHROTTLE_ENABLED = False
LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"
