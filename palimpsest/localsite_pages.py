"""Markup, feeds and synthetic text of the local charter97-like test site (see localsite)."""

from __future__ import annotations

import random
from bisect import bisect_right
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from html import escape
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

    from palimpsest.localsite import SiteArticle


SITE_TZ = timezone(timedelta(hours=3), "Europe/Minsk")
"""The site prints naive local times; Minsk is UTC+3 all year."""

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
        "site": "Charter'97", "news": "News", "most_read": "Most read",
        "comments": "Comments", "no_comments": "No comments yet",
        "not_found": "Page not found",
        "not_found_text": "The page you requested does not exist or has been removed.",
        "captcha": "Please confirm that you are not a robot",
        "months": ("January", "February", "March", "April", "May", "June", "July",
                   "August", "September", "October", "November", "December"),
        "weekdays": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
                     "Saturday", "Sunday"),
        "slogans": ("Long live Belarus!", "Freedom to political prisoners!",
                    "News that the regime would rather you did not read",
                    "Belarus will be free!"),
        "subscribe": "Subscribe to our newsletter",
        "opinion": "Opinion: what the council vote really means",
    },
    "ru": {
        "site": "Хартия-97", "news": "Новости", "most_read": "Самое читаемое",
        "comments": "Комментарии", "no_comments": "Комментариев пока нет",
        "not_found": "Страница не найдена",
        "not_found_text": "Запрошенная страница не существует или была удалена.",
        "captcha": "Подтвердите, что вы не робот",
        "months": ("января", "февраля", "марта", "апреля", "мая", "июня", "июля",
                   "августа", "сентября", "октября", "ноября", "декабря"),
        "weekdays": ("Понедельник", "Вторник", "Среда", "Четверг", "Пятница",
                     "Суббота", "Воскресенье"),
        "slogans": ("Жыве Беларусь!", "Свободу политзаключенным!",
                    "Новости, которые режим не хочет показывать",
                    "Беларусь будет свободной!"),
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
            item = (f'<li class="side-more"><a href="/{lang}/tags/{1000 + k}/">'
                    f"{escape(text)} ({k})</a></li>\n").encode()
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
    "en": ("Sidebar boilerplate: archive of regional council reports",
           "Sidebar boilerplate: weather in Zarechensk and Lipovka this week",
           "Sidebar boilerplate: how to reach the site through a mirror"),
    "ru": ("Боковая колонка: архив отчетов городских советов",
           "Боковая колонка: погода в Зареченске и Липовке на неделю",
           "Боковая колонка: как открыть сайт через зеркало"),
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
<!-- Synthetic page served by palimpsest.localsite for tests; not a copy of charter97.org. -->
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
    when = (f"{t['weekdays'][now.weekday()]}, {now.day} {t['months'][now.month - 1]} "
            f"{now.year}, {now:%H:%M:%S}")
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


def article_page(a: SiteArticle, base_url: str) -> Template:
    """The article page; its volatile slots are counter, views, comments and the chrome's."""
    url = base_url + a.path
    head = [f'<meta property="og:title" content="{escape(a.headline)}">',
            '<meta property="og:type" content="article">',
            f'<meta property="og:url" content="{url}">',
            f'<link rel="canonical" href="{url}">']
    if a.image:
        head.append(f'<meta property="og:image" content="{escape(base_url + a.image)}">')
    title = f"{a.headline} - {ui(a.lang)['site']}"
    return Template(page(a.lang, title, article_main(a), head_extra="\n".join(head) + "\n"))


def article_main(a: SiteArticle) -> str:
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
        parts.append(f'<figure class="article__left article__photo">'
                     f'<img src="{escape(a.image)}" alt=""></figure>')
    if a.video:
        parts.append(f'<div class="article__video"><iframe src="{escape(a.video)}" width="640"'
                     f' height="360" frameborder="0" allowfullscreen></iframe></div>')
    if a.lead:
        parts.append(f'<p class="lead">{escape(a.lead)}</p>')
    parts.extend(f"<p>{escape(p)}</p>" for p in a.body)
    parts.extend(article_boilerplate(a.lang))
    parts.append(f'<div class="comments" id="comments">{slot("comments")}</div>')
    parts.append("</article>")
    return "\n".join(parts)


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
        '<p><a href="https://www.patreon.com/charter97_synthetic">PATREON</a> '
        "Поддержите сайт «Хартия-97»</p>",
        f'<div class="b opinion"><a href="/{lang}/news/">{t["opinion"]}</a></div>',
        '<div class="pluso" data-services="telegram,facebook,twitter"></div>',
        f'<div class="account"><a href="/{lang}/account/">Login</a></div>',
        f'<p class="comments__write"><a href="#comments">{WRITE_COMMENT_LINE}</a></p>',
    ]


# --- listings, feeds and other pages ------------------------------------------------


def listing_main(items: Iterable[SiteArticle], ads: Iterable[str], *,
                 lang: str, page_no: int, pages: int, prefix: str | None) -> str:
    """``div.news.news_latest`` with an ad after every fifth item, then the pager."""
    ads = iter(ads)
    rows = []
    for k, a in enumerate(items, 1):
        counter = (f'<a href="{a.path}#comments" class="news__counter">{a.comments}</a>'
                   if a.comments else "")
        image = f'<div class="news__pic"><img src="{escape(a.image)}" alt=""></div>' if a.image else ""
        rows.append(f'<li data-ai="{a.id}"><a href="{a.path}">{image}'
                    f'<span class="news__time">{a.date:%H:%M}</span>'
                    f'<strong class="news__title">{escape(a.headline)}</strong></a>{counter}</li>')
        if k % 5 == 0:
            rows.append(next(ads, ""))
    pager = []
    if prefix is not None:
        if page_no > 1:
            prev = prefix if page_no == 2 else f"{prefix}p/{page_no - 1}/"
            pager.append(f'<a class="pager__prev" href="{prev}">&larr;</a>')
        if page_no < pages:
            pager.append(f'<a class="pager__next" href="{prefix}p/{page_no + 1}/">&rarr;</a>')
    return (f'<h2 class="section__title">{ui(lang)["news"]}</h2>\n'
            f'<div class="news news_latest"><ul>\n' + "\n".join(rows) + "\n</ul></div>\n"
            f'<div class="pager">{" ".join(pager)}</div>')


def message_main(lang: str, kind: str) -> str:
    """Main column of a page that is not an article: not found, captcha, empty chrome."""
    t = ui(lang)
    if kind == "not_found":
        return (f'<div class="error-404"><h2>{t["not_found"]}</h2>'
                f'<p class="error-404__text">{t["not_found_text"]}</p></div>')
    if kind == "captcha":
        return (f'<div class="captcha"><h2>{t["captcha"]}</h2>'
                '<form action="/captcha/" method="post"><img src="/captcha.php" alt="">'
                '<input type="text" name="captcha_code"><button type="submit">OK</button>'
                "</form></div>")
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


def rss(items: Iterable[SiteArticle], *, lang: str, base_url: str, now: datetime) -> bytes:
    """An RSS 2.0 feed with absolute links."""
    t = ui(lang)
    entries = "".join(
        f"<item><title>{escape(a.headline)}</title><link>{base_url}{a.path}</link>"
        f'<guid isPermaLink="true">{base_url}{a.path}</guid>'
        f"<pubDate>{format_datetime(a.date.replace(tzinfo=SITE_TZ))}</pubDate>"
        f"<description>{escape(a.lead or '')}</description></item>\n"
        for a in items
    )
    return (f'<?xml version="1.0" encoding="utf-8"?>\n'
            f'<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel>\n'
            f"<title>{escape(t['site'])} - {t['news']} (synthetic)</title>\n"
            f"<link>{base_url}/{lang}/news/</link>\n"
            f"<description>Synthetic feed of the Palimpsest local test site</description>\n"
            f"<language>{lang}</language>\n"
            f'<atom:link href="{base_url}/{lang}/rss/all/" rel="self" type="application/rss+xml"/>\n'
            f"<lastBuildDate>{format_datetime(now)}</lastBuildDate>\n"
            f"{entries}</channel></rss>\n").encode()


def to_cp1251(body: bytes) -> bytes:
    """Re-encode a UTF-8 page or feed as windows-1251, declaring it in the markup too."""
    text = body.decode("utf-8")
    text = text.replace('<meta charset="utf-8">', '<meta charset="windows-1251">', 1)
    text = text.replace('encoding="utf-8"', 'encoding="windows-1251"', 1)
    return text.encode("cp1251", "xmlcharrefreplace")


# --- synthetic text ----------------------------------------------------------------

DEFAULT_ARTICLES = (
    # id, lang, date, views, comments, video, headline, lead, body
    (700101, "en", (2025, 10, 6, 9, 40), 2422, 1, None,
     "City Council of Zarechensk Postpones Vote on Riverside Bridge Repairs",
     "Deputies said the estimate for the 60-year-old bridge had doubled since spring.",
     ["The city council of Zarechensk, a fictional town used in this synthetic article, "
      "postponed its vote on repairs to the Riverside bridge on Monday.",
      "According to the council's own documents, the estimate grew from 1.2 to 2.5 million "
      "roubles after engineers found cracks in two of the five spans.",
      "Residents who cross the bridge every day told us that heavy lorries still use it at "
      "night, despite a weight limit introduced last year.",
      "The next session is scheduled for the end of the month."]),
    (700102, "ru", (2025, 10, 6, 11, 20), 3310, 4, None,
     "Горсовет Зареченска отложил голосование о ремонте моста через реку",
     "Депутаты сообщили, что смета на ремонт моста выросла вдвое с весны.",
     ["Городской совет Зареченска — вымышленного города из этой синтетической статьи — в "
      "понедельник отложил голосование о ремонте Речного моста.",
      "Согласно документам совета, смета выросла с 1,2 до 2,5 миллиона рублей после того, как "
      "инженеры нашли трещины в двух из пяти пролетов.",
      "Жители, которые каждый день ходят по мосту, рассказали, что ночью по нему по-прежнему "
      "ездят грузовики, несмотря на ограничение по массе.",
      "Следующее заседание назначено на конец месяца."]),
    (700104, "en", (2025, 10, 6, 14, 5), 734, 0, None,
     "Court Hearing in the \"Courtyard Chat\" Case Adjourned for the Third Time",
     "The judge cited the absence of a witness for the prosecution.",
     ["A hearing in the synthetic \"courtyard chat\" case was adjourned again on Monday, "
      "the third postponement since August.",
      "Four residents of Lipovka are accused of organising a neighbourhood chat in which "
      "they discussed the repair of a playground & the price of heating.",
      "Relatives who came to the courthouse were not allowed into the hall."]),
    (700105, "ru", (2025, 10, 6, 20, 45), 10482, 27, None,
     "Суд над участниками «дворового чата» снова перенесли",
     "Судья сослался на неявку свидетеля обвинения.",
     ["Заседание по синтетическому делу «дворового чата» в понедельник снова отложили — уже в "
      "третий раз с августа.",
      "Четырех жителей Липовки обвиняют в создании чата, где соседи обсуждали ремонт "
      "детской площадки и цены на отопление.",
      "Родственников, пришедших к зданию суда, в зал не пустили.",
      "Адвокаты подали ходатайство об изменении меры пресечения."]),
    (700107, "en", (2025, 10, 7, 17, 5), 15156, 12, "https://www.youtube.com/embed/SYNTHETIC01",
     "Volunteers Map Every Pothole and Broken Lamp in Zarechensk's Old Town",
     "Their map, built over six weekends, lists 412 defects that the city had not recorded.",
     ["A group of volunteers in the fictional town of Zarechensk has published a map of the "
      "old town's potholes, broken street lamps and blocked drains.",
      "\"We simply walked every street with a phone,\" one of the organisers said.",
      "The city administration said it would \"study the map\" but gave no date for repairs.",
      "The volunteers plan to repeat the survey in spring and compare the two maps."]),
    (700108, "ru", (2025, 10, 7, 8, 3), 987, 2, None,
     "В Зареченске открыли библиотеку, которую строили девять лет",
     "Здание на Садовой улице обошлось городу втрое дороже, чем планировалось.",
     ["В вымышленном городе Зареченске в понедельник открыли новую городскую библиотеку.",
      "Строительство началось девять лет назад, подрядчик сменился дважды.",
      "Читатели жалуются, что в зале пока нет книг: фонд обещают перевезти к декабрю."]),
)

_PLACES = {"en": ("Zarechensk", "Lipovka", "Borovoye", "Kamenka", "Ozersk"),
           "ru": ("Зареченск", "Липовка", "Боровое", "Каменка", "Озерск")}
_TOPICS = {
    "en": ("council delays bridge repairs", "court adjourns hearing again",
           "heating tariffs rise for the second time", "library opens after nine years",
           "volunteers clean the river bank", "bus route cancelled without notice"),
    "ru": ("горсовет откладывает ремонт моста", "суд снова переносит заседание",
           "тарифы на отопление растут второй раз", "библиотеку открыли через девять лет",
           "волонтеры убрали берег реки", "автобусный маршрут отменили без объявления"),
}
_SENTENCES = {
    "en": ("Officials did not answer our questions by the time of publication.",
           "Residents say the problem has been known for years.",
           "The council's documents were published only after a request from deputies.",
           "Engineers warned about the state of the structure in a report last spring.",
           "The contractor has changed twice since the work began.",
           "Local activists plan to collect signatures under an appeal.",
           "A similar case was heard in a neighbouring district last year.",
           "The administration promised to return to the issue next month."),
    "ru": ("Чиновники не ответили на наши вопросы к моменту публикации.",
           "Жители говорят, что о проблеме известно уже много лет.",
           "Документы совета опубликовали только после запроса депутатов.",
           "Инженеры предупреждали о состоянии конструкции в отчете прошлой весной.",
           "С начала работ подрядчик сменился дважды.",
           "Местные активисты собираются собрать подписи под обращением.",
           "Похожее дело рассматривали в соседнем районе в прошлом году.",
           "Администрация пообещала вернуться к вопросу в следующем месяце."),
}


def paragraph_pool(lang: str, size: int = 300, seed: int = 0) -> list[str]:
    """Shared body paragraphs for generated articles (shared, so 100,000 articles fit in memory)."""
    rng = random.Random(f"{lang}:{seed}")
    return [" ".join(rng.sample(_SENTENCES[lang], rng.randint(2, 4))) for _ in range(size)]


def synthetic_text(rng: random.Random, article_id: int, lang: str) -> tuple[str, str, str]:
    """Headline, lead and an opening paragraph unique to one generated article."""
    place = rng.choice(_PLACES[lang])
    topic = rng.choice(_TOPICS[lang])
    if lang == "en":
        return (f"{place}: {topic} (report {article_id})",
                f"Synthetic report {article_id} from {place}.",
                f"This is synthetic article {article_id}, generated for load tests: in {place}, "
                f"{topic}.")
    return (f"{place}: {topic} (сообщение {article_id})",
            f"Синтетическое сообщение {article_id} из города {place}.",
            f"Это синтетическая статья {article_id} для нагрузочных тестов: {place} — {topic}.")
