"""Content-addressed, compressed raw bytes, stored as deltas against a previous blob.

A recapture of an article differs from the last one in a few bytes (a view counter,
a clock), so it is compressed with zstandard using an earlier raw response as a
raw-content dictionary: the delta costs tens of bytes, and every byte restores
exactly. The dictionary is the keyframe at the root of the previous response's chain
while the delta against it stays small (a views-only recapture: depth 1 for ever,
no periodic keyframe to pay for); once the page has drifted from it (an edit, a
listing's new items) the previous response itself, chaining up to ``MAX_DEPTH``.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from typing import TYPE_CHECKING

import zstandard
from sqlalchemy import select

from store.db import insert_new
from store.models import Blob

if TYPE_CHECKING:
    from collections.abc import Iterable

    from sqlalchemy.orm import Session


MAX_DEPTH = 32
"""Longest chain of delta bases; past it a blob is stored whole (a keyframe)."""
LEVEL = 3
"""zstd level of a keyframe: 9 costs ten times the CPU for 4% less, paid once per page."""
DELTA_LEVEL = 4
"""zstd level of a delta: a views-only recapture is 128 bytes here and 120 at level 9,
for half the CPU (the dictionary is loaded afresh for every delta: that is the cost)."""
CACHE_ENTRIES = 64
ROOT_SHARE = 8
"""A delta against the keyframe is kept without trying the chain when it is at most
1/ROOT_SHARE of the keyframe's stored size."""


class BlobStore:
    """Puts and gets blobs through a session; caches recently restored bytes.

    A writer of many blobs stages them (:meth:`stage`) and inserts them together
    (:meth:`flush`); :meth:`put` is the two at once.
    """

    def __init__(self) -> None:
        self._cache: OrderedDict[str, bytes] = OrderedDict()
        self._plain = zstandard.ZstdCompressor(level=LEVEL)
        self._staged: dict[str, Blob] = {}

    def put(self, session: Session, data: bytes, *, base: str | None = None) -> str:
        """Store ``data`` (if new) and return its SHA-256; ``base`` is a delta candidate."""
        digest = self.stage(session, data, base=base)
        self.flush(session)
        return digest

    def existing(self, session: Session, digests: Iterable[str]) -> set[str]:
        """Which of ``digests`` are stored already, in one query."""
        wanted = list(set(digests))
        if not wanted:
            return set()
        return set(session.scalars(select(Blob.sha256).where(Blob.sha256.in_(wanted))))

    def stage(
        self,
        session: Session,
        data: bytes,
        *,
        base: str | None = None,
        digest: str | None = None,
        exists: bool | None = None,
    ) -> str:
        """Encode ``data`` for the next :meth:`flush` unless it is stored; return its SHA-256.

        ``exists`` (from :meth:`existing`) saves the lookup. Several workers may store
        the same bytes at once (a feed fetched by each): the check only saves compression
        work, the insert lets the primary key decide, so the loser of a race keeps the
        winner's row instead of failing.
        """
        digest = digest or hashlib.sha256(data).hexdigest()
        if digest not in self._staged:
            if exists is None:
                exists = session.get(Blob, digest) is not None
            if not exists:
                self._staged[digest] = self._encode(session, digest, data, base)
        self._remember(digest, data)
        return digest

    def flush(self, session: Session) -> None:
        """Insert the staged blobs, in one statement."""
        if not self._staged:
            return
        rows = [
            {
                "sha256": b.sha256,
                "size": b.size,
                "codec": b.codec,
                "base_sha256": b.base_sha256,
                "depth": b.depth,
                "data": b.data,
            }
            for b in self._staged.values()
        ]
        self._staged.clear()
        insert_new(session, Blob, ["sha256"], rows)

    def discard(self) -> None:
        """Forget staged blobs (their transaction rolled back)."""
        self._staged.clear()

    def _row(self, session: Session, digest: str) -> Blob | None:
        return self._staged.get(digest) or session.get(Blob, digest)

    def get(self, session: Session, digest: str) -> bytes:
        """The exact bytes stored under ``digest``; KeyError when there is no such blob."""
        cached = self._cache.get(digest)
        if cached is not None:
            self._cache.move_to_end(digest)
            return cached
        blob = self._row(session, digest)
        if blob is None:
            raise KeyError(f"no blob {digest}")
        data = decode(blob, lambda d: self.get(session, d))
        self._remember(digest, data)
        return data

    def _encode(self, session: Session, digest: str, data: bytes, base: str | None) -> Blob:
        previous = self._row(session, base) if base else None
        best: tuple[Blob, bytes] | None = None
        if previous is not None:
            root = self._root(session, previous)
            for candidate in dict.fromkeys((root, previous)):  # the keyframe first: shallowest
                if candidate.depth >= MAX_DEPTH:
                    continue
                delta = _delta_compressor(self.get(session, candidate.sha256)).compress(data)
                if best is None or len(delta) < len(best[1]):
                    best = (candidate, delta)
                if candidate is root and len(delta) * ROOT_SHARE <= len(root.data):
                    break  # small against the keyframe: no chain needed
        if best is not None and len(best[1]) < len(data) // 4:
            chosen, delta = best
            return Blob(
                sha256=digest,
                size=len(data),
                codec="zstd-delta",
                base_sha256=chosen.sha256,
                depth=chosen.depth + 1,
                data=delta,
            )
        return Blob(sha256=digest, size=len(data), codec="zstd", depth=0, data=self._plain.compress(data))

    def _root(self, session: Session, blob: Blob) -> Blob:
        """The keyframe at the start of ``blob``'s chain of delta bases."""
        while blob.codec != "zstd" and blob.base_sha256:
            base = self._row(session, blob.base_sha256)
            if base is None:
                break
            blob = base
        return blob

    def _remember(self, digest: str, data: bytes) -> None:
        self._cache[digest] = data
        self._cache.move_to_end(digest)
        while len(self._cache) > CACHE_ENTRIES:
            self._cache.popitem(last=False)


def decode(blob: Blob, get_base) -> bytes:
    """Restore a blob's bytes; ``get_base`` restores its base for deltas."""
    if blob.codec == "zstd":
        return zstandard.ZstdDecompressor().decompress(blob.data)
    if blob.codec == "zstd-delta":
        base = get_base(blob.base_sha256)
        return zstandard.ZstdDecompressor(dict_data=_raw_dict(base)).decompress(blob.data)
    raise ValueError(f"blob {blob.sha256}: unknown codec {blob.codec!r}")


def _raw_dict(base: bytes) -> zstandard.ZstdCompressionDict:
    return zstandard.ZstdCompressionDict(base, dict_type=zstandard.DICT_TYPE_RAWCONTENT)


def _delta_compressor(base: bytes) -> zstandard.ZstdCompressor:
    return zstandard.ZstdCompressor(level=DELTA_LEVEL, dict_data=_raw_dict(base), write_checksum=False)
