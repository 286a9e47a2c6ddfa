"""The review UI as an ASGI app: routes, templates, security headers and the access token.

Read-only: every route answers GET (and HEAD). Scraped text reaches the browser only
through Jinja2's autoescaping; no page loads anything from another origin, and the
Content-Security-Policy below forbids the browser to try.
"""

from __future__ import annotations

import hmac
from http.cookies import SimpleCookie
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.responses import PlainTextResponse, RedirectResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from review import render

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

    from store.db import Store

HERE = Path(__file__).parent
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}
TOKEN_COOKIE = "palimpsest_token"


class SecurityHeaders:
    """Puts the CSP and its companions on every response, errors and static files included."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.decode().lower() not in SECURITY_HEADERS]
                headers += [(k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


class TokenGate:
    """Demands the access token: a Bearer header, the cookie, or ``?token=`` once.

    A page opened with ``?token=`` sets the cookie and redirects to itself without it,
    so the token does not linger in the address bar or the history; feeds keep it in
    their URL, since feed readers send no cookies.
    """

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app, self.token = app, token

    def _ok(self, candidate: str | None) -> bool:
        return bool(candidate) and hmac.compare_digest(candidate.encode(), self.token.encode())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode().lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        auth = headers.get("authorization", "")
        cookie = SimpleCookie(headers.get("cookie", ""))
        query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        given = dict(query).get("token")
        bearer = self._ok(auth.removeprefix("Bearer ").strip())
        by_cookie = TOKEN_COOKIE in cookie and self._ok(cookie[TOKEN_COOKIE].value)
        if bearer or by_cookie or (self._ok(given) and scope["path"].endswith(".atom")):
            await self.app(scope, receive, send)
        elif self._ok(given):
            rest = urlencode([(k, v) for k, v in query if k != "token"])
            response = RedirectResponse(scope["path"] + (f"?{rest}" if rest else ""), status_code=303)
            response.set_cookie(TOKEN_COOKIE, self.token, httponly=True, samesite="strict", path="/")
            await response(scope, receive, send)
        else:
            response = PlainTextResponse(
                "An access token is needed: open this address with ?token=…\n",
                401,
                headers={"www-authenticate": "Bearer"},
            )
            await response(scope, receive, send)


def templates() -> Jinja2Templates:
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(render.FILTERS)
    env.globals.update(render.GLOBALS)
    return Jinja2Templates(env=env)


def create_app(store: Store, *, token: str | None = None, base_url: str | None = None) -> ASGIApp:
    """The review app over ``store``; with ``token``, every request must carry it."""
    from review.views import articles, changes, diffs, feeds, search

    routes = [
        Route("/", changes.changes_list, name="changes"),
        Route("/events/{event_id:int}", changes.event, name="event"),
        Route("/deleted", articles.deleted, name="deleted"),
        Route("/search", search.search, name="search"),
        Route("/articles/{article_id:int}", articles.article, name="article"),
        Route("/articles/{article_id:int}/at", articles.at_time, name="at_time"),
        Route("/articles/{article_id:int}/versions/{seq:int}", articles.version, name="version"),
        Route("/articles/{article_id:int}/diff", diffs.diff, name="diff"),
        Route("/articles/{article_id:int}/evidence.zip", articles.bundle, name="bundle"),
        Route("/feed.atom", feeds.feed, name="feed"),
        Route("/sites/{site}/feed.atom", feeds.feed, name="site_feed"),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    web = Starlette(routes=routes, exception_handlers={HTTPException: _error})
    web.state.store = store
    web.state.templates = templates()
    web.state.base_url = base_url
    web.state.token = token
    app: ASGIApp = TokenGate(web, token) if token else web
    return SecurityHeaders(app)


async def _error(request: Request, exc: Any) -> Any:
    return request.app.state.templates.TemplateResponse(
        request, "error.html", {"status": exc.status_code, "message": exc.detail}, status_code=exc.status_code
    )


def page(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Any:
    """Render template ``name`` with ``context``: the one way views answer with HTML."""
    return request.app.state.templates.TemplateResponse(request, name, context, status_code=status)
