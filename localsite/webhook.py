"""A JSON webhook on 127.0.0.1 that keeps every POST: where the demo and the tests send alerts."""

from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

KEY_HEADER = "X-Palimpsest-Key"
"""The header the notifier names each delivery in (``notify.deliver.KEY_HEADER``; a test keeps
the two equal, since this package imports nothing of the project)."""


def free_port() -> int:
    """A port nothing listens on now, so a receiver can be addressed before it starts."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Post:
    """One request the receiver got; ``payload`` is the JSON body, or ``{"raw": text}``."""

    path: str
    headers: dict[str, str]
    payload: dict[str, Any]

    @property
    def key(self) -> str | None:
        return self.headers.get(KEY_HEADER)


@dataclass
class WebhookReceiver:
    """Records every POST; ``on_post`` runs before it answers, ``delay`` s later it answers 200.

    The port is chosen up front, so a receiver can be configured while it is down, then
    started, stopped and started again on the same address. ``user``/``password`` go in
    the URL apprise posts to (the receiver does not check them).
    """

    path: str = "/alerts"
    user: str | None = None
    password: str | None = None
    port: int = field(default_factory=free_port)
    posts: list[Post] = field(default_factory=list)
    delay: float = 0.0
    on_post: Callable[[Post], None] | None = None
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The apprise ``json://`` URL of this receiver."""
        auth = f"{self.user}:{self.password}@" if self.user else ""
        return f"json://{auth}127.0.0.1:{self.port}{self.path}"

    def start(self) -> WebhookReceiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                try:
                    payload = json.loads(body)
                except ValueError:
                    payload = {"raw": body.decode("utf-8", "replace")}
                post = Post(self.path, dict(self.headers.items()), payload)
                receiver.posts.append(post)
                if receiver.on_post:
                    receiver.on_post(post)
                time.sleep(receiver.delay)
                self.send_response(200)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="webhook", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(5)
            self._server = self._thread = None

    def __enter__(self) -> WebhookReceiver:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def keys(self) -> list[str | None]:
        """The delivery key of every post, in order of arrival."""
        return [p.key for p in self.posts]
