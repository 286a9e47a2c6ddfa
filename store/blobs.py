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

from store.models import Blob

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


MAX_DEPTH = 32
"""Longest chain of delta bases; past it a blob is stored whole (a keyframe)."""
LEVEL = 9
CACHE_ENTRIES = 64
ROOT_SHARE = 8
"""A delta against the keyframe is kept without trying the chain when it is at most
1/ROOT_SHARE of the keyframe's stored size."""


class BlobStore:
    """Puts and gets blobs through a session; caches recently restored bytes."""

    def __init__(self) -> None:
        self._cache: OrderedDict[str, bytes] = OrderedDict()
        self._plain = zstandard.ZstdCompressor(level=LEVEL)

    def put(self, session: Session, data: bytes, *, base: str | None = None) -> str:
        """Store ``data`` (if new) and return its SHA-256; ``base`` is a delta candidate."""
        digest = hashlib.sha256(data).hexdigest()
        if session.get(Blob, digest) is not None:
            self._remember(digest, data)
            return digest
        blob = self._encode(session, digest, data, base)
        session.add(blob)
        session.flush()
        self._remember(digest, data)
        return digest

    def get(self, session: Session, digest: str) -> bytes:
        """The exact bytes stored under ``digest``; KeyError when there is no such blob."""
        cached = self._cache.get(digest)
        if cached is not None:
            self._cache.move_to_end(digest)
            return cached
        blob = session.get(Blob, digest)
        if blob is None:
            raise KeyError(f"no blob {digest}")
        data = decode(blob, lambda d: self.get(session, d))
        self._remember(digest, data)
        return data

    def _encode(self, session: Session, digest: str, data: bytes, base: str | None) -> Blob:
        previous = session.get(Blob, base) if base else None
        best: tuple[Blob, bytes] | None = None
        if previous is not None:
            root = _root(session, previous)
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
            return Blob(sha256=digest, size=len(data), codec="zstd-delta",
                        base_sha256=chosen.sha256, depth=chosen.depth + 1, data=delta)
        return Blob(sha256=digest, size=len(data), codec="zstd", depth=0,
                    data=self._plain.compress(data))

    def _remember(self, digest: str, data: bytes) -> None:
        self._cache[digest] = data
        self._cache.move_to_end(digest)
        while len(self._cache) > CACHE_ENTRIES:
            self._cache.popitem(last=False)


def _root(session: Session, blob: Blob) -> Blob:
    """The keyframe at the start of ``blob``'s chain of delta bases."""
    while blob.codec != "zstd" and blob.base_sha256:
        base = session.get(Blob, blob.base_sha256)
        if base is None:
            break
        blob = base
    return blob


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
    return zstandard.ZstdCompressor(level=LEVEL, dict_data=_raw_dict(base), write_checksum=False)
