"""Evidence: WARC export, bundles, the signed Merkle log, timestamps, verification, re-parsing.

Names load on first use (PEP 562): the config imports ``evidence.settings`` and the
standalone checker runs as ``python -m evidence.checker``, and neither should pay for
Scrapy, SQLAlchemy and warcio.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "Bundle": "bundle",
    "export_bundle": "bundle",
    "ReparseReport": "reparse",
    "VersionCheck": "reparse",
    "reparse": "reparse",
    "Failure": "verify",
    "Report": "verify",
    "verify": "verify",
    "EvidenceError": "warc",
    "ExportSummary": "warc",
    "export_warc": "warc",
    "LogSettings": "settings",
    "publish_head": "log",
    "latest_head_text": "log",
    "prove": "log",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'evidence' has no attribute {name!r}")
    return getattr(importlib.import_module(f"evidence.{_EXPORTS[name]}"), name)
