"""Page decoding: follow the declared charset and replace only the bad bytes, like a browser.

Re-guessing the whole page because of one stray byte turns every headline into mojibake,
which reads as an edit (and then as a revert when the byte goes).
"""

from __future__ import annotations

import pytest

from crawler.page import Page
from crawler.sites import parser_class

URL = "https://charter97.org/ru/news/2025/10/7/1/"
HEADLINE = "Лукашенко подписал указ о помиловании"
BODY = "".join(f"<p>Абзац номер {i}: в Минске прошла встреча, где обсуждали новости.</p>" for i in range(8))


def page_bytes(
    headline: str = HEADLINE, *, charset: str | None = "utf-8", comment: bytes = b"", encoding: str = "utf-8"
) -> bytes:
    meta = f'<meta charset="{charset}">' if charset else ""
    html = (
        f"<html><head>{meta}<title>{headline}</title></head><body><h1>{headline}</h1>{BODY}"
        f"<div class='comments'>COMMENT</div></body></html>"
    )
    return html.encode(encoding).replace(b"COMMENT", comment)


@pytest.mark.parametrize("where", ["header", "meta", "undeclared"])
def test_one_stray_latin1_byte_is_replaced_not_the_page_reguessed(where: str) -> None:
    body = page_bytes(charset="utf-8" if where == "meta" else None, comment=b"caf\xe9 au lait")
    headers = {"content-type": "text/html; charset=utf-8"} if where == "header" else {}
    page = Page(url=URL, body=body, headers=headers)
    assert page.encoding.replace("-", "").replace("_", "").lower() == "utf8"
    assert f"<h1>{HEADLINE}</h1>" in page.text
    assert page.text.count("\ufffd") == 1
    assert "caf\ufffd au lait" in page.text


def test_a_multibyte_character_cut_at_the_end_is_replaced() -> None:
    body = page_bytes(comment="Комментарий".encode())
    cut = body[: body.rindex("Комментарий".encode()) + 3]  # one byte into "о"
    page = Page(url=URL, body=cut, headers={"content-type": "text/html; charset=utf-8"})
    assert page.encoding.replace("-", "").lower() == "utf8"
    assert f"<h1>{HEADLINE}</h1>" in page.text
    assert page.text.endswith("К\ufffd")


def test_a_page_mostly_in_another_charset_is_reguessed() -> None:
    body = page_bytes(charset="utf-8", encoding="cp1251")
    page = Page(url=URL, body=body, headers={"content-type": "text/html; charset=utf-8"})
    assert f"<h1>{HEADLINE}</h1>" in page.text
    assert "\ufffd" not in page.text


def test_the_declared_charset_is_followed() -> None:
    body = page_bytes(charset="windows-1251", encoding="cp1251")
    page = Page(url=URL, body=body)
    assert page.encoding == "cp1251"
    assert f"<h1>{HEADLINE}</h1>" in page.text


def test_a_stray_byte_changes_nothing_the_parser_reads() -> None:
    parser = parser_class("generic")()
    clean = parser.parse_article(Page(url=URL, body=page_bytes()))
    for comment in (b"caf\xe9", b"\xff", "Комментарий".encode()[:-1]):
        dirty = parser.parse_article(
            Page(url=URL, body=page_bytes(comment=comment), headers={"content-type": "text/html; charset=utf-8"})
        )
        assert dirty.headline == clean.headline == HEADLINE
        assert dirty.body[:8] == clean.body[:8]
