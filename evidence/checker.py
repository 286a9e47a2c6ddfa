"""Standalone checker of a Palimpsest proof: ``python checker.py proof.json [--key FINGERPRINT]``.

This one file is all a third party needs besides Python and ``cryptography``: it reads
no store and imports nothing of Palimpsest (``palimpsest proof`` writes the JSON). It
checks, offline:

1. the capture's ``record`` hashes to ``record_hash`` (SHA-256 of its canonical JSON:
   sorted keys, no spaces, UTF-8);
2. the leaf ``SHA-256(0x00 || record_hash)`` is at ``leaf_index`` in the tree whose root the
   tree head names, by the inclusion path (RFC 9162, section 2.1.3.2);
3. the tree head is signed by the Ed25519 key it names, and that key has the fingerprint
   given with ``--key`` (got from the installation out of band, e.g. a printed report);
4. each RFC 3161 token is over SHA-256 of the signed tree head, when ``rfc3161-client``
   is installed (otherwise it prints the ``openssl ts -verify`` command that does it);
5. with ``--head FILE`` (a later head someone kept), the consistency proof
   (RFC 9162, section 2.1.4.2) shows the proof's tree is a prefix of that one.

Exit status 0 when every check passes, 1 otherwise; each line says what was checked.
The verification functions here are the project's only ones: ``palimpsest verify``
uses them too.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

HEAD_FORMAT = "palimpsest-tree-head/1"


class ProofError(Exception):
    """A check failed; the message names what."""


# -- RFC 9162 hashing and proof verification --------------------------------------------


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def root_from_inclusion(index: int, size: int, leaf: bytes, path: list[bytes]) -> bytes:
    """The root an inclusion path leads to (RFC 9162, 2.1.3.2); raises when it cannot fit."""
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is outside a tree of {size}")
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            raise ProofError("inclusion path is longer than the tree allows")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("inclusion path is shorter than the tree needs")
    return r


def verify_consistency(first: int, second: int, first_root: bytes, second_root: bytes, proof: list[bytes]) -> None:
    """Raise unless ``proof`` shows the tree of ``first`` leaves is a prefix of the one of
    ``second`` (RFC 9162, 2.1.4.2)."""
    if not 0 < first <= second:
        raise ProofError(f"no consistency between trees of {first} and {second} leaves")
    if first == second:
        if proof or first_root != second_root:
            raise ProofError("equal sizes need equal roots and an empty proof")
        return
    if not proof:
        raise ProofError("consistency proof is empty")
    path = list(proof)
    if first & (first - 1) == 0:  # a power of two: the old root is the first node
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("consistency proof is longer than the trees allow")
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("consistency proof is shorter than the trees need")
    if fr != first_root:
        raise ProofError("consistency proof does not lead to the older root")
    if sr != second_root:
        raise ProofError("consistency proof does not lead to the newer root")


# -- records and tree heads ---------------------------------------------------------------


def canonical(data: Any) -> bytes:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def head_message(head: dict[str, Any]) -> bytes:
    """The bytes a tree head's signature and its timestamps cover."""
    return (
        f"{HEAD_FORMAT}\n{head['origin']}\n{int(head['tree_size'])}\n{head['root_hash']}\n{head['timestamp']}\n"
    ).encode()


def key_fingerprint(public_key: bytes) -> str:
    """SHA-256 of the raw 32-byte Ed25519 public key, hex."""
    return hashlib.sha256(public_key).hexdigest()


def verify_head(head: dict[str, Any], fingerprint: str | None = None) -> None:
    """Raise unless the head's signature verifies with its key (of ``fingerprint``, if given)."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    if head.get("format") != HEAD_FORMAT:
        raise ProofError(f"not a tree head: format {head.get('format')!r}")
    raw = base64.b64decode(head["public_key"])
    found = key_fingerprint(raw)
    if found != head.get("key_fingerprint"):
        raise ProofError("the head's public key does not have the fingerprint it states")
    if fingerprint is not None and found != fingerprint.lower():
        raise ProofError(f"the head is signed by key {found}, not by {fingerprint}")
    try:
        Ed25519PublicKey.from_public_bytes(raw).verify(base64.b64decode(head["signature"]), head_message(head))
    except InvalidSignature:
        raise ProofError(f"tree head of size {head['tree_size']}: the signature does not verify") from None


def verify_token(token: bytes, message: bytes) -> str:
    """The time an RFC 3161 token attests for ``message``; raises when it is over other data.

    Only the imprint is checked here: the TSA's certificate chain needs its CA, which
    ``palimpsest verify`` has from the config (``evidence.tsa``); an outsider checks it
    with the openssl command ``check`` prints.
    """
    from rfc3161_client import decode_timestamp_response

    tst = decode_timestamp_response(token).tst_info
    if tst.message_imprint.message != hashlib.sha256(message).digest():
        raise ProofError("the timestamp's message imprint is not SHA-256 of the tree head")
    return tst.gen_time.isoformat()


# -- the whole proof ------------------------------------------------------------------------


def check(
    proof: dict[str, Any], *, fingerprint: str | None = None, later_head: dict[str, Any] | None = None, out: Any = print
) -> None:
    """Check a proof document; ``out`` gets one line per passed check."""
    record_hash = hashlib.sha256(canonical(proof["record"])).hexdigest()
    if record_hash != proof["record_hash"]:
        raise ProofError(f"the record hashes to {record_hash}, not to the record_hash {proof['record_hash']}")
    out(f"record: SHA-256 of the capture record is {record_hash}")
    head = proof["tree_head"]
    path = [bytes.fromhex(h) for h in proof["inclusion_path"]]
    root = root_from_inclusion(proof["leaf_index"], head["tree_size"], leaf_hash(bytes.fromhex(record_hash)), path)
    if root.hex() != head["root_hash"]:
        raise ProofError("the inclusion path does not lead to the tree head's root")
    out(f"inclusion: leaf {proof['leaf_index']} of {head['tree_size']} under root {head['root_hash']}")
    verify_head(head, fingerprint)
    out(
        f"tree head: signed {head['timestamp']} by Ed25519 key {head['key_fingerprint']}"
        + ("" if fingerprint else " (give --key FINGERPRINT to pin it)")
    )
    for stamp in proof.get("timestamps", []):
        token = base64.b64decode(stamp["token"])
        try:
            when = verify_token(token, head_message(head))
        except ImportError:
            out(
                f"timestamp {stamp['tsa']}: not checked here (pip install rfc3161-client); or: "
                f"openssl ts -verify -digest {hashlib.sha256(head_message(head)).hexdigest()} "
                "-in token.tsr -CAfile TSA-CA.pem"
            )
            continue
        out(f"timestamp: {stamp['tsa']} attests the tree head existed at {when}")
    if later_head is not None:
        verify_head(later_head, fingerprint or head["key_fingerprint"])
        consistency = proof.get("consistency", {}).get(str(later_head["tree_size"]))
        if consistency is None and later_head["tree_size"] != head["tree_size"]:
            raise ProofError(f"the proof has no consistency proof to a tree of {later_head['tree_size']}")
        verify_consistency(
            head["tree_size"],
            later_head["tree_size"],
            bytes.fromhex(head["root_hash"]),
            bytes.fromhex(later_head["root_hash"]),
            [bytes.fromhex(h) for h in consistency or []],
        )
        out(f"consistency: the tree of {head['tree_size']} is a prefix of the kept head of {later_head['tree_size']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Check a Palimpsest proof offline, without the store.")
    parser.add_argument("proof", type=Path, help="the JSON that `palimpsest proof` printed")
    parser.add_argument("--key", metavar="FINGERPRINT", help="the installation key's SHA-256 fingerprint")
    parser.add_argument("--head", type=Path, metavar="FILE", help="a later tree head (JSON) kept by someone else")
    args = parser.parse_args(argv)
    try:
        proof = json.loads(args.proof.read_text(encoding="utf-8"))
        later = json.loads(args.head.read_text(encoding="utf-8")) if args.head else None
        check(proof, fingerprint=args.key, later_head=later)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        print(f"FAIL: unreadable proof or head: {type(exc).__name__}: {exc}")
        return 1
    except ProofError as exc:
        print(f"FAIL: {exc}")
        return 1
    print("proof verifies")
    return 0


if __name__ == "__main__":
    sys.exit(main())
