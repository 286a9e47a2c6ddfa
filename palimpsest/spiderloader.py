"""Spiders from the config: one per site entry, so `scrapy crawl SITE` works as is."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.settings import BaseSettings

    from palimpsest.app import App


class ConfigSpiderLoader:
    """Lists and builds the spiders of the sites in palimpsest.toml.

    The app (config and store) comes from the ``PALIMPSEST_APP`` setting when
    ``palimpsest crawl`` runs Scrapy, or is loaded from the usual config lookup when
    ``scrapy crawl`` does.
    """

    def __init__(self, app: App) -> None:
        self.app = app

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> ConfigSpiderLoader:
        from palimpsest.app import App

        app = settings.get("PALIMPSEST_APP") or App(settings.get("PALIMPSEST_CONFIG"))
        return cls(app)

    def list(self) -> list[str]:
        return [site.name for site in self.app.config.sites]

    def load(self, spider_name: str) -> type:
        from crawler.spiders.site import SiteSpider

        try:
            site = self.app.config.site(spider_name)
        except Exception:
            raise KeyError(f"Spider not found: {spider_name}") from None
        return SiteSpider.for_site(site, self.app)

    def find_by_request(self, request: Request) -> list[str]:
        return []
