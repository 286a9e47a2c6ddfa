"""Keep what apprise and its HTTP stack log during a delivery free of secrets.

Their debug and info lines print service URLs, request paths and payloads, and
apprise's own "privacy" masking still shows a password's first and last character.
While a delivery runs, a filter on those loggers drops everything below WARNING and
masks the rest (and records it, so a failure can say why) before any handler of
ours — or of the root logger — sees it.
"""

from __future__ import annotations

import logging
import threading
from contextlib import contextmanager
from typing import TYPE_CHECKING

from notify.redact import redact

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

logger = logging.getLogger(__name__)

LIBRARIES = ("apprise", "urllib3", "requests", "smtplib", "charset_normalizer")
MAX_DETAIL = 500


class _Scrubber(logging.Filter):
    def __init__(self) -> None:
        super().__init__()
        self.secrets: set[str] = set()
        self.messages: list[str] = []
        self.lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING:
            return False
        text = record.getMessage()
        if record.exc_info:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
        text = redact(text, self.secrets)
        record.msg, record.args = text, None
        record.exc_info = record.exc_text = record.stack_info = None
        with self.lock:
            self.messages.append(text)
        return True


class LibraryLog:
    """What the libraries logged (masked) during this guard: ``since(mark())``."""

    def __init__(self, scrubber: _Scrubber) -> None:
        self._scrubber = scrubber

    def mark(self) -> int:
        return len(self._scrubber.messages)

    def since(self, mark: int) -> str:
        return "; ".join(self._scrubber.messages[mark:])[-MAX_DETAIL:]


_scrubber = _Scrubber()
_depth = 0
_lock = threading.Lock()


def _library_loggers() -> list[logging.Logger]:
    names = set(LIBRARIES) | {
        name
        for name, obj in logging.root.manager.loggerDict.items()
        if isinstance(obj, logging.Logger) and name.split(".", 1)[0] in LIBRARIES
    }
    return [logging.getLogger(name) for name in sorted(names)]


@contextmanager
def guard_library_logs(secrets: Iterable[str]) -> Iterator[LibraryLog]:
    """Filter the libraries' loggers for the duration; nests and works across threads."""
    global _depth
    with _lock:
        _scrubber.secrets.update(secrets)
        if _depth == 0:
            for lib_logger in _library_loggers():
                lib_logger.addFilter(_scrubber)
        _depth += 1
    try:
        yield LibraryLog(_scrubber)
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                for lib_logger in _library_loggers():
                    lib_logger.removeFilter(_scrubber)
                _scrubber.secrets.clear()
                _scrubber.messages.clear()
