"""The Scrapy settings of a Palimpsest project: the crawler's own, with spiders from palimpsest.toml.

The spider loader reads the config, so it belongs to the composition root; the
crawler package below knows nothing of it (``scrapy.cfg``, the Scrapyd egg and
``palimpsest crawl`` all name this module).
"""

from __future__ import annotations

from crawler.settings import *  # noqa: F403 (the crawler's settings, as Scrapy reads a module)

SPIDER_LOADER_CLASS = "palimpsest.spiderloader.ConfigSpiderLoader"
