"""RFC 9162 trees: roots match the RFC's recursive MTH; every proof verifies, and breaks when altered."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evidence.checker import ProofError, leaf_hash, node_hash, root_from_inclusion, verify_consistency
from evidence.merkle import EMPTY_ROOT, Frontier, consistency_proof, inclusion_path, root


def mth(leaves: list[bytes]) -> bytes:
    """RFC 9162 2.1.1, written as the RFC defines it."""
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return leaves[0]
    k = 1
    while k * 2 < n:
        k *= 2
    return node_hash(mth(leaves[:k]), mth(leaves[k:]))


def leaves(n: int) -> list[bytes]:
    return [leaf_hash(i.to_bytes(4, "big")) for i in range(n)]


def test_known_values() -> None:
    assert root([]) == EMPTY_ROOT == hashlib.sha256(b"").digest()
    one = leaf_hash(b"")
    assert one.hex() == "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
    assert root([one]) == one
    assert root([one, one]) == hashlib.sha256(b"\x01" + one + one).digest()


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 70), st.data())
def test_roots_and_proofs(n: int, data: st.DataObject) -> None:
    tree = leaves(n)
    assert root(tree) == mth(tree)
    frontier = Frontier()
    for i, leaf in enumerate(tree):
        frontier.append(leaf)
        assert frontier.root() == mth(tree[: i + 1])
    index = data.draw(st.integers(0, n - 1))
    path = inclusion_path(index, tree)
    assert root_from_inclusion(index, n, tree[index], path) == mth(tree)
    first = data.draw(st.integers(1, n))
    proof = consistency_proof(first, tree)
    verify_consistency(first, n, mth(tree[:first]), mth(tree), proof)


def test_frontier_resumes_from_its_hashes() -> None:
    tree = leaves(13)
    start = Frontier()
    start.extend(tree[:6])
    resumed = Frontier(start.size, start.hashes)
    resumed.extend(tree[6:])
    assert resumed.root() == mth(tree)
    with pytest.raises(ValueError):
        Frontier(6, start.hashes[:1])


def test_altered_inclusion_proofs_fail() -> None:
    tree = leaves(11)
    path = inclusion_path(5, tree)
    assert root_from_inclusion(5, 11, tree[5], path) == mth(tree)
    assert root_from_inclusion(5, 11, tree[6], path) != mth(tree)  # another leaf
    assert root_from_inclusion(4, 11, tree[5], path) != mth(tree)  # another place
    flipped = [bytes([path[0][0] ^ 1]) + path[0][1:], *path[1:]]
    assert root_from_inclusion(5, 11, tree[5], flipped) != mth(tree)
    with pytest.raises(ProofError):
        root_from_inclusion(5, 11, tree[5], path[:-1])
    with pytest.raises(ProofError):
        root_from_inclusion(11, 11, tree[5], path)


def test_consistency_fails_for_a_rewritten_prefix() -> None:
    tree = leaves(12)
    proof = consistency_proof(7, tree)
    verify_consistency(7, 12, mth(tree[:7]), mth(tree), proof)
    rewritten = tree[:3] + [leaf_hash(b"other")] + tree[4:]
    with pytest.raises(ProofError, match="newer root"):
        verify_consistency(7, 12, mth(tree[:7]), mth(rewritten), proof)
    with pytest.raises(ProofError):
        verify_consistency(7, 12, mth(tree[:7]), mth(rewritten), consistency_proof(7, rewritten))
    with pytest.raises(ProofError, match="empty"):
        verify_consistency(4, 12, mth(tree[:4]), mth(tree), [])
    verify_consistency(12, 12, mth(tree), mth(tree), [])
