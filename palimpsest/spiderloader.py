"""Spiders from the config: one per site entry, so `scrapy crawl SITE` works as is."""

from __future__ import annotations

from typing import TYPE_CHECKING

from changes import EventKind

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.settings import BaseSettings

    from palimpsest.config import Config, SiteConfig


def spider_class(site: SiteConfig, config: Config) -> type:
    """The spider of one site entry: the one spider, named for the site, with its settings.

    Everything the run needs travels as data in ``custom_settings`` (the site entry, the
    store URL, where its alerts go), for :class:`crawler.run.RunOwner` to build the run from.
    """
    from crawler.politeness import site_settings
    from crawler.run import ROUTES, SITE_ENTRY
    from crawler.spiders.site import SiteSpider

    routes = {kind.value: config.route(site.name, kind.value) for kind in EventKind}
    settings = {**site_settings(site, config.store_url), SITE_ENTRY: site, ROUTES: routes}
    return type(f"SiteSpider_{site.name}", (SiteSpider,), {"name": site.name, "custom_settings": settings})


class ConfigSpiderLoader:
    """Lists and builds the spiders of the sites in palimpsest.toml (``PALIMPSEST_CONFIG`` or the usual lookup).

    The config is read when first needed: ``palimpsest crawl``, which has its own, builds
    its spiders with :func:`spider_class` and never asks the loader.
    """

    def __init__(self, config_path: str | None) -> None:
        self.config_path = config_path
        self._config: Config | None = None

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> ConfigSpiderLoader:
        return cls(settings.get("PALIMPSEST_CONFIG"))

    @property
    def config(self) -> Config:
        if self._config is None:
            from palimpsest.config import load

            self._config = load(self.config_path)
        return self._config

    def list(self) -> list[str]:
        return [site.name for site in self.config.sites]

    def load(self, spider_name: str) -> type:
        try:
            site = self.config.site(spider_name)
        except Exception:
            raise KeyError(f"Spider not found: {spider_name}") from None
        return spider_class(site, self.config)

    def find_by_request(self, request: Request) -> list[str]:
        return []
