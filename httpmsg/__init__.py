"""The HTTP-message format of the archive: how an exchange is written as bytes, and read back.

Written: :func:`request_bytes` and :func:`response_bytes` (what ``changes.records.Fetched``
hands the store). A response blob holds the status line, header lines, an empty line,
then the body as the crawler received it. Read: :func:`split_message`,
:func:`header_lines`, :func:`headers_dict` and :func:`replayable_head`, the exact
inverse. One module below the crawler, the store and the evidence tools, so the writer
and every reader agree on the bytes.

Scrapy decompresses bodies and joins chunks before the archive sees them, so the head
may still say ``Content-Encoding: gzip`` or ``Transfer-Encoding: chunked`` over an
identity body. :func:`replayable_head` rewrites only those lines, the way web archives
do (``X-Archive-Orig-…``), so that a WARC reader or a replay tool decodes the body as
what it is. The body is never touched.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from urllib.parse import urlsplit

CRLF = b"\r\n"
END_OF_HEAD = b"\r\n\r\n"
ORIG_PREFIX = b"X-Archive-Orig-"
_MAGIC = {b"gzip": b"\x1f\x8b", b"x-gzip": b"\x1f\x8b", b"zstd": b"\x28\xb5\x2f\xfd"}


def request_bytes(method: str, url: str, headers: Iterable[tuple[str, str]]) -> bytes:
    """The request as an HTTP/1.1 message head (what a WARC request record holds)."""
    parts = urlsplit(url)
    headers = list(headers)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    lines = [f"{method} {target} HTTP/1.1"]
    if "host" not in {k.lower() for k, _ in headers}:
        lines.append(f"Host: {parts.netloc}")
    lines += [f"{k}: {v}" for k, v in headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8", "surrogateescape")


def response_bytes(
    http_version: str, status: int, reason_phrase: str, headers: Iterable[tuple[str, str]], body: bytes
) -> bytes:
    """The response as an HTTP message: status line, headers, an empty line, the body."""
    head = [f"{http_version} {status} {reason_phrase}".rstrip()]
    head += [f"{k}: {v}" for k, v in headers]
    return ("\r\n".join(head) + "\r\n\r\n").encode("utf-8", "surrogateescape") + body


def split_message(raw: bytes) -> tuple[bytes, bytes]:
    """(head including its closing empty line, body) of a stored HTTP message."""
    end = raw.find(END_OF_HEAD)
    if end < 0:  # a request blob is a head alone; a malformed one has no end either
        return raw, b""
    return raw[: end + len(END_OF_HEAD)], raw[end + len(END_OF_HEAD) :]


def header_lines(head: bytes) -> list[tuple[str, str]]:
    """Header (name, value) pairs in order, decoded as the writer encoded them."""
    pairs = []
    for line in head.split(CRLF)[1:]:
        name, sep, value = line.partition(b":")
        if sep:
            pairs.append((_decode(name).strip(), _decode(value).strip()))
    return pairs


def headers_dict(head: bytes) -> dict[str, str]:
    """Headers with lower-cased names, the last one winning (as ``Fetched.headers``)."""
    return {name.lower(): value for name, value in header_lines(head)}


def replayable_head(head: bytes, body: bytes) -> tuple[bytes, list[str]]:
    """``head`` with the lines that misdescribe ``body`` renamed; and what was changed.

    - ``Content-Encoding`` naming a coding the body is not in → ``X-Archive-Orig-…``
    - ``Transfer-Encoding`` (the stored body is always de-chunked) → ``X-Archive-Orig-…``
    - ``Content-Length`` differing from the body → ``X-Archive-Orig-…`` plus a true one
    Every other byte of the head is kept as stored.
    """
    lines = head[: -len(END_OF_HEAD)].split(CRLF) if head.endswith(END_OF_HEAD) else head.split(CRLF)
    out, rewrites = [lines[0]], []
    length_seen = renamed = False
    for line in lines[1:]:
        name = line.partition(b":")[0].strip().lower()
        value = line.partition(b":")[2].strip()
        rename = (
            (name == b"content-encoding" and not _is_encoded(body, value))
            or name == b"transfer-encoding"
            or (name == b"content-length" and value != str(len(body)).encode())
        )
        length_seen |= name == b"content-length"
        if rename:
            out.append(ORIG_PREFIX + line)
            rewrites.append(f"{_decode(line.partition(b':')[0])} -> {ORIG_PREFIX.decode()}*")
            renamed = True
        else:
            out.append(line)
    if renamed and not any(line.partition(b":")[0].strip().lower() == b"content-length" for line in out[1:]):
        # The original length (if any) was renamed or the message had none while its
        # framing headers were rewritten: state the true length so a reader can frame it.
        out.append(b"Content-Length: " + str(len(body)).encode())
        rewrites.append("Content-Length added" if not length_seen else "Content-Length set to body size")
    return CRLF.join(out) + END_OF_HEAD, rewrites


def _is_encoded(body: bytes, coding: bytes) -> bool:
    """Whether ``body`` really is in ``coding`` (so the header may stay as it is)."""
    codings = [c.strip().lower() for c in coding.split(b",") if c.strip()]
    if not body or codings in ([], [b"identity"]):
        return True  # nothing to decode: the header misleads no reader
    outer = codings[-1]  # the last coding applied is the first to undo
    if outer in _MAGIC:
        return body.startswith(_MAGIC[outer])
    if outer == b"deflate":
        for wbits in (zlib.MAX_WBITS, -zlib.MAX_WBITS):
            try:
                zlib.decompressobj(wbits).decompress(body[:1024])
                return True
            except zlib.error:
                continue
        return False
    if outer == b"br":
        return _is_brotli(body)
    return True  # an unknown coding: leave the header alone rather than guess


def _is_brotli(body: bytes) -> bool:
    try:
        import brotli  # type: ignore[import-not-found]
    except ImportError:
        # Brotli has no magic number: an HTML or text body is clearly not compressed.
        return body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] not in (b"<", b"{", b"[")
    try:
        brotli.Decompressor().process(body[:1024])
    except brotli.error:
        return False
    return True


def _decode(raw: bytes) -> str:
    # The writer encodes heads as UTF-8 with surrogateescape: this is its exact inverse.
    return raw.decode("utf-8", "surrogateescape")
