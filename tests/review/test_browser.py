"""The review UI in real headless Chromium (Debian's), driven by Playwright, over a crawled store.

No browser is downloaded: Playwright launches /usr/bin/chromium. axe-core comes from the
npm registry (``.ci/run`` installs it into .ci/node) and is evaluated in the page.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path

import pytest
import uvicorn

from review import create_app
from tests.support.review import EDITED, XSS

# The pages' queries run on both backends in test_pages; the browser needs only one store.
pytestmark = [pytest.mark.slow, pytest.mark.parametrize("crawled", ["sqlite"], indirect=True)]

CHROMIUM = os.environ.get("PALIMPSEST_CHROMIUM", "/usr/bin/chromium")
AXE = Path(os.environ.get("PALIMPSEST_AXE", Path(__file__).parents[2] / ".ci/node/node_modules/axe-core/axe.min.js"))
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def server(crawled):
    """``palimpsest serve``'s app under uvicorn on a free loopback port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(create_app(crawled.store), host="127.0.0.1", port=port, log_level="warning")
    web = uvicorn.Server(config)
    thread = threading.Thread(target=web.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not web.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    web.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), f"{CHROMIUM} missing: apt-get install chromium (as .ci/run does)"
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser, server):
    """A fresh page that records every response and every request it makes."""
    context = browser.new_context(base_url=server, viewport={"width": 1200, "height": 900})
    tab = context.new_page()
    seen[tab] = ([], [])
    tab.on("response", lambda r: seen[tab][0].append(r))
    tab.on("request", lambda r: seen[tab][1].append(r.url))
    yield tab
    context.close()
    del seen[tab]


seen: dict = {}
"""Per page: the responses it received and the URLs it requested."""


def _check_responses(page, server):
    responses, requests = seen[page]
    assert responses
    for response in responses:
        headers = response.all_headers()
        assert "default-src 'none'" in headers.get("content-security-policy", ""), response.url
        assert "frame-ancestors 'none'" in headers["content-security-policy"], response.url
        assert headers.get("x-content-type-options") == "nosniff", response.url
        assert headers.get("referrer-policy") == "no-referrer", response.url
    remote = [u for u in requests if not u.startswith(server)]
    assert not remote, f"requests beyond the review UI: {remote}"


def test_two_clicks_from_changes_to_a_marked_diff(page, server, crawled):
    page.goto("/")
    aid = crawled.ids[EDITED]
    # Click 1: the article's timeline from its row; click 2: the diff with the version before.
    page.click(f"tr:has(a[href='/articles/{aid}/diff?from=1&to=2']) >> text=timeline")
    page.click("text=diff with v1")
    assert "/diff?from=1&to=2" in page.url
    assert page.locator("del", has_text="Postpones").count() >= 1
    assert page.locator("ins", has_text="Cancels").count() >= 1
    assert page.locator("ins", has_text="3.1").count() == 1
    # Marks that do not rely on colour: struck through and underlined.
    assert "line-through" in page.eval_on_selector("main del", "e => getComputedStyle(e).textDecorationLine")
    assert "underline" in page.eval_on_selector("main ins", "e => getComputedStyle(e).textDecorationLine")
    assert page.locator(".blk-moved").count() == 1
    # And straight from the row: one click.
    page.goto("/")
    page.click(f"a.change-link[href='/articles/{aid}/diff?from=1&to=2']")
    assert page.locator("h1").inner_text().startswith("City Council")
    _check_responses(page, server)


def test_chart_renders(page, server, crawled):
    page.goto(f"/articles/{crawled.ids[EDITED]}")
    box = page.locator("figure.chart svg polyline.views").bounding_box()
    assert box and box["width"] > 300 and box["height"] > 50
    assert page.locator("figure.chart circle.dot").count() == 2  # v2 and v3 marked
    _check_responses(page, server)


def test_keyboard_navigation(page, server, crawled):
    page.goto(f"/articles/{crawled.ids[EDITED]}/diff?from=1&to=2")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.locator("h1").click()
    page.keyboard.press("j")
    assert page.evaluate("document.activeElement.id") == "change-1"
    page.keyboard.press("j")
    page.keyboard.press("j")
    assert page.evaluate("document.activeElement.id") == "change-3"
    page.keyboard.press("k")
    assert page.evaluate("document.activeElement.id") == "change-2"
    assert page.url.endswith("#change-2")
    # Typing in the search box is not navigation.
    page.focus("#q")
    page.keyboard.type("jk")
    assert page.input_value("#q") == "jk"
    _check_responses(page, server)


def test_script_payloads_never_run(page, server, crawled):
    aid = crawled.ids[XSS]
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    for path in (
        "/",
        f"/articles/{aid}",
        f"/articles/{aid}/versions/2",
        f"/articles/{aid}/diff?from=1&to=2",
        f"/articles/{aid}/diff?from=1&to=2&view=side",
        "/search?q=onerror",
        "/feed.atom",
    ):
        page.goto(path)
        assert page.evaluate("typeof window.__xss") == "undefined", path
    page.goto(f"/articles/{aid}")
    assert page.locator("text=<script>window.__xss = 1</script>").count() >= 1  # shown as text
    assert page.locator("a[href^='javascript:']").count() == 0
    # Clicking every link on the page runs none of it either.
    page.goto(f"/articles/{aid}/diff?from=1&to=2&mode=all")
    for link in page.locator("main a").all():
        href = link.get_attribute("href") or ""
        assert not href.lower().startswith("javascript"), href
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert not dialogs
    _check_responses(page, server)


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/articles/{a}",
        "/articles/{a}/versions/1",
        "/articles/{a}/diff?from=1&to=2",
        "/articles/{a}/diff?from=1&to=2&view=side",
        "/deleted",
        "/search?q=bridge",
    ],
)
def test_no_serious_accessibility_violations(page, crawled, path):
    assert AXE.exists(), f"{AXE} missing: npm install --prefix .ci/node axe-core (as .ci/run does)"
    page.goto(path.format(a=crawled.ids[EDITED]))
    page.evaluate(AXE.read_text(encoding="utf-8"))  # evaluated by the driver, not a page script
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    serious = [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not serious, serious
