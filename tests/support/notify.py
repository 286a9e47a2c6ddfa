"""Real local receivers (SMTP, and the shared HTTP webhook) and a newsroom that makes events the production way."""

from __future__ import annotations

import email
import email.policy
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

import localsite
from changes import Content, HealthPolicy, Outcome, Policy, Verdict
from changes.records import Fetched, Reading
from detection import Archive
from localsite.webhook import KEY_HEADER, free_port
from palimpsest.config import from_dict

if TYPE_CHECKING:
    from palimpsest.config import Config
    from store.db import Store


T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
SMTP_USER = "watchdesk"
SMTP_PASSWORD = "pw-S3cr3t-5mtp"
HOOK_TOKEN = "tok-S3cr3t-H00k"
HOOK_PASSWORD = "pw-S3cr3t-Http"
SECRETS = (SMTP_PASSWORD, HOOK_TOKEN, HOOK_PASSWORD)


# -- SMTP ------------------------------------------------------------------------------


@dataclass
class Mail:
    subject: str
    headers: dict[str, str]
    text: str
    html: str

    @property
    def key(self) -> str | None:
        return self.headers.get(KEY_HEADER)


class SMTPReceiver:
    """aiosmtpd on 127.0.0.1 with plain-text AUTH (no TLS: loopback only); stoppable and restartable."""

    def __init__(self) -> None:
        self.port = free_port()
        self.mails: list[Mail] = []
        self._controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"mailto://{SMTP_USER}:{SMTP_PASSWORD}@127.0.0.1:{self.port}?from=alerts@example.org&to=desk@example.org"

    def start(self) -> SMTPReceiver:
        self._controller = Controller(
            self, hostname="127.0.0.1", port=self.port, authenticator=self._authenticate, auth_require_tls=False
        )
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def _authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
            SMTP_USER.encode(),
            SMTP_PASSWORD.encode(),
        )
        return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535 itself

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        parts = {p.get_content_type(): p.get_content() for p in msg.walk() if not p.is_multipart()}
        self.mails.append(
            Mail(
                str(msg["subject"]),
                {k: str(v) for k, v in msg.items()},
                parts.get("text/plain", ""),
                parts.get("text/html", ""),
            )
        )
        return "250 OK"

    def keys(self) -> list[str | None]:
        return [m.key for m in self.mails]


# -- HTTP webhook ------------------------------------------------------------------------


class WebhookReceiver(localsite.WebhookReceiver):
    """The shared receiver (``localsite.webhook``), addressed with secrets the tests check never leak."""

    def __init__(self, **fields: Any) -> None:
        super().__init__(path=f"/hooks/{HOOK_TOKEN}", user=HOOK_TOKEN, password=HOOK_PASSWORD, **fields)


# -- config and events ---------------------------------------------------------------------


def make_config(store_url: str, *destinations: dict[str, Any], base_url: str | None = None) -> Config:
    data: dict[str, Any] = {"store": store_url, "sites": [], "notify": list(destinations)}
    if base_url:
        data["base_url"] = base_url
    return from_dict(data, environ={})


def article_url(n: int) -> str:
    return f"https://charter97.org/en/news/2025/3/1/{600000 + n}/"


def story(
    n: int,
    *,
    headline: str | None = None,
    body: tuple[str, ...] | None = None,
    published: str = "2025-03-01T10:00:00+03:00",
) -> Content:
    return Content.build(
        headline=headline or f"Story {n}: protest in Minsk",
        lead=f"Lead of story {n}.",
        body=body
        or (f"First paragraph of story {n}.", f"Second paragraph of story {n}.", f"Third paragraph of story {n}."),
        published=published,
        author="Reporter",
    )


class Newsroom:
    """Runs crawl steps through ``store.writer.Archive`` exactly as a crawl records them."""

    SITE = "charter97-en"

    def __init__(self, store: Store, config: Config) -> None:
        self.archive = Archive(store, route=config.route)
        self.clock = T0
        self.policy = Policy(edit_confirmations=1, delete_confirmations=1, delete_min_age=timedelta(0))

    def step(self, pages: dict[int, Content | int], *, views: int = 1000) -> list[int]:
        """One run: each article shows content, or answers with an HTTP status; returns event ids."""
        run_id = self.archive.start_run(self.SITE, "charter97", now=self.clock)
        # A healthy listing page: a lone 404 must not make the run look like an outage.
        listing = Fetched(
            kind="listing",
            url="https://charter97.org/en/news/",
            fetched_at=self.clock,
            status=200,
            body=b"<html><body>listing</body></html>",
        )
        self.archive.record(run_id, listing, Verdict(Outcome.OK, "http 200"))
        for n, page in pages.items():
            if isinstance(page, int):
                fetched = Fetched(
                    kind="article",
                    url=article_url(n),
                    fetched_at=self.clock,
                    status=page,
                    body=b"<html><body>Not found</body></html>",
                )
                self.archive.record(run_id, fetched, Verdict(Outcome.GONE, f"http {page}"), article_url=article_url(n))
                continue
            fetched = Fetched(
                kind="article",
                url=article_url(n),
                fetched_at=self.clock,
                status=200,
                body=f"<html><body>{page.headline}</body></html>".encode(),
            )
            reading = Reading(parser="charter97", parser_version="test", content=page, views=views + n)
            self.archive.record(
                run_id, fetched, Verdict(Outcome.OK, "http 200"), article_url=article_url(n), reading=reading
            )
        result = self.archive.finish_run(run_id, policy=self.policy, health_policy=HealthPolicy(), now=self.clock)
        self.clock += timedelta(minutes=20)
        return result.events
