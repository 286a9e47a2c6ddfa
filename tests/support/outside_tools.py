"""The web-archive tools outsiders use on our exports (pywb, wacz), from their own venv.

pywb pins old packages (brotlipy shadows the ``brotli`` module Scrapy needs, pyOpenSSL
caps cryptography), so they live in ``.venv-tools`` (``.ci/run`` builds it), like a
user's ``pipx install pywb``; ``PALIMPSEST_TOOLS`` names another bin folder.
"""

from __future__ import annotations

import os
import subprocess
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from localsite import free_port

if TYPE_CHECKING:
    from collections.abc import Iterator

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(os.environ.get("PALIMPSEST_TOOLS") or ROOT / ".venv-tools" / "bin")


def tool(name: str) -> str:
    path = BIN / name
    if not path.exists():
        pytest.fail(
            f"{path} is missing: python3 -m venv .venv-tools && .venv-tools/bin/pip install pywb wacz "
            "(as .ci/run does), or set PALIMPSEST_TOOLS to the folder holding {name}"
        )
    return str(path)


@contextmanager
def wayback(warcs: list[Path], root: Path) -> Iterator[str]:
    """pywb's wayback on 127.0.0.1 serving ``warcs`` as collection ``c``; yields its base URL."""
    run = {"cwd": root, "check": True, "capture_output": True}
    subprocess.run([tool("wb-manager"), "init", "c"], **run)
    unpack = ["--unpack-wacz"] if any(w.suffix == ".wacz" for w in warcs) else []  # pywb re-indexes them
    subprocess.run([tool("wb-manager"), "add", *unpack, "c", *map(str, warcs)], **run)
    port = free_port()
    log = root / "wayback.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [tool("wayback"), "-b", "127.0.0.1", "-p", str(port)], cwd=root, stdout=out, stderr=subprocess.STDOUT
        )
    base = f"http://127.0.0.1:{port}/c/"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).close()
                break
            except (urllib.error.URLError, ConnectionError):
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"wayback did not start: {log.read_text()[-2000:]}") from None
                time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return answer.status, answer.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")
