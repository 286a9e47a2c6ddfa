"""The local site's articles: the six invented defaults and generated ones, all synthetic."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

SITE_TZ = timezone(timedelta(hours=3), "Europe/Minsk")
"""The site prints naive local times; Minsk is UTC+3 all year."""


@dataclass(slots=True)
class SiteArticle:
    """One article of the local site; ``date`` is the site's naive local time.

    ``{id}`` in ``image`` is replaced by the id. ``path`` is minted from the date the
    article was first published (``url_date``), so back-dating keeps its URL, as on a
    real site; the site routes by id anyway.
    """

    id: int
    lang: str
    date: datetime
    headline: str
    lead: str
    body: list[str]
    views: int = 0
    comments: int = 0
    image: str | None = "/images/{id}.jpg"
    video: str | None = None
    url_date: datetime | None = None
    """The date in the URL; defaults to ``date`` and does not follow later edits."""
    lastmod: datetime | None = None
    """When the content last changed (aware), for the sitemaps; defaults to ``date``,
    and :meth:`LocalSite.edit` sets it to the time of the edit."""

    def __post_init__(self) -> None:
        if self.url_date is None:
            self.url_date = self.date
        if self.lastmod is None:
            self.lastmod = self.date.replace(tzinfo=SITE_TZ)
        if self.image and "{id}" in self.image:
            self.image = self.image.replace("{id}", str(self.id))

    @property
    def path(self) -> str:
        d = self.url_date
        return f"/{self.lang}/news/{d.year}/{d.month}/{d.day}/{self.id}/"

    def content_key(self) -> tuple:
        """What the cached page depends on (everything but the volatile counters)."""
        return (self.id, self.lang, self.date, self.headline, self.lead, tuple(self.body), self.image, self.video)


def default_articles() -> list[SiteArticle]:
    """Six invented articles, three English and three Russian, for tests and the demo."""
    return [
        SiteArticle(
            id=aid,
            lang=lang,
            date=datetime(*when),
            headline=headline,
            lead=lead,
            body=list(body),
            views=views,
            comments=comments,
            video=video,
        )
        for aid, lang, when, views, comments, video, headline, lead, body in DEFAULT_ARTICLES
    ]


def make_articles(n: int, *, seed: int = 0) -> list[SiteArticle]:
    """``n`` generated articles, ids and dates increasing together; deterministic per seed.

    Body paragraphs come from a shared pool (plus one unique opening paragraph), so that
    100,000 articles take tens of MB, not hundreds.
    """
    rng = random.Random(seed)
    pools = {lang: paragraph_pool(lang, seed=seed) for lang in ("en", "ru")}
    newest = datetime(2025, 10, 7, 18, 0)
    offsets = [rng.randint(1, 40) for _ in range(n)]
    date = newest - timedelta(minutes=sum(offsets))
    articles = []
    for i in range(n):
        date += timedelta(minutes=offsets[i])
        article_id = 800000 + i
        lang = "en" if rng.random() < 0.35 else "ru"
        headline, lead, opening = synthetic_text(rng, article_id, lang)
        body = [opening, *rng.sample(pools[lang], rng.randint(2, 5))]
        articles.append(
            SiteArticle(
                id=article_id,
                lang=lang,
                date=date,
                headline=headline,
                lead=lead,
                body=body,
                views=int(rng.lognormvariate(7, 1.3)),
                comments=0 if rng.random() < 0.3 else rng.randint(1, 60),
                video=f"https://www.youtube.com/embed/SYN{article_id}" if rng.random() < 0.1 else None,
            )
        )
    return articles


# --- synthetic text ----------------------------------------------------------------

DEFAULT_ARTICLES = (
    # id, lang, date, views, comments, video, headline, lead, body
    (
        700101,
        "en",
        (2025, 10, 6, 9, 40),
        2422,
        1,
        None,
        "City Council of Zarechensk Postpones Vote on Riverside Bridge Repairs",
        "Deputies said the estimate for the 60-year-old bridge had doubled since spring.",
        [
            "The city council of Zarechensk, a fictional town used in this synthetic article, "
            "postponed its vote on repairs to the Riverside bridge on Monday.",
            "According to the council's own documents, the estimate grew from 1.2 to 2.5 million "
            "roubles after engineers found cracks in two of the five spans.",
            "Residents who cross the bridge every day told us that heavy lorries still use it at "
            "night, despite a weight limit introduced last year.",
            "The next session is scheduled for the end of the month.",
        ],
    ),
    (
        700102,
        "ru",
        (2025, 10, 6, 11, 20),
        3310,
        4,
        None,
        "Горсовет Зареченска отложил голосование о ремонте моста через реку",
        "Депутаты сообщили, что смета на ремонт моста выросла вдвое с весны.",
        [
            "Городской совет Зареченска — вымышленного города из этой синтетической статьи — в "
            "понедельник отложил голосование о ремонте Речного моста.",
            "Согласно документам совета, смета выросла с 1,2 до 2,5 миллиона рублей после того, как "
            "инженеры нашли трещины в двух из пяти пролетов.",
            "Жители, которые каждый день ходят по мосту, рассказали, что ночью по нему по-прежнему "
            "ездят грузовики, несмотря на ограничение по массе.",
            "Следующее заседание назначено на конец месяца.",
        ],
    ),
    (
        700104,
        "en",
        (2025, 10, 6, 14, 5),
        734,
        0,
        None,
        'Court Hearing in the "Courtyard Chat" Case Adjourned for the Third Time',
        "The judge cited the absence of a witness for the prosecution.",
        [
            'A hearing in the synthetic "courtyard chat" case was adjourned again on Monday, '
            "the third postponement since August.",
            "Four residents of Lipovka are accused of organising a neighbourhood chat in which "
            "they discussed the repair of a playground & the price of heating.",
            "Relatives who came to the courthouse were not allowed into the hall.",
        ],
    ),
    (
        700105,
        "ru",
        (2025, 10, 6, 20, 45),
        10482,
        27,
        None,
        "Суд над участниками «дворового чата» снова перенесли",
        "Судья сослался на неявку свидетеля обвинения.",
        [
            "Заседание по синтетическому делу «дворового чата» в понедельник снова отложили — уже в "
            "третий раз с августа.",
            "Четырех жителей Липовки обвиняют в создании чата, где соседи обсуждали ремонт "
            "детской площадки и цены на отопление.",
            "Родственников, пришедших к зданию суда, в зал не пустили.",
            "Адвокаты подали ходатайство об изменении меры пресечения.",
        ],
    ),
    (
        700107,
        "en",
        (2025, 10, 7, 17, 5),
        15156,
        12,
        "https://www.youtube.com/embed/SYNTHETIC01",
        "Volunteers Map Every Pothole and Broken Lamp in Zarechensk's Old Town",
        "Their map, built over six weekends, lists 412 defects that the city had not recorded.",
        [
            "A group of volunteers in the fictional town of Zarechensk has published a map of the "
            "old town's potholes, broken street lamps and blocked drains.",
            '"We simply walked every street with a phone," one of the organisers said.',
            'The city administration said it would "study the map" but gave no date for repairs.',
            "The volunteers plan to repeat the survey in spring and compare the two maps.",
        ],
    ),
    (
        700108,
        "ru",
        (2025, 10, 7, 8, 3),
        987,
        2,
        None,
        "В Зареченске открыли библиотеку, которую строили девять лет",
        "Здание на Садовой улице обошлось городу втрое дороже, чем планировалось.",
        [
            "В вымышленном городе Зареченске в понедельник открыли новую городскую библиотеку.",
            "Строительство началось девять лет назад, подрядчик сменился дважды.",
            "Читатели жалуются, что в зале пока нет книг: фонд обещают перевезти к декабрю.",
        ],
    ),
)

_PLACES = {
    "en": ("Zarechensk", "Lipovka", "Borovoye", "Kamenka", "Ozersk"),
    "ru": ("Зареченск", "Липовка", "Боровое", "Каменка", "Озерск"),
}
_TOPICS = {
    "en": (
        "council delays bridge repairs",
        "court adjourns hearing again",
        "heating tariffs rise for the second time",
        "library opens after nine years",
        "volunteers clean the river bank",
        "bus route cancelled without notice",
    ),
    "ru": (
        "горсовет откладывает ремонт моста",
        "суд снова переносит заседание",
        "тарифы на отопление растут второй раз",
        "библиотеку открыли через девять лет",
        "волонтеры убрали берег реки",
        "автобусный маршрут отменили без объявления",
    ),
}
_SENTENCES = {
    "en": (
        "Officials did not answer our questions by the time of publication.",
        "Residents say the problem has been known for years.",
        "The council's documents were published only after a request from deputies.",
        "Engineers warned about the state of the structure in a report last spring.",
        "The contractor has changed twice since the work began.",
        "Local activists plan to collect signatures under an appeal.",
        "A similar case was heard in a neighbouring district last year.",
        "The administration promised to return to the issue next month.",
    ),
    "ru": (
        "Чиновники не ответили на наши вопросы к моменту публикации.",
        "Жители говорят, что о проблеме известно уже много лет.",
        "Документы совета опубликовали только после запроса депутатов.",
        "Инженеры предупреждали о состоянии конструкции в отчете прошлой весной.",
        "С начала работ подрядчик сменился дважды.",
        "Местные активисты собираются собрать подписи под обращением.",
        "Похожее дело рассматривали в соседнем районе в прошлом году.",
        "Администрация пообещала вернуться к вопросу в следующем месяце.",
    ),
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
        return (
            f"{place}: {topic} (report {article_id})",
            f"Synthetic report {article_id} from {place}.",
            f"This is synthetic article {article_id}, generated for load tests: in {place}, {topic}.",
        )
    return (
        f"{place}: {topic} (сообщение {article_id})",
        f"Синтетическое сообщение {article_id} из города {place}.",
        f"Это синтетическая статья {article_id} для нагрузочных тестов: {place} — {topic}.",
    )
