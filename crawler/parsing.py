"""Small pure helpers shared by site parsers: whitespace, counters, printed dates."""

from __future__ import annotations

import logging
import re
from datetime import datetime
from typing import TYPE_CHECKING

from lxml import etree
from parsel import Selector

if TYPE_CHECKING:
    from datetime import tzinfo

    from crawler.page import Page

logger = logging.getLogger(__name__)

# Every kind of space a CMS may print between words or thousands (nbsp, thin, narrow, ...).
_SPACES = re.compile(r"[\s\u00a0\u2000-\u200b\u202f\u205f\u3000\ufeff]+")
# Control characters a page may carry (a stray \x01, an escape sequence's ESC): never text.
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f]")

# A number with separators, then an optional magnitude word ("2.4K", "1,2 тыс.", "3 млн").
# The lookahead stops "к" from matching the start of a word such as "комментариев".
_COUNT = re.compile(
    r"(?<![\d.,])(\d(?:[\d,.']| (?=\d))*)"
    r"(?:\s*(k|к|тыс\.?|тысяч[аи]?|thousand|m|м|млн\.?|mln|million|b|млрд\.?|billion)"
    r"(?![^\W\d_]))?",
    re.IGNORECASE,
)
_MULTIPLIERS = {"k": 1_000, "т": 1_000, "m": 1_000_000, "b": 1_000_000_000}
_GROUPED = re.compile(r"\d{1,3}(?P<sep>[ ,.'])\d{3}(?:(?P=sep)\d{3})*")
_NEGATIVE = re.compile(r"(?:^|[^\w-])[-\u2212]\s?$")
_MAX_DIGITS = 15  # no real counter is longer; also keeps int() clear of its digit limit

# "7.10.2025, 17:05": day and hour may be unpadded, the comma may be missing.
DATE_TIME = re.compile(r"(?<!\d)(\d{1,2})\.(\d{1,2})\.(\d{4}),?\s*(\d{1,2}):(\d{2})(?!\d)")


def has_class(*names: str) -> str:
    """An XPath 1.0 test that the element's class list holds every one of ``names``.

    What parsel's ``has-class()`` asks, but evaluated inside libxml2: ``has-class`` calls
    back into Python for every node an expression visits, which was a fifth of parsing.
    """
    return " and ".join(f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')" for name in names)


def collapse(text: str | None) -> str:
    """Collapse every run of whitespace (nbsp and friends included) to one space, drop
    control characters; strip."""
    if not text:
        return ""
    return _SPACES.sub(" ", _CONTROLS.sub("", text)).strip()


def parse_count(text: str | None) -> int | None:
    """Read a counter such as ``"2 422"``, ``"2,422"``, ``"2.4K"`` or ``"1,2 тыс."``.

    Returns None when no sensible count can be read; never raises.
    """
    if not text:
        return None
    match = _COUNT.search(collapse(text))
    if not match:
        return None
    number = match.group(1).strip(" ,.'")
    suffix = (match.group(2) or "").lower()
    if sum(ch.isdigit() for ch in number) > _MAX_DIGITS:
        return None
    # A minus sign right before the digits, not after a letter or digit ("co-2", "2-3"):
    # a page printing "-5" means something odd, which the caller records as suspect.
    sign = -1 if _NEGATIVE.search(collapse(text)[: match.start(1)]) else 1
    if suffix:
        scaled = _scaled(number, _MULTIPLIERS.get(_suffix_key(suffix), 1))
        return None if scaled is None else sign * scaled
    if number.isdigit():
        return sign * int(number)
    if _GROUPED.fullmatch(number):
        return sign * int(re.sub(r"\D", "", number))
    return None  # "1,2" without a magnitude word is ambiguous


def _suffix_key(suffix: str) -> str:
    if suffix.startswith(("к", "т", "k", "th")):
        return "k"
    if suffix.startswith(("млр", "b")):
        return "b"
    return "m"


def _scaled(number: str, multiplier: int) -> int | None:
    """'2.4' * 1000 -> 2400; the last separator is the decimal mark, others group digits."""
    number = number.replace(" ", "").replace("'", "")
    marks = [i for i, ch in enumerate(number) if ch in ",."]
    if marks:
        last = marks[-1]
        whole = re.sub(r"\D", "", number[:last])
        number = f"{whole}.{number[last + 1 :]}"
    try:
        return round(float(number) * multiplier)
    except (ValueError, OverflowError):
        return None


def parse_datetime(text: str | None, tz: tzinfo) -> tuple[datetime | None, str | None]:
    """Find ``D.MM.YYYY, HH:MM`` in ``text``; return (aware datetime in ``tz``, raw match).

    The raw string is returned even when the values are impossible (e.g. 31.02), so
    the reviewer sees what the page printed.
    """
    if not text:
        return None, None
    match = DATE_TIME.search(text)
    if not match:
        return None, None
    raw = collapse(match.group(0))
    day, month, year, hour, minute = (int(g) for g in match.groups())
    try:
        return datetime(year, month, day, hour, minute, tzinfo=tz), raw
    except ValueError:
        logger.debug("impossible date %r", raw)
        return None, raw


_LETTERS = re.compile(r"[^\W\d_]+")
# Month names as Russian dates print them ("7 октября 2025"), in calendar order.
RUSSIAN_MONTHS = (
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
)

# Words of counters, date lines and share buttons: a short line made only of these (and
# digits) is page furniture, never a paragraph. English, Russian, Belarusian.
NOISE_WORDS = frozenset(
    [
        "views",
        "view",
        "viewed",
        "reads",
        "read",
        "comments",
        "comment",
        "replies",
        "likes",
        "like",
        "shares",
        "share",
        "shared",
        "tweet",
        "print",
        "email",
        "mail",
        "copy",
        "link",
        "whatsapp",
        "telegram",
        "facebook",
        "twitter",
        "x",
        "vk",
        "vkontakte",
        "ok",
        "viber",
        "linkedin",
        "reddit",
        "pinterest",
        "on",
        "via",
        "subscribe",
        "follow",
        "us",
        "updated",
        "published",
        "posted",
        "modified",
        "at",
        "am",
        "pm",
        "min",
        "mins",
        "minute",
        "minutes",
        "hour",
        "hours",
        "ago",
        "yesterday",
        "today",
        "gmt",
        "utc",
        "msk",
        "jan",
        "feb",
        "mar",
        "apr",
        "may",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "january",
        "february",
        "march",
        "april",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        "просмотр",
        "просмотры",
        "просмотров",
        "просмотра",
        "коммент",
        "комментарий",
        "комментарии",
        "комментариев",
        "поделиться",
        "печать",
        "обновлено",
        "опубликовано",
        "мин",
        "минут",
        "минуты",
        "час",
        "часа",
        "часов",
        "назад",
        "вчера",
        "сегодня",
        "в",
        *RUSSIAN_MONTHS,
        "праглядаў",
        "праглядаў",
        "каментар",
        "каментары",
        "каментараў",
        "падзяліцца",
        "абноўлена",
        "студзеня",
        "лютага",
        "сакавіка",
        "красавіка",
        "траўня",
        "чэрвеня",
        "ліпеня",
        "жніўня",
        "верасня",
        "кастрычніка",
        "лістапада",
        "снежня",
    ]
)
_MAX_NOISE_WORDS = 4


def is_noise_line(text: str) -> bool:
    """True for a line that is a counter, a date or time line or a row of share buttons.

    ``"12"``, ``"- 4.03.2025, 17:05"``, ``"- 15 156"``, ``"2,422 views"``, ``"Share"``:
    volatile or furniture, so in a body they would make a new version on every tick.
    """
    words = _LETTERS.findall(text.casefold())
    return len(words) <= _MAX_NOISE_WORDS and all(w in NOISE_WORDS for w in words)


def element_text(node: object) -> str:
    """Text of an lxml element (or parsel Selector), ``<br>`` read as a space, scripts skipped.

    ``string()`` would glue the lines around a ``<br>`` into one word. Iterative, so a
    deeply nested page cannot hit the recursion limit.
    """
    root = getattr(node, "root", node)
    if isinstance(root, str):
        return collapse(root)
    out: list[str] = []
    walker = etree.iterwalk(root, events=("start", "end"))
    for event, el in walker:
        tag = el.tag
        if event == "start":
            if not isinstance(tag, str) or tag in _SKIP_TAGS:
                walker.skip_subtree()  # comments, processing instructions, scripts
            else:
                out.append(" " if tag == "br" else "")
                out.append(el.text or "")
        elif el is not root:
            out.append(el.tail or "")
    return collapse("".join(out))


_SKIP_TAGS = frozenset({"script", "style", "noscript", "template"})


def html_selector(page: Page) -> Selector:
    """``page.selector``, forced to HTML.

    parsel sniffs the text and returns a JSON selector for a body that parses as JSON
    (an API error, a bot wall), on which ``.css()``/``.xpath()`` raise ValueError.
    """
    selector = page.selector
    if selector.type == "html":
        return selector
    return Selector(text=page.text, type="html", base_url=page.url)
