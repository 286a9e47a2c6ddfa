"""RFC 3161 trusted timestamps on tree heads: request, check and store tokens (rfc3161-client).

Each configured TSA timestamps SHA-256 of a head's signed message. A TSA that does not
answer (down, offline, slow past ``tsa_timeout``) is skipped until the next run, which
asks again for every head it has not stamped yet: a crawl is never held up by one. A
token is checked before it is stored (status, nonce, imprint; and the certificate chain
when ``tsa_certs`` names the CAs) and again by ``palimpsest verify``.
"""

from __future__ import annotations

import logging
import urllib.error
import urllib.request
from datetime import UTC
from typing import TYPE_CHECKING

from cryptography import x509
from rfc3161_client import (
    HashAlgorithm,
    TimestampRequestBuilder,
    VerificationError,
    VerifierBuilder,
    decode_timestamp_response,
)
from sqlalchemy import select

from evidence.checker import ProofError, head_message, verify_token
from evidence.log import head_json
from store.models import HeadTimestamp, TreeHead

if TYPE_CHECKING:
    from datetime import datetime
    from pathlib import Path

    from evidence.settings import LogSettings
    from store.db import Store

logger = logging.getLogger(__name__)

BACKLOG = 10
"""Heads per TSA per run that still lack its token: newest first, so one long outage
does not turn into a burst of requests."""


class TimestampError(Exception):
    """A TSA refused, or sent something that is not a valid token for the request."""


def request_token(url: str, message: bytes, *, timeout: float, roots: list[x509.Certificate]) -> bytes:
    """A checked TimeStampResp (DER) from the TSA at ``url`` over SHA-256 of ``message``."""
    request = (
        TimestampRequestBuilder()
        .data(message)
        .hash_algorithm(HashAlgorithm.SHA256)
        .nonce(nonce=True)
        .cert_request(cert_request=True)
        .build()
    )
    http = urllib.request.Request(
        url, data=request.as_bytes(), method="POST", headers={"Content-Type": "application/timestamp-query"}
    )
    with urllib.request.urlopen(http, timeout=timeout) as answer:  # an http(s) URL from the config
        token = answer.read()
    try:
        response = decode_timestamp_response(token)
        if roots:
            builder = VerifierBuilder.from_request(request)
            for root in roots:
                builder = builder.add_root_certificate(root)
            builder.build().verify_message(response, message)
        else:
            verify_token(token, message)
            if response.tst_info.nonce != request.nonce:
                raise TimestampError("the token's nonce is not the request's")
    except (ValueError, VerificationError, ProofError) as exc:
        raise TimestampError(str(exc)) from exc
    return token


def check_token(token: bytes, message: bytes, roots: list[x509.Certificate]) -> datetime:
    """The time a stored token attests; raises ``TimestampError`` when it is not over
    ``message`` or (with ``roots``) its chain does not lead to one of them."""
    try:
        response = decode_timestamp_response(token)
        verify_token(token, message)
        if roots:
            builder = VerifierBuilder()
            for root in roots:
                builder = builder.add_root_certificate(root)
            builder.build().verify_message(response, message)
    except (ValueError, VerificationError, ProofError) as exc:
        raise TimestampError(str(exc)) from exc
    return _aware(response.tst_info.gen_time)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def load_roots(paths: tuple[Path, ...]) -> list[x509.Certificate]:
    roots: list[x509.Certificate] = []
    for path in paths:
        roots += x509.load_pem_x509_certificates(path.read_bytes())
    return roots


def stamp_pending(store: Store, settings: LogSettings) -> int:
    """Ask each TSA to timestamp the heads it has not stamped yet; returns tokens stored."""
    roots = load_roots(settings.tsa_certs)
    stored = 0
    for url in settings.tsa_urls:
        with store.reader() as s:
            done = select(HeadTimestamp.head_id).where(HeadTimestamp.tsa == url)
            heads = s.scalars(
                select(TreeHead).where(TreeHead.id.not_in(done)).order_by(TreeHead.tree_size.desc()).limit(BACKLOG)
            ).all()
        for head in heads:
            message = head_message(head_json(head))
            try:
                token = request_token(url, message, timeout=settings.tsa_timeout, roots=roots)
            except (OSError, urllib.error.URLError) as exc:
                logger.warning(
                    "TSA %s unreachable (%s): tree head %d is timestamped on a later run", url, exc, head.tree_size
                )
                break
            except TimestampError as exc:
                logger.error("TSA %s sent no valid token for tree head %d: %s", url, head.tree_size, exc)
                break
            gen_time = _aware(decode_timestamp_response(token).tst_info.gen_time)
            with store.session() as s:
                s.add(HeadTimestamp(head_id=head.id, tsa=url, token=token, gen_time=gen_time))
            stored += 1
            logger.info("TSA %s timestamped tree head %d at %s", url, head.tree_size, gen_time)
    return stored
