"""A synthetic charter97-like news site and a webhook receiver on 127.0.0.1: test and demo infrastructure.

It imports nothing of Palimpsest; the demo (``palimpsest demo``), the tests and ``bench/``
use it. ``python -m localsite`` serves the site in a process of its own.
"""

from localsite.articles import SiteArticle, default_articles, make_articles
from localsite.server import Access, Response
from localsite.site import LocalSite
from localsite.webhook import Post, WebhookReceiver, free_port

__all__ = [
    "Access",
    "LocalSite",
    "Post",
    "Response",
    "SiteArticle",
    "WebhookReceiver",
    "default_articles",
    "free_port",
    "make_articles",
]
