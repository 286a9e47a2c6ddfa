"""Hide the secrets of apprise URLs in any text before it is stored, logged or printed."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, unquote, urlsplit

if TYPE_CHECKING:
    from collections.abc import Iterable


MASK = "***"
# Shorter fragments ("a", "25") would mangle ordinary words and numbers; real tokens
# and passwords are longer than this.
MIN_SECRET = 3
# Any URL-looking run: apprise's own "privacy" form still shows the first and last
# character of a password (``s...w``), so every URL in library text is re-masked whole.
_URL = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]{1,20}://[^\s'\"<>]+")
_HOSTNAME = re.compile(r"^(localhost|[0-9.]+|\[[0-9a-fA-F:]+\]|[\w-]+(\.[\w-]+)+)$")


def secrets_of(url: str) -> set[str]:
    """The parts of an apprise URL that may be secret, raw and percent-decoded.

    User, password, path segments and query values. The host is kept when it looks
    like a server name (``smtp.example.org``, ``127.0.0.1``) and treated as a secret
    otherwise: several apprise schemes carry a token there (``slack://TokenA/…``).
    """
    parts = urlsplit(url)
    found = {url, unquote(url)}
    netloc = parts.netloc.rpartition("@")
    userinfo, host = netloc[0], netloc[2]
    user, _, password = userinfo.partition(":")
    found.update((user, password))
    hostname = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    if not _HOSTNAME.match(hostname):
        found.update((hostname, host))
    found.update(seg for seg in parts.path.split("/"))
    found.update(value for _, value in parse_qsl(parts.query, keep_blank_values=True))
    found.update(seg for seg in parts.fragment.split("/"))
    decoded = {unquote(s) for s in found}
    return {s for s in found | decoded if len(s) >= MIN_SECRET}


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with every known secret replaced by ``***`` and every URL masked."""
    # Longest first, so a URL is replaced whole before its parts are.
    for secret in sorted(set(secrets), key=len, reverse=True):
        if secret:
            text = text.replace(secret, MASK)
    return _URL.sub(lambda m: mask(m.group(0)), text)


def mask(url: str) -> str:
    """``scheme://host/***``: the host only when it looks like a server name, never raises."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        return f"{url.partition(':')[0]}://{MASK}"
    shown = host if _HOSTNAME.match(host) else MASK
    hidden = "@" in parts.netloc
    rest = f"/{MASK}" if parts.path.strip("/") or parts.query or parts.fragment else ""
    return f"{parts.scheme}://{MASK + '@' if hidden else ''}{shown}{rest}"
