"""Markup of the local charter97-like test site: chrome, article pages, listings, messages."""

from __future__ import annotations

from bisect import bisect_right
from html import escape
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence
    from datetime import datetime

    from localsite.articles import SiteArticle


SLOT = "\x00"
"""Marks a volatile slot in a page template: ``SLOT + name + SLOT``."""

VOLATILE_ALLOWANCE = 1500
"""Bytes the volatile slots add to a page, roughly; subtracted when padding."""

# Boilerplate lines the real site puts among the article's <p> children (charter97.md).
FOLLOW_LINE = {
    "en": "Follow Charter97.org social media accounts",
    "ru": "Также следите за аккаунтами Charter97.org в социальных сетях",
}
PATREON_LINE = "PATREON Поддержите сайт «Хартия-97»"
WRITE_COMMENT_LINE = "Написать комментарий"

UI = {
    "en": {
        "site": "Charter'97",
        "news": "News",
        "most_read": "Most read",
        "comments": "Comments",
        "no_comments": "No comments yet",
        "not_found": "Page not found",
        "not_found_text": "The page you requested does not exist or has been removed.",
        "captcha": "Please confirm that you are not a robot",
        "months": (
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ),
        "weekdays": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
        "slogans": (
            "Long live Belarus!",
            "Freedom to political prisoners!",
            "News that the regime would rather you did not read",
            "Belarus will be free!",
        ),
        "subscribe": "Subscribe to our newsletter",
        "opinion": "Opinion: what the council vote really means",
    },
    "ru": {
        "site": "Хартия-97",
        "news": "Новости",
        "most_read": "Самое читаемое",
        "comments": "Комментарии",
        "no_comments": "Комментариев пока нет",
        "not_found": "Страница не найдена",
        "not_found_text": "Запрошенная страница не существует или была удалена.",
        "captcha": "Подтвердите, что вы не робот",
        "months": (
            "января",
            "февраля",
            "марта",
            "апреля",
            "мая",
            "июня",
            "июля",
            "августа",
            "сентября",
            "октября",
            "ноября",
            "декабря",
        ),
        "weekdays": ("Понедельник", "Вторник", "Среда", "Четверг", "Пятница", "Суббота", "Воскресенье"),
        "slogans": (
            "Жыве Беларусь!",
            "Свободу политзаключенным!",
            "Новости, которые режим не хочет показывать",
            "Беларусь будет свободной!",
        ),
        "subscribe": "Подпишитесь на нашу рассылку",
        "opinion": "Мнение: что на самом деле значит голосование горсовета",
    },
}

COMMENTERS = ("Ales", "Nadzeya", "Siarhei", "Volha", "Andrei", "Iryna", "Pavel")
COMMENT_TEXTS = (
    "Synthetic comment: the council should publish the estimate.",
    "Синтетический комментарий: мост чинят уже третий год.",
    "Synthetic comment: I walked past the site yesterday, nothing has changed.",
    "Синтетический комментарий: спасибо за материал!",
    "Synthetic comment: who signed the contract?",
)


def ui(lang: str) -> dict:
    """Chrome strings for an edition; editions other than English use the Russian ones."""
    return UI.get(lang, UI["ru"])


def slot(name: str) -> str:
    return f"{SLOT}{name}{SLOT}"


def format_date(dt: datetime) -> str:
    """``D.MM.YYYY, HH:MM`` as the site prints it: day not padded, month padded."""
    return f"{dt.day}.{dt.month:02d}.{dt.year}, {dt:%H:%M}"


def format_views(views: int) -> str:
    """Comma thousands separator in every edition: ``2,422``."""
    return f"{views:,}"


class Template:
    """A page as static UTF-8 chunks with named volatile slots between them."""

    __slots__ = ("parts", "static_size")

    def __init__(self, text: str) -> None:
        pieces = text.split(SLOT)
        self.parts: list[bytes | str] = [
            piece.encode("utf-8") if i % 2 == 0 else piece for i, piece in enumerate(pieces)
        ]
        self.static_size = sum(len(p) for p in self.parts[::2])

    def render(self, values: Mapping[str, bytes | memoryview]) -> bytes:
        return b"".join(values[p] if i % 2 else p for i, p in enumerate(self.parts))


class Padding:
    """Synthetic sidebar boilerplate, cut at item boundaries to bring pages to ~N KB."""

    def __init__(self, kb: int) -> None:
        self.target = kb * 1024
        chunks: list[bytes] = []
        self.bounds = [0]
        k = 0
        while self.bounds[-1] < self.target:
            lang = "ru" if k % 3 else "en"
            text = _PAD_TEXTS[lang][k % len(_PAD_TEXTS[lang])]
            item = (
                f'<li class="side-more"><a href="/{lang}/tags/{1000 + k}/">{escape(text)} ({k})</a></li>\n'
            ).encode()
            chunks.append(item)
            self.bounds.append(self.bounds[-1] + len(item))
            k += 1
        self.data = memoryview(b"".join(chunks))

    def fill(self, static_size: int) -> memoryview:
        """The padding that brings a page of ``static_size`` bytes to about the target."""
        want = self.target - static_size - VOLATILE_ALLOWANCE
        if want <= 0:
            return self.data[:0]
        return self.data[: self.bounds[bisect_right(self.bounds, want) - 1]]


_PAD_TEXTS = {
    "en": (
        "Sidebar boilerplate: archive of regional council reports",
        "Sidebar boilerplate: weather in Zarechensk and Lipovka this week",
        "Sidebar boilerplate: how to reach the site through a mirror",
    ),
    "ru": (
        "Боковая колонка: архив отчетов городских советов",
        "Боковая колонка: погода в Зареченске и Липовке на неделю",
        "Боковая колонка: как открыть сайт через зеркало",
    ),
}


# --- page chrome -------------------------------------------------------------------


def page(lang: str, title: str, main: str, *, head_extra: str = "") -> str:
    """A whole site page around ``main``; slots: clock, most_read, ads, pad."""
    t = ui(lang)
    return f"""<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<title>{escape(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta property="og:site_name" content="{escape(t["site"])}">
{head_extra}<link rel="stylesheet" href="/css/style.css">
</head>
<body>
<!-- Synthetic page served by localsite for tests; not a copy of charter97.org. -->
<header class="header">
<div class="header__top"><span class="header__date">{slot("clock")}</span></div>
<a class="header__logo" href="/">{escape(t["site"])}</a>
<nav class="menu"><ul><li><a href="/{lang}/news/">{t["news"]}</a></li>
<li><a href="/en/news/">EN</a></li><li><a href="/ru/news/">RU</a></li></ul></nav>
</header>
<div class="l-wrapper">
<div class="l-main">
{main}
</div>
<aside class="l-side">
<div class="box box_most-read"><h3>{t["most_read"]}</h3><ul>{slot("most_read")}</ul></div>
<ul class="box box_ads">{slot("ads")}</ul>
<div class="box box_more"><ul>
{slot("pad")}</ul></div>
</aside>
</div>
<footer class="footer"><p>Synthetic local copy for Palimpsest tests. &copy; {escape(t["site"])}</p></footer>
<script>(function(){{var i=new Image();i.src="/stat.php?r="+Math.random();}})();</script>
</body>
</html>
"""


def clock_html(now: datetime, n: int, lang: str) -> str:
    """The header clock and its slogan, which rotates on every request."""
    t = ui(lang)
    when = f"{t['weekdays'][now.weekday()]}, {now.day} {t['months'][now.month - 1]} {now.year}, {now:%H:%M:%S}"
    slogans = t["slogans"]
    return f'{when} <span class="header__slogan">{escape(slogans[n % len(slogans)])}</span>'


def ads_html(n: int, count: int = 2) -> str:
    """Ad slots whose ids change on every request."""
    return "".join(
        f'<li class="google_ad"><ins class="adsbygoogle" data-ad-client="ca-pub-0000000000000000"'
        f' data-ad-slot="{(n * 7919 + k * 104729) % 10**10:010d}"></ins></li>'
        for k in range(count)
    )


def most_read_html(articles: Sequence[SiteArticle], n: int, size: int = 5) -> str:
    """A "most read" box that rotates through ``articles`` from one request to the next."""
    if not articles:
        return ""
    picks = [articles[(n + k) % len(articles)] for k in range(min(size, len(articles)))]
    return "".join(f'<li><a href="{a.path}">{escape(a.headline)}</a></li>' for a in picks)


def comments_html(article_id: int, count: int, lang: str) -> str:
    """The comments block's inside; its text follows the comment count."""
    t = ui(lang)
    if not count:
        return f'<h3 class="comments__title">{t["no_comments"]}</h3>'
    items = "".join(
        f'<div class="comment"><span class="comment__author">'
        f"{COMMENTERS[(article_id + k) % len(COMMENTERS)]}</span>"
        f'<p class="comment__text">{escape(COMMENT_TEXTS[(article_id + count + k) % len(COMMENT_TEXTS)])}</p></div>'
        for k in range(min(count, 3))
    )
    return f'<h3 class="comments__title">{t["comments"]} ({count})</h3>{items}'


# --- article page -------------------------------------------------------------------


def article_page(a: SiteArticle, base_url: str, *, relaunched: bool = False) -> Template:
    """The article page; its volatile slots are counter, views, comments and the chrome's.

    ``relaunched``: the markup of an invented redesign (see :func:`article_main`).
    """
    url = base_url + a.path
    head = [
        f'<meta property="og:title" content="{escape(a.headline)}">',
        '<meta property="og:type" content="article">',
        f'<meta property="og:url" content="{url}">',
        f'<link rel="canonical" href="{url}">',
    ]
    if a.image:
        head.append(f'<meta property="og:image" content="{escape(base_url + a.image)}">')
    title = f"{a.headline} - {ui(a.lang)['site']}"
    return Template(page(a.lang, title, article_main(a, relaunched=relaunched), head_extra="\n".join(head) + "\n"))


def article_main(a: SiteArticle, *, relaunched: bool = False) -> str:
    """The article element, in the site's markup or (``relaunched``) an invented redesign's.

    The redesign renames every class and keeps the text: a parser written for the old
    markup still finds the headline and the paragraphs (the lead among them), but no date
    line, view counter or lead, which is what a real relaunch does to a parser. Every read
    is a new version that must not count as an edit.
    """
    head, lead_class = (_story_head(a), "story__lead") if relaunched else (_article_head(a), "lead")
    parts = head
    if a.lead:
        parts.append(f'<p class="{lead_class}">{escape(a.lead)}</p>')
    parts.extend(f"<p>{escape(p)}</p>" for p in a.body)
    parts.extend(article_boilerplate(a.lang))
    parts.append(f'<div class="comments" id="comments">{slot("comments")}</div>')
    parts.append("</article>")
    return "\n".join(parts)


def _article_head(a: SiteArticle) -> list[str]:
    """The site's own markup up to the lead: header with date, views and comment counter, media."""
    parts = [
        '<article class="article">',
        '<header class="article__header">',
        f"<h1>{escape(a.headline)}</h1>",
        f'<a href="{a.path}#comments" class="news__counter">{slot("counter")}</a>',
        '<ul class="article__info">',
        f"<li>{format_date(a.date)}</li>",
        f'<li><span class="news__views">{slot("views")}<i class="icon-eye"></i></span></li>',
        "</ul>",
        "</header>",
    ]
    if a.image:
        parts.append(f'<figure class="article__left article__photo"><img src="{escape(a.image)}" alt=""></figure>')
    if a.video:
        parts.append(
            f'<div class="article__video"><iframe src="{escape(a.video)}" width="640"'
            f' height="360" frameborder="0" allowfullscreen></iframe></div>'
        )
    return parts


def _story_head(a: SiteArticle) -> list[str]:
    """The redesign up to the lead: a title, one meta line, the image (no video)."""
    parts = [
        '<article class="story">',
        f'<h1 class="story__title">{escape(a.headline)}</h1>',
        f'<div class="story__meta"><span class="story__time">{format_date(a.date)}</span> '
        f'<span class="story__views">{slot("views")}</span> '
        f'<a href="{a.path}#comments" class="story__comments">{slot("counter")}</a></div>',
    ]
    if a.image:
        parts.append(f'<div class="story__media"><img src="{escape(a.image)}" alt=""></div>')
    return parts


def article_boilerplate(lang: str) -> list[str]:
    """Blocks and lines inside article.article that parsers must drop (charter97.md)."""
    t = ui(lang)
    return [
        f"<p><strong>{FOLLOW_LINE.get(lang, FOLLOW_LINE['ru'])}</strong></p>",
        '<div class="social"><a href="https://t.me/charter97_synthetic">Telegram</a> '
        '<a href="https://www.facebook.com/charter97_synthetic">Facebook</a> '
        '<a href="https://x.com/charter97_synthetic">X</a></div>',
        f'<div class="subscribe"><form action="/subscribe/"><label>{t["subscribe"]}</label>'
        '<input type="email" name="email"><button>OK</button></form></div>',
        '<p><a href="https://www.patreon.com/charter97_synthetic">PATREON</a> Поддержите сайт «Хартия-97»</p>',
        f'<div class="b opinion"><a href="/{lang}/news/">{t["opinion"]}</a></div>',
        '<div class="pluso" data-services="telegram,facebook,twitter"></div>',
        f'<div class="account"><a href="/{lang}/account/">Login</a></div>',
        f'<p class="comments__write"><a href="#comments">{WRITE_COMMENT_LINE}</a></p>',
    ]


# --- listings, feeds and other pages ------------------------------------------------


def listing_main(
    items: Iterable[SiteArticle], ads: Iterable[str], *, lang: str, page_no: int, pages: int, prefix: str | None
) -> str:
    """``div.news.news_latest`` with an ad after every fifth item, then the pager."""
    ads = iter(ads)
    rows = []
    for k, a in enumerate(items, 1):
        counter = f'<a href="{a.path}#comments" class="news__counter">{a.comments}</a>' if a.comments else ""
        image = f'<div class="news__pic"><img src="{escape(a.image)}" alt=""></div>' if a.image else ""
        rows.append(
            f'<li data-ai="{a.id}"><a href="{a.path}">{image}'
            f'<span class="news__time">{a.date:%H:%M}</span>'
            f'<strong class="news__title">{escape(a.headline)}</strong></a>{counter}</li>'
        )
        if k % 5 == 0:
            rows.append(next(ads, ""))
    pager = []
    if prefix is not None:
        if page_no > 1:
            prev = prefix if page_no == 2 else f"{prefix}p/{page_no - 1}/"
            pager.append(f'<a class="pager__prev" href="{prev}">&larr;</a>')
        if page_no < pages:
            pager.append(f'<a class="pager__next" href="{prefix}p/{page_no + 1}/">&rarr;</a>')
    return (
        f'<h2 class="section__title">{ui(lang)["news"]}</h2>\n'
        f'<div class="news news_latest"><ul>\n' + "\n".join(rows) + "\n</ul></div>\n"
        f'<div class="pager">{" ".join(pager)}</div>'
    )


def message_main(lang: str, kind: str) -> str:
    """Main column of a page that is not an article: not found, captcha, empty chrome."""
    t = ui(lang)
    if kind == "not_found":
        return (
            f'<div class="error-404"><h2>{t["not_found"]}</h2>'
            f'<p class="error-404__text">{t["not_found_text"]}</p></div>'
        )
    if kind == "captcha":
        return (
            f'<div class="captcha"><h2>{t["captcha"]}</h2>'
            '<form action="/captcha/" method="post"><img src="/captcha.php" alt="">'
            '<input type="text" name="captcha_code"><button type="submit">OK</button>'
            "</form></div>"
        )
    return '<div class="section section_empty"></div>'


CHALLENGE_HTML = """<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title>
<meta http-equiv="Content-Type" content="text/html; charset=UTF-8">
<meta name="robots" content="noindex,nofollow"></head>
<body><div class="main-wrapper" role="main"><div class="main-content">
<h1 class="zone-name-title h1">charter97.org</h1>
<h2 id="challenge-running" class="h2">Checking if the site connection is secure</h2>
<noscript><div class="h2">Enable JavaScript and cookies to continue</div></noscript>
</div></div><script>window._cf_chl_opt={cType:'managed'};</script></body></html>
"""


def to_cp1251(body: bytes) -> bytes:
    """Re-encode a UTF-8 page or feed as windows-1251, declaring it in the markup too."""
    text = body.decode("utf-8")
    text = text.replace('<meta charset="utf-8">', '<meta charset="windows-1251">', 1)
    text = text.replace('encoding="utf-8"', 'encoding="windows-1251"', 1)
    return text.encode("cp1251", "xmlcharrefreplace")
