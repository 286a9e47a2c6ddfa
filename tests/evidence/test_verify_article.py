"""verify_article: one article's share of verify, as its review page shows it."""

from __future__ import annotations

from evidence.verify import verify_article
from tests.support.evidence import ARTICLE_A, scalar, tamper

# The ``filled`` store: captures 2, 3, 4, 6, 7, 8 are article A's, 5 and 9 article B's.


def _ids(store):
    a = scalar(store, "SELECT id FROM articles WHERE url = :u", u=ARTICLE_A)
    b = scalar(store, "SELECT id FROM articles WHERE url != :u", u=ARTICLE_A)
    return a, b


def test_a_clean_article_verifies(filled):
    a, b = _ids(filled)
    report = verify_article(filled, a)
    assert report.ok, report.failures
    assert report.checked["captures"] == 6 and report.checked["ledger"] == 6
    assert verify_article(filled, b).ok


def test_tampering_shows_on_that_article_only(filled):
    a, b = _ids(filled)
    tamper(filled, "UPDATE captures SET status = 503 WHERE id = 3")
    report = verify_article(filled, a)
    assert not report.ok and any(f.check == "record" and f.subject == "capture 3" for f in report.failures)
    assert verify_article(filled, b).ok


def test_a_broken_ledger_link_is_found(filled):
    a, _ = _ids(filled)
    tamper(filled, "UPDATE captures SET ledger_hash = record_hash WHERE id = 7")
    failures = verify_article(filled, a).failures
    assert [f.subject for f in failures if f.check == "ledger"] == ["capture 7", "capture 8"]
