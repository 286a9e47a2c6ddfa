"""RFC 9162 Merkle trees: roots, inclusion paths and consistency proofs over leaf hashes.

Building only; verifying is in ``evidence.checker`` (one implementation, the one an
outsider runs). Proofs follow the RFC's recursive definitions (MTH, PATH, PROOF), which
take one pass over the leaves; ``Frontier`` keeps the roots of the perfect subtrees
(log2 n hashes) so a new tree head costs only the leaves added since the last one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from evidence.checker import leaf_hash, node_hash

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

EMPTY_ROOT = bytes.fromhex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
"""MTH({}) = SHA-256 of the empty string."""

__all__ = ["EMPTY_ROOT", "Frontier", "consistency_proof", "inclusion_path", "leaf_hash", "node_hash", "root"]


def _split(n: int) -> int:
    """The largest power of two smaller than ``n`` (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def root(leaves: Sequence[bytes]) -> bytes:
    """MTH of the leaf hashes."""
    if not leaves:
        return EMPTY_ROOT
    frontier = Frontier()
    frontier.extend(leaves)
    return frontier.root()


def inclusion_path(index: int, leaves: Sequence[bytes]) -> list[bytes]:
    """PATH(index, leaves): the audit path of leaf ``index``."""
    if not 0 <= index < len(leaves):
        raise IndexError(f"leaf {index} is not in a tree of {len(leaves)}")
    path: list[bytes] = []
    lo, hi = 0, len(leaves)
    while hi - lo > 1:  # walk down from the root; the siblings are collected top-down
        k = _split(hi - lo)
        if index < lo + k:
            path.append(root(leaves[lo + k : hi]))
            hi = lo + k
        else:
            path.append(root(leaves[lo : lo + k]))
            lo += k
    return path[::-1]


def consistency_proof(first: int, leaves: Sequence[bytes]) -> list[bytes]:
    """PROOF(first, leaves): shows the tree of the first ``first`` leaves is a prefix."""
    if not 0 < first <= len(leaves):
        raise ValueError(f"no consistency proof from {first} to {len(leaves)} leaves")
    return _subproof(first, leaves, True)


def _subproof(m: int, leaves: Sequence[bytes], whole: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if whole else [root(leaves)]
    k = _split(n)
    if m <= k:
        return _subproof(m, leaves[:k], whole) + [root(leaves[k:])]
    return _subproof(m - k, leaves[k:], False) + [root(leaves[:k])]


class Frontier:
    """The roots of the perfect subtrees of a tree, largest first: an appendable tree."""

    def __init__(self, size: int = 0, hashes: Iterable[bytes] = ()) -> None:
        self.size = size
        self.hashes = list(hashes)
        if len(self.hashes) != bin(size).count("1"):
            raise ValueError(f"a frontier of {size} leaves has {bin(size).count('1')} hashes")

    def append(self, leaf: bytes) -> None:
        node, size = leaf, self.size
        while size & 1:  # like a binary counter: equal perfect subtrees merge
            node = node_hash(self.hashes.pop(), node)
            size >>= 1
        self.hashes.append(node)
        self.size += 1

    def extend(self, leaves: Iterable[bytes]) -> None:
        for leaf in leaves:
            self.append(leaf)

    def root(self) -> bytes:
        if not self.hashes:
            return EMPTY_ROOT
        node = self.hashes[-1]
        for left in reversed(self.hashes[:-1]):
            node = node_hash(left, node)
        return node
