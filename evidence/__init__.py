"""Evidence: WARC export, per-article bundles, store verification and re-parsing."""

from __future__ import annotations

from evidence.bundle import Bundle, export_bundle
from evidence.reparse import ReparseReport, VersionCheck, reparse
from evidence.verify import Failure, Report, verify
from evidence.warc import EvidenceError, ExportSummary, export_warc

__all__ = [
    "Bundle", "EvidenceError", "ExportSummary", "Failure", "ReparseReport", "Report", "VersionCheck",
    "export_bundle", "export_warc", "reparse", "verify",
]
