"""Helpers the tests share: configs for the local site here, one module per area beside it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from palimpsest.config import from_dict

if TYPE_CHECKING:
    from localsite import LocalSite
    from palimpsest.config import Config


# Thresholds at 1 and 0 s and every article due on every run, so one crawl per step;
# no pacing (the politeness tests set their own).
EAGER = {
    "edit_confirmations": 1,
    "delete_confirmations": 1,
    "delete_min_age": "0s",
    "recheck_min": "0s",
    "recheck_max": "0s",
    "listing_pages": 1,
    "timeout": 3.0,
    "delay": 0.0,
}


def site_config(
    site: LocalSite, store_url: str, *, name: str = "c97", notify: list[dict] | None = None, **overrides: Any
) -> Config:
    """A config with one site entry for ``site`` using the real charter97 parser."""
    entry = {
        "name": name,
        "parser": "charter97",
        "start_urls": site.start_urls(),
        "feeds": site.feed_urls(),
        **EAGER,
        **overrides,
    }
    return from_dict({"store": store_url, "sites": [entry], "notify": notify or []}, environ={})
