"""The charter97 parser against the real seed article, rebuilt as HTML from its text at test time.

The seed text (shared/seed/charter97-en-2025-10-07.txt) stays outside the repository; the
markup around it follows shared/sites/charter97.md and is synthetic.
"""

from __future__ import annotations

import html
import os
import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from crawler.page import Page
from crawler.sites import parser_class

SEED = Path(__file__).parents[2].parent / "shared" / "seed" / "charter97-en-2025-10-07.txt"
URL = "https://charter97.org/en/news/2025/10/7/660000/"  # the id is made up; the text is real


@pytest.fixture(scope="module")
def seed_lines() -> list[str]:
    if not SEED.exists():
        if os.environ.get("CI"):  # CI always has shared/ beside the clone: never skip there
            pytest.fail(f"seed capture not found at {SEED}")
        pytest.skip(f"seed capture not found at {SEED}")
    return SEED.read_text("utf-8").splitlines()


def build_page(lines: list[str]) -> str:
    """The seed's rendered text put back into the article markup of charter97.md.

    Line 2 renders as ``<comments>- <date>`` and line 3 as ``- <views>``: the ``-`` are
    the list bullets of ``ul.article__info``.
    """
    headline, info, views_line, lead, *body = lines
    comments, date = (part.strip() for part in info.split("-", 1))
    views = views_line.lstrip("- ").strip()
    e = html.escape
    paragraphs = "\n".join(f"    <p>{e(p)}</p>" for p in body)
    return f"""<!-- synthetic markup around the real text of the seed capture -->
<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{e(headline)} - Charter'97</title></head>
<body>
<header class="header"><span class="header__date">8.10.2025, 09:00</span></header>
<div class="l-main">
  <article class="article">
    <header class="article__header">
      <h1>{e(headline)}</h1>
      <a href="/en/news/2025/10/7/660000/#comments" class="news__counter">{e(comments)}</a>
      <ul class="article__info">
        <li>{e(date)}</li>
        <li><span class="news__views">{e(views)}<i class="icon-eye"></i></span></li>
      </ul>
    </header>
    <figure class="article__left article__photo"><img src="/photos/2025/10/660000.jpg" alt=""></figure>
    <p class="lead">{e(lead)}</p>
{paragraphs}
    <div class="social"><p>Follow Charter97.org social media accounts</p></div>
    <div class="comments" id="comments"><p>A reader's comment.</p></div>
  </article>
</div>
</body></html>
"""


def test_seed_article(seed_lines: list[str]) -> None:
    page = Page.from_text(URL, build_page(seed_lines))
    item = parser_class("charter97")().parse_article(page)

    assert item.url == URL
    assert item.language == "en"
    assert item.site_article_id == "660000"
    assert item.headline == '"It Is Mutual Aid And Solidarity That The Regime Fears."'
    assert item.comments == 1
    assert item.comments_raw == "1"
    assert item.published == datetime(2025, 10, 7, 17, 5, tzinfo=ZoneInfo("Europe/Minsk"))
    assert item.published_raw == "7.10.2025, 17:05"
    assert item.views == 2422
    assert item.views_raw == "2,422"
    assert item.lead == ("The former political prisoner told what helps to keep his strength in Lukashenko's prison.")
    assert item.body == tuple(seed_lines[4:])
    assert item.image == "https://charter97.org/photos/2025/10/660000.jpg"


def test_seed_dialogue_lines_are_kept_as_written(seed_lines: list[str]) -> None:
    item = parser_class("charter97")().parse_article(Page.from_text(URL, build_page(seed_lines)))
    dialogue = [p for p in item.body if re.match(r"-\s?\w", p)]
    assert len(dialogue) == 4
    assert dialogue[-1].startswith("-but at the same time I felt joy")
    assert len(item.body) == 13
