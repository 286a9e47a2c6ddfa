"""The page reader: a process of its own that reads and judges article pages for a crawl.

Parsing a page costs about as much CPU as fetching it, and in the crawl's process it
holds the same interpreter lock as Scrapy's reactor. A second interpreter lets both
cores work. It is built so that it can neither outlive its crawl nor hang it:

- It is a plain child (``python -m crawler.reader``) that talks only over its own stdin
  and stdout, which no other process holds. When the crawl ends, however it ends (a
  SIGKILL included), the reader reads end-of-file or gets a broken pipe and exits.
- Every wait on it is bounded: an answer that takes longer than ``ANSWER_TIMEOUT`` gets the
  reader killed, and ``close`` kills it if it has not exited within its timeout.
- Whatever it cannot answer (it is not up yet, it died, it failed on one page) the
  caller reads itself, with the same functions (``crawler.reading``), so a page is judged
  the same either way and nothing is lost.

Messages are pickles, each after an 8-byte length: the crawl sends the site entry, then
``(key, CaptureItem)`` pairs; the reader answers ``READY``, then ``(key, Judgement)`` pairs.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import pickle
import queue
import signal
import struct
import subprocess
import sys
import threading
from concurrent.futures import Future
from concurrent.futures import TimeoutError as AnswerTimeout
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crawler.items import CaptureItem
    from crawler.reading import Judgement
    from palimpsest.config import SiteConfig

logger = logging.getLogger(__name__)

ANSWER_TIMEOUT = 60.0
"""Seconds the writer waits for one page's judgement before it stops the reader and reads
the page itself: far beyond any page's parse (milliseconds), short of a hung cron job."""
CLOSE_TIMEOUT = 5.0
"""Seconds a closing reader gets to exit before it is killed."""
READY = "ready"
_HEADER = struct.Struct("!Q")
_STOP = object()


class ReaderGone(Exception):
    """The reader stopped (or was stopped) before it answered."""


class PageFailed(Exception):
    """Judging one page raised in the reader (sent back in place of its judgement)."""


class Reader:
    """One reader process for a crawl's site. All methods may be called from any thread."""

    def __init__(self, site: SiteConfig, *, answer_timeout: float = ANSWER_TIMEOUT) -> None:
        self.answer_timeout = answer_timeout
        self._process = subprocess.Popen(
            [sys.executable, "-m", "crawler.reader"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=_child_env(),
        )
        self._outbox: queue.SimpleQueue = queue.SimpleQueue()
        self._pending: dict[int, Future] = {}
        self._keys = itertools.count()
        self._lock = threading.Lock()
        self._up = threading.Event()
        self._gone = False
        self._closing = False
        self._outbox.put(site)
        self._sender = threading.Thread(target=self._send, name="palimpsest-reader-send", daemon=True)
        self._receiver = threading.Thread(target=self._receive, name="palimpsest-reader-receive", daemon=True)
        self._sender.start()
        self._receiver.start()

    @property
    def pid(self) -> int:
        return self._process.pid

    def ready(self, timeout: float | None = None) -> bool:
        """Wait until the reader is up (tests, benches); False if it is not, or is gone."""
        return self._up.wait(timeout) and not self._gone

    def submit(self, item: CaptureItem) -> Future[Judgement] | None:
        """Send a page to be read; None while the reader is starting, or once it is gone."""
        if not self._up.is_set():
            return None
        future: Future[Judgement] = Future()
        with self._lock:
            if self._gone:
                return None
            key = next(self._keys)
            self._pending[key] = future
        self._outbox.put((key, item))
        return future

    def result(self, future: Future[Judgement]) -> Judgement | None:
        """The reader's judgement of a submitted page; None if the caller must read it itself."""
        try:
            return future.result(self.answer_timeout)
        except AnswerTimeout:
            logger.warning("the page reader gave no answer in %.0f s; stopping it", self.answer_timeout)
            self._kill()
        except ReaderGone:
            pass
        except Exception as exc:  # it failed on this page: read here, where a failure is logged whole
            logger.warning("the page reader failed on a page (%s); reading it in the crawl's process", exc)
        return None

    def close(self, timeout: float = CLOSE_TIMEOUT) -> None:
        """Stop the reader: it exits at the end of its input, or is killed after ``timeout``."""
        self._closing = True
        self._outbox.put(_STOP)
        try:
            self._process.wait(timeout)
        except subprocess.TimeoutExpired:
            logger.warning("the page reader did not exit in %.0f s; killing it", timeout)
            self._kill()
            self._process.wait()
        self._receiver.join(timeout)
        self._fail()

    # -- the two threads that talk to the process ---------------------------------

    def _send(self) -> None:
        stream = self._process.stdin
        try:
            while (message := self._outbox.get()) is not _STOP:
                try:
                    data = _pack(message)
                except Exception as exc:  # one unpicklable page: that page is read by the caller
                    self._answer(message[0], exc)
                    continue
                _write(stream, data)
        except (OSError, ValueError):  # the reader is gone; the receiver fails what is pending
            pass
        finally:
            _close(stream)

    def _receive(self) -> None:
        stream = self._process.stdout
        try:
            if _read(stream) != READY:
                return
            self._up.set()
            while (message := _read(stream)) is not None:
                self._answer(*message)
        except Exception as exc:  # a torn message: the reader died while writing it
            logger.debug("page reader stream ended: %s", exc)
        finally:
            if not self._closing:
                logger.warning("the page reader stopped; pages are read in the crawl's process")
            self._up.set()  # nobody waits for a reader that is gone
            self._fail()
            _close(stream)

    def _answer(self, key: int, value: object) -> None:
        with self._lock:
            future = self._pending.pop(key, None)
        if future is None:
            return
        if isinstance(value, BaseException):
            future.set_exception(value)
        else:
            future.set_result(value)

    def _fail(self) -> None:
        with self._lock:
            self._gone = True
            pending, self._pending = self._pending, {}
        for future in pending.values():
            future.set_exception(ReaderGone())

    def _kill(self) -> None:
        with contextlib.suppress(OSError):  # already reaped
            self._process.kill()


def _child_env() -> dict[str, str]:
    """The crawl's environment, with the directory this package came from first on the path."""
    env = dict(os.environ)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    return env


def _read(stream: IO[bytes]) -> Any:
    """The next message; None at a clean end of the stream."""
    header = stream.read(_HEADER.size)
    if not header:
        return None
    if len(header) < _HEADER.size:
        raise EOFError("torn header")
    (size,) = _HEADER.unpack(header)
    data = stream.read(size)
    if len(data) < size:
        raise EOFError("torn message")
    return pickle.loads(data)


def _pack(message: object) -> bytes:
    return pickle.dumps(message, pickle.HIGHEST_PROTOCOL)


def _write(stream: IO[bytes], data: bytes) -> None:
    stream.write(_HEADER.pack(len(data)))
    stream.write(data)
    stream.flush()


def _close(stream: IO[bytes] | None) -> None:
    with contextlib.suppress(OSError):
        if stream is not None:
            stream.close()


def main() -> int:
    """The reader process: read the site entry, build its parser, then judge pages until EOF."""
    from crawler.reading import judged

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the crawl's to handle; it closes us
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # a stray print must not tear a message
    logging.basicConfig(level=logging.WARNING, format="palimpsest page reader: %(levelname)s: %(message)s")
    pages = sys.stdin.buffer
    try:
        site = _read(pages)
        if site is None:
            return 0
        parser = site.build_parser()
        _write(answers, _pack(READY))
        while (message := _read(pages)) is not None:
            key, item = message
            try:
                value: object = judged(item, parser)
            except Exception as exc:  # the crawl judges the page again and logs what it raises
                value = PageFailed(f"{type(exc).__name__}: {exc}"[:1000])
            _write(answers, _pack((key, value)))
    except (BrokenPipeError, EOFError):  # the crawl is gone
        return 0
    return 0


if __name__ == "__main__":  # run as crawler.reader, not __main__: what it pickles names that module
    from crawler.reader import main as reader_main

    sys.exit(reader_main())
