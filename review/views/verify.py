"""Whether an article's evidence verifies, by the archive's own ``verify``, for that article."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from evidence.verify import verify_article

if TYPE_CHECKING:
    from store.db import Store
    from store.models import Article

CACHE_SIZE = 2048
_cache: OrderedDict[tuple[str, int, str | None], dict[str, Any]] = OrderedDict()
_lock = threading.Lock()


def article_chain(store: Store, article: Article) -> dict[str, Any]:
    """``{"ok", "checked", "failures"}`` for the article's captures as they are now.

    Rechecking restores and hashes every raw capture, so a result is kept until the
    article's head hash moves (a new capture) — a changed old capture would still be
    caught by ``palimpsest verify`` and by the next recheck after a restart.
    """
    key = (store.url, article.id, article.head_hash)
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    report = verify_article(store, article.id)
    result = {"ok": report.ok, "checked": dict(report.checked), "failures": [str(f) for f in report.failures[:5]]}
    with _lock:
        _cache[key] = result
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return result
