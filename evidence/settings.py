"""Where the evidence log keeps what must live outside the store, and which TSAs it asks."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class LogSettings:
    key_path: Path = Path("palimpsest.key")
    """The installation's Ed25519 private key (PEM); ``.pub`` beside it."""
    heads_file: Path | None = Path("palimpsest-heads.jsonl")
    """Append-only JSON lines, one signed tree head each."""
    tsa_urls: tuple[str, ...] = ()
    tsa_certs: tuple[Path, ...] = ()
    """CA certificates (PEM) the TSAs' certificate chains must lead to."""
    tsa_timeout: float = 10.0
