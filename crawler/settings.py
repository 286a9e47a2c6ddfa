"""Scrapy settings of the project; per-site ones come from palimpsest.toml."""

from __future__ import annotations

BOT_NAME = "palimpsest"
SPIDER_LOADER_CLASS = "crawler.spiderloader.ConfigSpiderLoader"
ITEM_PIPELINES = {"crawler.pipelines.ArchivePipeline": 300}

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
ROBOTSTXT_OBEY = False
TELNETCONSOLE_ENABLED = False
DOWNLOAD_TIMEOUT = 30
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 8
AUTOTHROTTLE_ENABLED = False
LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"
