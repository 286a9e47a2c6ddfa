"""The local site's HTTP server: one thread per request, and the faults it injects on the wire."""

from __future__ import annotations

import functools
import gzip
import logging
import random
import socket
import struct
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, NamedTuple
from urllib.parse import urlsplit

from localsite import pages

if TYPE_CHECKING:
    from localsite.site import LocalSite

logger = logging.getLogger(__name__)

RETRY_AFTER = 1
"""Retry-After (seconds) sent with a "429" or "503" fault."""
BOMB_SIZE = 64 * 1024 * 1024
"""Bytes a "gzipbomb" fault's body inflates to (it travels as about 64 KB of gzip)."""
HTML = "text/html; charset=utf-8"
CAPTCHA_PATH = "/captcha/"
"""Where a "captcha_redirect" fault sends the visitor: a plain captcha form, no CDN marker."""


class Access(NamedTuple):
    """One request as the site's access log keeps it."""

    at: float
    """time.time() when the request arrived."""
    path: str
    user_agent: str


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str = HTML
    headers: dict[str, str] = field(default_factory=dict)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, site: LocalSite) -> None:
        self.site = site
        super().__init__(("127.0.0.1", 0), Handler)

    def process_request_thread(self, request, client_address) -> None:
        self.site._enter()
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.site._leave()

    def handle_error(self, request, client_address) -> None:
        logger.debug("Local site: error while serving %s", client_address, exc_info=True)


class Handler(BaseHTTPRequestHandler):
    server: Server
    server_version = "palimpsest-localsite/1"
    sys_version = ""
    timeout = 30

    def log_message(self, format: str, *args: object) -> None:
        logger.debug("Local site: " + format, *args)

    def do_GET(self) -> None:
        site = self.server.site
        path = urlsplit(self.path).path or "/"
        with site._lock:
            site.access_log.append(Access(time.time(), path, self.headers.get("User-Agent", "")))
        if site.latency and site._stopping.wait(site.latency):
            return self._reset()
        if path == "/robots.txt" and site.robots_txt is not None:
            return self._send(Response(200, site.robots_txt.encode(), "text/plain; charset=utf-8"))
        kind = site._take_fault(path)
        if kind == "gzipbomb":
            return self._send(Response(200, bomb(), headers={"Content-Encoding": "gzip"}))
        if kind is None or kind == "slow":
            if kind and site._stopping.wait(site.slow_delay):
                return self._reset()
            return self._send(site.respond(path))
        if kind == "timeout":
            if site._stopping.wait(site.timeout_delay):
                return self._reset()
            return self._send(site.respond(path))
        if kind == "reset":
            return self._reset()
        if kind in ("500", "502", "503", "408", "429"):
            response = site.message_page(path, "empty", int(kind))
            if kind in ("429", "503"):
                response.headers["Retry-After"] = str(RETRY_AFTER)
            return self._send(response)
        if kind == "challenge":
            return self._send(
                Response(
                    403,
                    pages.CHALLENGE_HTML.encode(),
                    "text/html; charset=UTF-8",
                    {
                        "cf-mitigated": "challenge",
                        "Server": "cloudflare",
                        "cf-ray": f"{time.time_ns() & 0xFFFFFFFFFFFF:x}-WAW",
                    },
                )
            )
        if kind == "captcha_redirect":
            return self._send(site._redirect(f"{CAPTCHA_PATH}?back={path}", 302))
        if kind in ("captcha", "noparse"):
            return self._send(site.message_page(path, "captcha" if kind == "captcha" else "empty", 200))
        if kind == "empty":
            return self._send(Response(200, b""))
        if kind == "garbage":
            return self._send(Response(200, random.Random(path).randbytes(4096)))
        response = site.respond(path)
        if kind == "cp1251":
            response.body = pages.to_cp1251(response.body)
            response.content_type = response.content_type.split(";")[0] + "; charset=windows-1251"
            return self._send(response)
        if kind == "straybyte":  # one Latin-1 byte (a pasted "café") in a UTF-8 page
            response.body = response.body.replace(b"</footer>", b"<p>caf\xe9</p></footer>", 1)
            return self._send(response)
        if kind == "cutchar":  # the body ends inside its last multi-byte character
            lead = max(response.body.rfind(bytes([b])) for b in range(0xC2, 0xF5))
            response.body = response.body[: lead + 1]
            return self._send(response)
        # "truncated": announce the whole body, send half of it, then close.
        return self._send(response, len(response.body) // 2)

    def _send(self, response: Response, limit: int | None = None) -> None:
        self.send_response_only(response.status)
        headers = {
            "Server": self.version_string(),
            "Date": self.date_time_string(),
            "Content-Type": response.content_type,
            "Content-Length": str(len(response.body)),
            "Cache-Control": "no-cache",
            **response.headers,
        }
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(response.body if limit is None else response.body[:limit])
        self.close_connection = True

    def _reset(self) -> None:
        """Drop the connection without an answer (RST, not FIN)."""
        self.close_connection = True
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()


@functools.cache
def bomb() -> bytes:
    """A small gzip body that inflates to BOMB_SIZE bytes of HTML-ish filler."""
    return gzip.compress(b"<p>" + b"0" * (BOMB_SIZE - 3), compresslevel=9)
