"""The crawl's Scrapy settings: what a crawl that collects evidence must and must not load."""

from __future__ import annotations

from scrapy.settings import Settings
from scrapy.utils.conf import build_component_list
from scrapy.utils.misc import load_object


def _extensions() -> list[type]:
    settings = Settings()
    settings.setmodule("palimpsest.scrapy_settings", priority="project")
    return [
        load_object(path) if isinstance(path, str) else path
        for path in build_component_list(settings.getwithbase("EXTENSIONS"))
    ]


def test_no_console_can_reach_into_a_running_crawl() -> None:
    names = {f"{cls.__module__}.{cls.__qualname__}" for cls in _extensions()}
    assert not {n for n in names if "telnet" in n or "remote_control" in n}, names
    assert "scrapy.extensions.corestats.CoreStats" in names  # Scrapy's other defaults stay
    assert {"crawler.run.RunOwner", "crawler.errors.CountFailures"} <= names
