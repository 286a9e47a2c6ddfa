"""``verify``'s checks of the evidence log: every known tree head against the store's captures.

Heads come from the store, the heads file and any the caller was handed (``verify --head``:
a copy a reader kept from an alert, the feed or a report). Each must be signed by the
installation key, and the captures in id order must hash, leaf by leaf, to its root at
its size — one pass over the captures checks them all. Failure checks:

- ``head``: a head's signature does not verify, or two heads of one size differ (forged)
- ``log``: the store's tree at a head's size has another root (a capture it covers was
  altered, removed or reordered), or the store has fewer captures than a head covers
  (the newest captures were removed after the head was published)
- ``timestamp``: an RFC 3161 token is not over its head, or its chain does not verify
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from evidence import keys
from evidence.checker import ProofError, head_message, leaf_hash, verify_head
from evidence.log import head_json, read_heads_file
from evidence.merkle import Frontier
from evidence.scan import keyset
from store.models import Capture, HeadTimestamp, TreeHead

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from evidence.settings import LogSettings
    from evidence.verify import Report


@dataclass
class _Known:
    head: dict[str, Any]
    source: str
    last_capture_id: int | None = None


def check_log(s: Session, report: Report, settings: LogSettings, witnesses: list[dict[str, Any]]) -> None:
    key = keys.public_key(settings.key_path)
    fingerprint = None
    if key is not None:
        fingerprint = keys.key_fingerprint(key.public_bytes_raw())
        report.notes.append(f"installation key: Ed25519, fingerprint {fingerprint}")
    else:
        report.notes.append(f"no installation key at {settings.key_path}: heads checked against their own keys")
    public_b64 = None if key is None else base64.b64encode(key.public_bytes_raw()).decode("ascii")
    rows = s.scalars(select(TreeHead).order_by(TreeHead.tree_size)).all()
    known = [_Known(head_json(r, public_b64), "store", r.last_capture_id) for r in rows]
    known += [_Known(h, "heads file") for h in read_heads_file(settings.heads_file)]
    for head in witnesses:
        if head.get("tree_size") is None:  # a bare root: find the size whose tree has it
            head = {**head, "tree_size": _size_of_root(s, head["root_hash"], known)}
            if head["tree_size"] is None:
                report.fail(
                    "log",
                    f"kept root {head['root_hash']}",
                    "no prefix of the store's captures hashes to "
                    "it: captures it covered were altered or removed, or it is not this store's",
                )
                continue
        known.append(_Known(head, "kept head"))
    by_size: dict[int, list[_Known]] = {}
    for k in known:
        if _signed(report, k, fingerprint, public_b64):
            by_size.setdefault(int(k.head["tree_size"]), []).append(k)
    for size, heads in by_size.items():
        roots = {k.head["root_hash"] for k in heads}
        if len(roots) > 1:
            report.fail(
                "head",
                f"tree head {size}",
                "heads of one size name different roots: one is forged ("
                + ", ".join(f"{k.source}: {k.head['root_hash']}" for k in heads)
                + ")",
            )
    _check_roots(s, report, by_size)
    _check_timestamps(s, report, rows, settings)


def _size_of_root(s: Session, root: str, known: list[_Known]) -> int | None:
    for k in known:
        if k.head.get("root_hash") == root:
            return int(k.head["tree_size"])
    frontier = Frontier()
    for record_hash, _ in keyset(
        s,
        lambda b: select(Capture.record_hash, Capture.id).order_by(Capture.id).where(Capture.id > (b or 0)),
        lambda r: r[1],
        10_000,
    ):
        frontier.append(leaf_hash(bytes.fromhex(record_hash)))
        if frontier.root().hex() == root:
            return frontier.size
    return None


def _signed(report: Report, k: _Known, fingerprint: str | None, public_b64: str | None) -> bool:
    """Whether ``k`` is a validly signed head; a head without a key (a footer line) gets ours."""
    head = dict(k.head)
    if not head.get("public_key"):
        head["public_key"] = public_b64
        head["key_fingerprint"] = fingerprint
    if not head.get("signature"):  # a bare root someone kept: nothing to check but the root
        return True
    report.checked["tree heads"] += 1
    if head["public_key"] is None:
        report.fail("head", f"tree head {head['tree_size']} ({k.source})", "no key to check its signature with")
        return False
    try:
        verify_head(head, fingerprint)
    except (ProofError, ValueError, KeyError) as exc:
        report.fail("head", f"tree head {head['tree_size']} ({k.source})", f"forged or altered: {exc}")
        return False
    return True


def _check_roots(s: Session, report: Report, by_size: dict[int, list[_Known]]) -> None:
    frontier, last_id = Frontier(), None
    sizes = sorted(by_size)
    pending = iter(sizes)
    target = next(pending, None)

    def query(bound: Any) -> Any:
        q = select(Capture.id, Capture.record_hash).order_by(Capture.id)
        return q.where(Capture.id > bound) if bound is not None else q

    for capture_id, record_hash in keyset(s, query, lambda r: r[0], 10_000):
        if target is None:
            break
        frontier.append(leaf_hash(bytes.fromhex(record_hash)))
        last_id = capture_id
        while target is not None and frontier.size == target:
            _compare(report, by_size[target], frontier.root().hex(), last_id)
            target = next(pending, None)
    while target is not None:
        for k in by_size[target]:
            report.fail(
                "log",
                f"tree head {target} ({k.source})",
                f"signed {k.head.get('timestamp')} over {target} captures, but the store holds only "
                f"{frontier.size}: the newest {target - frontier.size} captures (after capture "
                f"{last_id}) were removed",
                target,
                frontier.size,
            )
        target = next(pending, None)


def _compare(report: Report, heads: list[_Known], root: str, last_id: int) -> None:
    for k in heads:
        report.checked["tree head roots"] += 1
        size = k.head["tree_size"]
        if k.head["root_hash"] != root:
            report.fail(
                "log",
                f"tree head {size} ({k.source})",
                f"the store's first {size} captures hash to another root: a capture up to capture "
                f"{last_id} was altered, removed or reordered since it was signed",
                k.head["root_hash"],
                root,
            )
        elif k.last_capture_id is not None and k.last_capture_id != last_id:
            report.fail(
                "log", f"tree head {size} ({k.source})", "its last capture is another one", k.last_capture_id, last_id
            )


def _check_timestamps(s: Session, report: Report, rows: list[TreeHead], settings: LogSettings) -> None:
    from evidence.tsa import TimestampError, check_token, load_roots

    roots = load_roots(settings.tsa_certs)
    sizes = {r.id: r for r in rows}
    for stamp in s.scalars(select(HeadTimestamp).order_by(HeadTimestamp.id)):
        head = sizes.get(stamp.head_id)
        report.checked["timestamps"] += 1
        subject = f"timestamp {stamp.id} ({stamp.tsa})"
        if head is None:
            report.fail("timestamp", subject, f"its tree head {stamp.head_id} is missing")
            continue
        try:
            check_token(stamp.token, head_message(head_json(head)), roots)
        except TimestampError as exc:
            report.fail("timestamp", subject, f"does not attest tree head {head.tree_size}: {exc}")
