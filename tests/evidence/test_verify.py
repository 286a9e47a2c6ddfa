"""verify: a clean store passes; each kind of tampering fails and is named."""

from __future__ import annotations

from evidence.verify import Report, verify
from tests.support.evidence import ARTICLE_A, Filler, rows, scalar, tamper

# The ``filled`` store, by capture id (the store-wide ledger runs in this order):
# 1 listing · 2, 3, 4 article A (views only) · 5 article B · 6 A timeout
# 7, 8 A after an edit (identical pages) · 9 B gone


def failures(report: Report) -> list[str]:
    return [str(f) for f in report.failures]


def assert_named(report: Report, *fragments: str) -> None:
    """The report fails, and some failure mentions all ``fragments``."""
    assert not report.ok
    text = failures(report)
    assert any(all(fragment in line for fragment in fragments) for line in text), "\n".join(text)


def flip_byte(store, digest: str) -> None:
    data = bytearray(scalar(store, "SELECT data FROM blobs WHERE sha256 = :d", d=digest))
    data[len(data) // 2] ^= 0x01
    tamper(store, "UPDATE blobs SET data = :data WHERE sha256 = :d", data=bytes(data), d=digest)


def test_a_clean_store_verifies(filled) -> None:
    report = verify(filled)
    assert report.ok, failures(report)
    assert report.checked["captures"] == report.checked["ledger"] == 9
    assert report.checked["articles"] == 2
    assert report.checked["versions"] == 3
    assert report.checked["runs"] == 1
    assert report.to_json()["ok"] is True


def test_small_chunks_give_the_same_verdict(filled) -> None:
    assert verify(filled, chunk=2).ok


def test_a_flipped_byte_in_a_delta_is_named(filled) -> None:
    digest, codec = rows(
        filled,
        "SELECT c.response_sha256, b.codec FROM captures c JOIN blobs b ON b.sha256 = c.response_sha256 WHERE c.id = 3",
    )[0]
    assert codec == "zstd-delta"
    flip_byte(filled, digest)
    report = verify(filled)
    assert_named(report, f"blob {digest}", "capture 3 response_sha256")
    assert {f.check for f in report.failures} == {"blob"}


def test_a_flipped_byte_in_a_keyframe_fails_it_and_its_deltas(filled) -> None:
    digest = scalar(filled, "SELECT response_sha256 FROM captures WHERE id = 2")
    flip_byte(filled, digest)
    report = verify(filled)
    assert_named(report, f"blob {digest}", "capture 2")
    dependent = scalar(filled, "SELECT response_sha256 FROM captures WHERE id = 3")
    assert_named(report, f"blob {dependent}", "capture 3", f"delta on {digest}")


def test_a_flipped_byte_in_a_request_is_named(filled) -> None:
    digest = scalar(filled, "SELECT request_sha256 FROM captures WHERE id = 1")
    flip_byte(filled, digest)
    assert_named(verify(filled), f"blob {digest}", "request_sha256")


def test_an_altered_status_breaks_the_record_hash(filled) -> None:
    tamper(filled, "UPDATE captures SET status = 503 WHERE id = 3")
    report = verify(filled)
    assert_named(report, "capture 3", "record", "altered")
    assert [f.subject for f in report.failures] == ["capture 3"]


def test_an_altered_view_count_breaks_the_record_hash(filled) -> None:
    capture_id = scalar(filled, "SELECT min(id) FROM captures WHERE views IS NOT NULL")
    tamper(filled, "UPDATE captures SET views = views + 1000 WHERE id = :i", i=capture_id)
    assert_named(verify(filled), f"capture {capture_id}", "record_hash")


def test_an_altered_listing_is_named(filled) -> None:
    tamper(filled, "UPDATE captures SET reason = 'fine' WHERE id = 1")
    assert_named(verify(filled), "capture 1", "record_hash does not match")


def test_a_swapped_payload_digest_is_named(filled) -> None:
    other = scalar(filled, "SELECT payload_sha256 FROM captures WHERE id = 2")
    tamper(filled, "UPDATE captures SET payload_sha256 = :p WHERE id = 3", p=other)
    report = verify(filled)
    assert_named(report, "capture 3", "payload")
    assert_named(report, "capture 3", "record")


def test_altered_version_content_is_named(filled) -> None:
    version = scalar(filled, "SELECT version_id FROM captures WHERE id = 2")
    tamper(
        filled,
        "UPDATE versions SET content = :c WHERE id = :v",
        c='{"headline": "Minister stays", "body": []}',
        v=version,
    )
    assert_named(verify(filled), f"version {version}", "content does not match")


def delete_capture(store, capture_id: int) -> None:
    """Remove a capture row and the rows that refer to it (events, their alerts)."""
    tamper(store, "DELETE FROM alerts WHERE event_id IN (SELECT id FROM events WHERE capture_id = :c)", c=capture_id)
    tamper(store, "DELETE FROM events WHERE capture_id = :c", c=capture_id)
    tamper(store, "DELETE FROM captures WHERE id = :c", c=capture_id)


def test_a_deleted_capture_is_named(filled) -> None:
    removed_blob = scalar(filled, "SELECT response_sha256 FROM captures WHERE id = 3")
    delete_capture(filled, 3)
    report = verify(filled)
    assert_named(report, "capture 4", "prev_hash", "previous capture is 2", "removed")
    assert_named(report, "capture 4", "ledger", "does not chain", "captures 3..3 absent")
    assert_named(report, "run 1", "expected 9, found 8")
    assert_named(report, f"blob {removed_blob}", "orphan", "its capture was removed")


def test_a_deleted_capture_row_alone_is_named(filled) -> None:
    tamper(filled, "DELETE FROM captures WHERE id = 3")
    report = verify(filled)
    assert_named(report, "capture 4", "ledger", "does not chain")
    assert_named(report, "capture 4", "prev_hash")


def test_a_deleted_last_capture_is_named(filled) -> None:
    removed_blob = scalar(filled, "SELECT response_sha256 FROM captures WHERE id = 9")
    delete_capture(filled, 9)
    report = verify(filled)
    article_b = scalar(filled, "SELECT article_id FROM captures WHERE id = 5")
    assert_named(report, f"article {article_b}", "last capture 5", "removed")
    assert_named(report, f"blob {removed_blob}", "orphan")


def test_swapped_ledger_hashes_are_named(filled) -> None:
    h4, h5 = (scalar(filled, "SELECT ledger_hash FROM captures WHERE id = :c", c=c) for c in (4, 5))
    tamper(filled, "UPDATE captures SET ledger_hash = :h WHERE id = 4", h=h5)
    tamper(filled, "UPDATE captures SET ledger_hash = :h WHERE id = 5", h=h4)
    report = verify(filled)
    assert_named(report, "capture 4", "ledger", "does not chain")
    assert_named(report, "capture 5", "ledger", "does not chain")
    assert {f.check for f in report.failures} == {"ledger"}


def test_a_reordered_log_is_named(filled) -> None:
    """Captures 6 and 7 trade places in the log, each row intact (its hashes with it)."""
    tamper(filled, "UPDATE captures SET id = -1 WHERE id = 6")
    tamper(filled, "UPDATE captures SET id = 6 WHERE id = 7")
    tamper(filled, "UPDATE captures SET id = 7 WHERE id = -1")
    report = verify(filled)
    assert_named(report, "capture 6", "ledger", "does not chain", "reordered")
    assert_named(report, "capture 7", "ledger", "does not chain")


def test_swapped_record_and_ledger_hashes_are_named(filled) -> None:
    """Reordering by moving the hashes rather than the rows: both chains and both records fail."""
    (r6, l6), (r7, l7) = (
        rows(filled, "SELECT record_hash, ledger_hash FROM captures WHERE id = :c", c=c)[0] for c in (6, 7)
    )
    tamper(filled, "UPDATE captures SET record_hash = :r, ledger_hash = :l WHERE id = 6", r=r7, l=l7)
    tamper(filled, "UPDATE captures SET record_hash = :r, ledger_hash = :l WHERE id = 7", r=r6, l=l6)
    report = verify(filled)
    assert_named(report, "capture 6", "ledger", "does not chain")
    assert_named(report, "capture 6", "record_hash does not match")
    assert_named(report, "capture 7", "record_hash does not match")


def test_a_capture_left_out_of_the_ledger_is_named(filled) -> None:
    """A capture that does not chain on the one before it: as if appended past the ledger."""
    previous = scalar(filled, "SELECT ledger_hash FROM captures WHERE id = 8")
    tamper(filled, "UPDATE captures SET ledger_hash = :h WHERE id = 9", h=previous)
    report = verify(filled)
    assert_named(report, "capture 9", "ledger", "does not chain")
    assert [f.subject for f in report.failures] == ["capture 9"]


def test_a_capture_inserted_into_a_chain_is_named(filled) -> None:
    """Rewriting prev_hash to hide a removal still breaks the record hash."""
    previous = scalar(filled, "SELECT record_hash FROM captures WHERE id = 2")
    delete_capture(filled, 3)
    tamper(filled, "UPDATE captures SET prev_hash = :p WHERE id = 4", p=previous)
    assert_named(verify(filled), "capture 4", "record_hash does not match")


def test_many_failures_are_counted_not_kept(store) -> None:
    f = Filler(store)
    for views in range(5):
        f.article(ARTICLE_A, "Headline", ["Body."], views=views)
    tamper(store, "UPDATE captures SET elapsed_ms = 1")
    report = verify(store, max_failures=2)
    assert len(report.failures) == 2
    assert report.more_failures == 3
    assert not report.ok
