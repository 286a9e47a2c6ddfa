"""Configuration: durations, validation messages, overrides, file discovery, secrets, docs."""

from __future__ import annotations

import re
from dataclasses import fields
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from changes import CoveragePolicy, EventKind, HealthPolicy, Policy, Schedule
from changes.settings import Setting, settings_of
from palimpsest.config import (
    CONFIG_FILE,
    DEFAULT_STORE,
    Config,
    ConfigError,
    Destination,
    SiteConfig,
    destination_name,
    from_dict,
    load,
    mask_url,
    parse_duration,
)
from palimpsest.settings import DESTINATION_SETTINGS, EVIDENCE_SETTINGS, SITE_SETTINGS, settings_table

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "palimpsest.example.toml"
README = ROOT / "README.md"
SITE = {"name": "charter97-en", "parser": "charter97", "start_urls": ["https://charter97.org/en/news/"]}


def site(**values: Any) -> dict[str, Any]:
    return {**SITE, **values}


# parse_duration ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("90s", timedelta(seconds=90)),
        ("15m", timedelta(minutes=15)),
        ("2h", timedelta(hours=2)),
        ("7d", timedelta(days=7)),
        ("1.5h", timedelta(minutes=90)),
        ("0s", timedelta(0)),
        ("0", timedelta(0)),
        ("45", timedelta(seconds=45)),
        (" 2h ", timedelta(hours=2)),
        ("2 h", timedelta(hours=2)),
        (30, timedelta(seconds=30)),
        (2.5, timedelta(seconds=2.5)),
        (0, timedelta(0)),
    ],
)
def test_parse_duration(value: str | float, expected: timedelta) -> None:
    assert parse_duration(value) == expected


@pytest.mark.parametrize("value", ["", "h", "2w", "-1h", "2 hours", "1e3", "2hm", "1,5h", "two hours", "2H", "h2"])
def test_parse_duration_errors(value: str) -> None:
    with pytest.raises(ConfigError, match=r"not a duration: .* \(use e\.g\. 90s, 15m, 2h, 7d\)"):
        parse_duration(value)


# from_dict: what a site entry becomes ------------------------------------------------------


def test_defaults() -> None:
    config = from_dict({"sites": [SITE]})
    [entry] = config.sites
    assert config.store_url == DEFAULT_STORE == "sqlite:///palimpsest.db"
    assert config.destinations == () and config.base_url is None and config.path is None
    assert entry.start_urls == ("https://charter97.org/en/news/",) and entry.feeds == ()
    assert entry.policy == Policy() == Policy(2, 3, timedelta(hours=2))
    assert entry.health == HealthPolicy()
    assert entry.schedule == Schedule(timedelta(minutes=15), timedelta(days=7), 0.25)
    assert (entry.listing_pages, entry.max_articles, entry.concurrency) == (2, 500, 8)
    # Each default is declared once: the dataclasses' are the schema's.
    assert SiteConfig("x", "generic", ()).lease == SITE_SETTINGS["lease"].default == timedelta(minutes=30)
    assert SITE_SETTINGS["recheck_min"].attr == "min_interval"
    assert SITE_SETTINGS["delete_min_age"].default is Policy().delete_min_age


def test_the_detection_thresholds_are_declared_by_their_dataclasses() -> None:
    """Policy, HealthPolicy and Schedule each field a setting; the config layer adds none of them twice."""
    for cls in (Policy, HealthPolicy, Schedule):
        declared = settings_of(cls)
        assert [s.attr for s in declared] == [f.name for f in fields(cls)], cls
        for s in declared:
            assert SITE_SETTINGS[s.name] == s
            assert getattr(cls(), s.attr) == s.default
    assert CoveragePolicy().drop == HealthPolicy().broken_share
    assert CoveragePolicy().min_pages == HealthPolicy().min_pages


RANGED = [
    (table, s)
    for table, settings in (("sites", SITE_SETTINGS), ("notify", DESTINATION_SETTINGS), ("evidence", EVIDENCE_SETTINGS))
    for s in settings.values()
    if s.low is not None or s.high is not None
]


def _entry(table: str, key: str, value: Any) -> dict[str, Any]:
    if table == "sites":
        # the two recheck bounds must also keep their order
        extra = (
            {"recheck_max": "99999d"} if key == "recheck_min" else {"recheck_min": "0s"} if key == "recheck_max" else {}
        )
        return {"sites": [site(**{key: value}, **extra)]}
    return {table: {key: value}} if table == "evidence" else {table: [{"url": "json://localhost/", key: value}]}


def _as_toml(s: Setting, number: float) -> Any:
    if s.kind is timedelta:
        return f"{number:g}s"
    return s.kind(number)


@pytest.mark.parametrize("s", [s for _t, s in RANGED], ids=[f"{t}.{s.name}" for t, s in RANGED])
def test_every_range_is_checked_at_load(s: Setting) -> None:
    table = next(t for t, r in RANGED if r is s)
    low_edge = s.low if s.low_ok else s.low + (1 if s.kind is int else 0.001)
    assert from_dict(_entry(table, s.name, _as_toml(s, low_edge)))  # the lowest allowed value loads
    below = s.low - 1 if s.low_ok else s.low
    if s.kind is timedelta and below < 0:  # a duration cannot even be written negative
        with pytest.raises(ConfigError, match=rf"`{s.name}`: not a duration"):
            from_dict(_entry(table, s.name, "-1s"))
    else:
        with pytest.raises(ConfigError, match=rf"`{s.name}` = .* is out of range \(must be >=? {s.low}"):
            from_dict(_entry(table, s.name, _as_toml(s, below)))
    if s.high is not None:
        assert from_dict(_entry(table, s.name, _as_toml(s, s.high)))
        with pytest.raises(ConfigError, match=rf"`{s.name}` = .* is out of range .*<= {s.high}"):
            from_dict(_entry(table, s.name, _as_toml(s, s.high + 1)))


def test_every_threshold_is_a_site_setting() -> None:
    """The brief: tests can set them to 1 and 0 s."""
    entry = from_dict(
        {
            "sites": [
                site(
                    edit_confirmations=1,
                    delete_confirmations=1,
                    delete_min_age="0s",
                    broken_share=1,
                    min_pages=1,
                    recheck_min="0s",
                    recheck_max="1h",
                    recheck_factor=1,
                    listing_pages=1,
                    max_articles=5,
                    concurrency=1,
                    delay=0,
                    timeout=5,
                    timezone="UTC",
                    feeds=["https://x/rss"],
                    user_agent="ua",
                )
            ]
        }
    ).sites[0]
    assert entry.policy == Policy(edit_confirmations=1, delete_confirmations=1, delete_min_age=timedelta(0))
    assert entry.health == HealthPolicy(broken_share=1.0, min_pages=1)
    assert entry.schedule == Schedule(min_interval=timedelta(0), max_interval=timedelta(hours=1), factor=1.0)
    assert isinstance(entry.health.broken_share, float) and isinstance(entry.delay, float)
    assert (entry.timezone, entry.feeds, entry.user_agent) == ("UTC", ("https://x/rss",), "ua")


def test_expectations_and_article_rule_reach_the_parser() -> None:
    entry = from_dict(
        {"sites": [site(parser="generic", expect=["headline", "body", "views"], article_urls=r"/story/\d+")]}
    ).sites[0]
    parser = entry.build_parser()
    assert (parser.expects, parser.article_urls.pattern) == (("headline", "body", "views"), r"/story/\d+")
    assert from_dict({"sites": [site(parser="generic")]}).sites[0].build_parser().expects == ("headline", "body")


def test_feeds_alone_are_enough() -> None:
    entry = from_dict({"sites": [{"name": "f", "parser": "generic", "feeds": ["https://x/rss"]}]}).sites[0]
    assert entry.start_urls == () and entry.feeds == ("https://x/rss",)


def test_base_url_loses_its_trailing_slash() -> None:
    assert from_dict({"base_url": "https://archive.example.org/"}).base_url == "https://archive.example.org"


ERRORS = [
    # (id, data, message fragments)
    ("unknown-top-level", {"sites": [SITE], "stores": "x"}, ["unknown top-level settings", "'stores'"]),
    (
        "unknown-site-setting",
        {"sites": [site(delay_ms=5)]},
        ["sites[0] (charter97-en)", "unknown settings ['delay_ms']", "known: name, parser, start_urls"],
    ),
    ("wrong-type-int", {"sites": [site(listing_pages="3")]}, ["`listing_pages` must be int, not '3'"]),
    ("wrong-type-list", {"sites": [site(start_urls="https://charter97.org/en/news/")]}, ["`start_urls` must be list"]),
    ("wrong-type-float", {"sites": [site(broken_share="half")]}, ["`broken_share` must be float"]),
    ("wrong-type-duration", {"sites": [site(delete_min_age=7200)]}, ["`delete_min_age` must be str"]),
    ("bad-duration", {"sites": [site(delete_min_age="2 hours")]}, ["not a duration: '2 hours'"]),
    (
        "missing-parser",
        {"sites": [{"name": "a", "start_urls": ["https://x/"]}]},
        ["sites[0] (a)", "`parser` is required"],
    ),
    (
        "missing-name",
        {"sites": [{"parser": "generic", "start_urls": ["https://x/"]}]},
        ["sites[0] (?)", "`name` is required"],
    ),
    (
        "unknown-parser",
        {"sites": [site(parser="charter98")]},
        ["site 'charter97-en'", "Parser not found: 'charter98'", "charter97", "generic"],
    ),
    ("no-urls", {"sites": [site(start_urls=[])]}, ["site 'charter97-en'", "give `start_urls`, `feeds` or `sitemaps`"]),
    (
        "unknown-expected-field",
        {"sites": [site(expect=["headline", "colour"])]},
        ["site 'charter97-en'", "`expect`", "unknown fields ['colour']", "views"],
    ),
    (
        "bad-article-pattern",
        {"sites": [site(article_urls="/news/(\\d+")]},
        ["site 'charter97-en'", "`article_urls`: bad regular expression", "missing )"],
    ),
    (
        "bad-css-selector",
        {"sites": [site(parser="selectors", selectors={"headline": "h1", "body": "div[p"})]},
        ["site 'charter97-en'", "selectors: `body`: bad CSS selector 'div[p'"],
    ),
    (
        "bad-xpath-selector",
        {"sites": [site(parser="selectors", selectors={"headline": "//h1[", "body": "p"})]},
        ["selectors: `headline`: bad XPath selector '//h1['"],
    ),
    (
        "selectors-without-body",
        {"sites": [site(parser="selectors", selectors={"headline": "h1"})]},
        ["selectors: `body` is required"],
    ),
    (
        "selectors-unknown-key",
        {"sites": [site(parser="selectors", selectors={"headline": "h1", "body": "p", "colour": "x"})]},
        ["selectors: unknown keys ['colour']"],
    ),
    (
        "selectors-bad-format",
        {"sites": [site(parser="selectors", selectors={"headline": "h1", "body": "p", "published_format": "DD.MM"})]},
        ["`published_format` must be a strptime format"],
    ),
    (
        "selector-parser-needs-selectors",
        {"sites": [site(parser="selectors")]},
        ['`selectors` goes with `parser = "selectors"`'],
    ),
    (
        "selectors-need-the-selector-parser",
        {"sites": [site(selectors={"headline": "h1", "body": "p"})]},
        ['`selectors` goes with `parser = "selectors"`'],
    ),
    (
        "unknown-timezone",
        {"sites": [site(timezone="Europe/Atlantis")]},
        ["site 'charter97-en'", "`timezone`: unknown time zone 'Europe/Atlantis'"],
    ),
    (
        "duplicate-site-names",
        {"sites": [SITE, site(start_urls=["https://charter97.org/ru/news/"])]},
        ["site names must be unique", "charter97-en"],
    ),
    (
        "second-site-is-named",
        {"sites": [SITE, {"name": "b", "parser": "generic", "start_urls": ["x"], "x": 1}]},
        ["sites[1] (b)", "['x']"],
    ),
    ("notify-missing-url", {"notify": [{"name": "desk"}]}, ["notify[0]", "`url` is required"]),
    (
        "notify-unknown-setting",
        {"notify": [{"name": "n", "url": "json://localhost/", "to": "me"}]},
        ["notify[0]", "unknown settings ['to']"],
    ),
    (
        "notify-unknown-event",
        {"notify": [{"name": "n", "url": "json://localhost/", "events": ["edited", "changed"]}]},
        ["notify[0]", "unknown event kinds ['changed']", "deleted"],
    ),
    (
        "notify-bad-format",
        {"notify": [{"name": "n", "url": "json://localhost/", "format": "rtf"}]},
        ["format must be text, markdown or html"],
    ),
    (
        "notify-events-not-a-list",
        {"notify": [{"name": "n", "url": "json://localhost/", "events": "edited"}]},
        ["`events` must be list"],
    ),
    (
        "notify-second-entry",
        {"notify": [{"name": "a", "url": "json://a/"}, {"name": "b"}]},
        ["notify[1]", "`url` is required"],
    ),
]


@pytest.mark.parametrize(("data", "fragments"), [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS])
def test_config_errors(data: dict[str, Any], fragments: list[str]) -> None:
    with pytest.raises(ConfigError) as caught:
        from_dict(data)
    for fragment in fragments:
        assert fragment in str(caught.value)


def test_config_error_does_not_show_the_secret_url() -> None:
    url = "mailtos://user:s3cret-pass@gmail.com"
    with pytest.raises(ConfigError) as caught:
        from_dict({"notify": [{"name": "desk", "url": url, "events": ["nope"]}]})
    assert "s3cret" not in str(caught.value)


def test_site_lookup() -> None:
    config = from_dict({"sites": [SITE, site(name="charter97-ru")]})
    assert config.site("charter97-ru").name == "charter97-ru"
    with pytest.raises(ConfigError, match=r"Site not found: 'x' \(configured: charter97-en, charter97-ru\)"):
        config.site("x")


# Environment overrides --------------------------------------------------------------------


def test_palimpsest_db_overrides_the_file() -> None:
    data = {"store": "sqlite:///from-file.db"}
    assert from_dict(data).store_url == "sqlite:///from-file.db"
    assert from_dict(data, environ={}).store_url == "sqlite:///from-file.db"
    assert from_dict(data, environ={"PALIMPSEST_DB": ""}).store_url == "sqlite:///from-file.db"
    pg = "postgresql+psycopg://palimpsest@db/palimpsest"
    assert from_dict(data, environ={"PALIMPSEST_DB": pg}).store_url == pg
    assert from_dict({}, environ={"PALIMPSEST_DB": pg}).store_url == pg


def test_unnamed_destination_gets_a_stable_name() -> None:
    url = "json://localhost:8080/hook"
    [destination] = from_dict({"notify": [{"url": url}]}).destinations
    assert destination.name == destination_name(url)


def test_palimpsest_notify_adds_destinations() -> None:
    data = {"notify": [{"name": "desk", "url": "mailtos://u:p@example.org", "events": ["deleted"]}]}
    urls = ["json://localhost:8080/hook", "tgram://123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/12345"]
    config = from_dict(data, environ={"PALIMPSEST_NOTIFY": f"  {urls[0]}\n {urls[1]} "})
    assert [d.name for d in config.destinations] == ["desk", destination_name(urls[0]), destination_name(urls[1])]
    default_events = set(DESTINATION_SETTINGS["events"].default)
    for destination, url in zip(config.destinations[1:], urls, strict=True):
        assert destination.url == url
        assert destination.events == default_events
        assert destination.sites == frozenset()
    assert from_dict(data, environ={"PALIMPSEST_NOTIFY": " "}).destinations == from_dict(data).destinations


def test_destination_names_are_stable_and_secret_free() -> None:
    url = "tgram://bottoken/12345"
    name = destination_name(url)
    assert name == destination_name(url) and re.fullmatch(r"tgram-[0-9a-f]{8}", name)
    assert "bottoken" not in name
    assert destination_name("json://a/") != destination_name("json://b/")


def test_default_events_exclude_new_and_recovered() -> None:
    default = set(DESTINATION_SETTINGS["events"].default)
    assert default == {
        "edited",
        "reverted",
        "deleted",
        "restored",
        "mass_deletion",
        "parser_broken",
        "site_unreachable",
    }
    assert default <= {k.value for k in EventKind}


# load(): where the file comes from ---------------------------------------------------------

TOML = """
store = "sqlite:///here.db"
[[sites]]
name = "local"
parser = "generic"
start_urls = ["http://127.0.0.1:8000/"]
"""


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PALIMPSEST_CONFIG", raising=False)
    return tmp_path


def test_load_without_any_file(workdir: Path) -> None:
    config = load(environ={})
    assert config.path is None and config.sites == () and config.store_url == DEFAULT_STORE


def test_load_finds_the_file_in_the_working_directory(workdir: Path) -> None:
    (workdir / CONFIG_FILE).write_text(TOML, encoding="utf-8")
    config = load(environ={})
    assert config.path == Path("palimpsest.toml")
    assert config.store_url == "sqlite:///here.db" and [s.name for s in config.sites] == ["local"]
    assert load(environ={"PALIMPSEST_DB": "sqlite:///env.db"}).store_url == "sqlite:///env.db"


def test_explicit_path_wins(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (workdir / CONFIG_FILE).write_text('store = "sqlite:///cwd.db"\n', encoding="utf-8")
    other = workdir / "elsewhere.toml"
    other.write_text('store = "sqlite:///explicit.db"\n', encoding="utf-8")
    by_env = workdir / "env.toml"
    by_env.write_text('store = "sqlite:///env.db"\n', encoding="utf-8")
    assert load(str(other), environ={}).store_url == "sqlite:///explicit.db"
    env = {"PALIMPSEST_CONFIG": str(by_env)}  # environ= is the whole environment
    assert load(environ=env).store_url == "sqlite:///env.db"
    assert load(environ=env).path == by_env
    assert load(str(other), environ=env).store_url == "sqlite:///explicit.db"
    monkeypatch.setenv("PALIMPSEST_CONFIG", str(by_env))
    assert load().store_url == "sqlite:///env.db"


def test_missing_explicit_path_is_an_error(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (workdir / CONFIG_FILE).write_text(TOML, encoding="utf-8")  # not silently used instead
    with pytest.raises(ConfigError, match="config file not found: .*nowhere.toml"):
        load(str(workdir / "nowhere.toml"), environ={})
    with pytest.raises(ConfigError, match="config file not found: .*gone.toml"):
        load(environ={"PALIMPSEST_CONFIG": str(workdir / "gone.toml")})


def test_bad_toml_names_the_file(workdir: Path) -> None:
    (workdir / CONFIG_FILE).write_text("store = \n[[sites]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"^palimpsest\.toml: "):
        load(environ={})


def test_the_example_config_loads() -> None:
    config = load(str(EXAMPLE), environ={})
    assert [s.name for s in config.sites] == ["charter97-en", "charter97-ru"]
    assert {s.parser for s in config.sites} == {"charter97"}
    assert all(s.timezone == "Europe/Minsk" for s in config.sites)
    assert config.site("charter97-ru").feeds == ("https://charter97.org/ru/rss/all/",)
    assert config.store_url == DEFAULT_STORE and config.destinations == ()


# Secrets ----------------------------------------------------------------------------------

MASKED = [
    # (url, secrets that must not show, case-insensitively)
    ("mailto://user:secret@gmail.com", ["user", "secret"]),
    ("mailtos://user:app-password@gmail.com?to=desk@example.org", ["user", "app-password", "desk"]),
    ("json://user:pass@host/path", ["user", "pass", "path"]),
    ("json://localhost:8080/hook?token=abc123", ["hook", "abc123"]),
    ("tgram://123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/-100123456", ["AAHdqTcv", "100123456"]),
    ("matrixs://bot:hunter22@matrix.example.org/!room:example.org", ["bot", "hunter22", "room"]),
    pytest.param("tgram://bottoken/chatid", ["bottoken", "chatid"]),
    pytest.param(
        "slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ/#general",
        ["T1JJ3T3L2", "A1BRTD4JD", "TIiajkdnlazkcOXrIdevi7FQ", "general"],
    ),
    pytest.param("pover://uQiRzpo4DXghDmr9QzzfQu27cmVRsG@azGDORePK8gMaC0QOYAMyEEuzJnyUi", ["uQiRzpo4", "azGDORePK8"]),
]


@pytest.mark.parametrize(("url", "secrets"), MASKED)
def test_mask_url_hides_secrets(url: str, secrets: list[str]) -> None:
    masked = mask_url(url)
    assert masked.startswith(url.split("://")[0] + "://")
    for secret in secrets:
        assert secret.lower() not in masked.lower(), masked


def test_mask_url_keeps_the_server_name() -> None:
    assert mask_url("mailtos://user:pw@smtp.example.org:587") == "mailtos://***@smtp.example.org"
    assert mask_url("json://127.0.0.1:8080/") == "json://127.0.0.1"


def test_destination_never_shows_its_url() -> None:
    url = "mailtos://user:s3cret@gmail.com?to=desk@example.org"
    destination = Destination(name="desk", url=url, events=frozenset({"edited"}))
    config = Config(store_url=DEFAULT_STORE, sites=(), destinations=(destination,))
    for text in (repr(destination), str(destination), repr(config)):
        assert "s3cret" not in text and "desk@example.org" not in text
    assert destination.masked == mask_url(url)
    assert "s3cret" not in destination.masked


# Routing ----------------------------------------------------------------------------------


def test_route_honours_events_and_sites() -> None:
    config = from_dict(
        {
            "sites": [SITE, site(name="charter97-ru")],
            "notify": [
                {"name": "all", "url": "json://localhost/all"},  # the default events
                {
                    "name": "ru-deletions",
                    "url": "json://localhost/ru",
                    "events": ["deleted"],
                    "sites": ["charter97-ru"],
                },
                {"name": "ops", "url": "json://localhost/ops", "events": ["parser_broken", "site_unreachable"]},
                {"name": "firehose", "url": "json://localhost/fh", "events": [k.value for k in EventKind]},
            ],
        }
    )
    assert config.route("charter97-ru", "deleted") == ["all", "ru-deletions", "firehose"]
    assert config.route("charter97-en", "deleted") == ["all", "firehose"]
    assert config.route("charter97-en", "new") == ["firehose"]
    assert config.route("charter97-en", "parser_broken") == ["all", "ops", "firehose"]
    assert config.route("charter97-en", "site_recovered") == ["firehose"]
    assert config.destination("ops").events == {"parser_broken", "site_unreachable"}
    assert config.destination("nope") is None
    assert not config.destination("ru-deletions").wants("charter97-en", "deleted")


# Docs enforced by tests: every setting is in README's settings tables ----------------------


def _readme_tables() -> list[dict[str, str]]:
    """The ``### Settings`` section's tables: setting name -> default cell."""
    section = README.read_text(encoding="utf-8").split("### Settings", 1)[1].split("\n## ", 1)[0]
    tables: list[dict[str, str]] = []
    rows: dict[str, str] | None = None
    for line in section.splitlines():
        match = re.match(r"^\| `([a-z_]+)` \| (.*?) \| (.*) \|$", line)
        if match:
            if rows is None:
                rows = {}
                tables.append(rows)
            rows[match[1]] = match[2]
        elif not line.startswith("|"):
            rows = None
    return tables


def test_every_setting_is_documented_in_the_readme() -> None:
    sites, destinations, evidence = _readme_tables()
    assert list(sites) == list(SITE_SETTINGS)
    assert list(destinations) == list(DESTINATION_SETTINGS)
    assert list(evidence) == list(EVIDENCE_SETTINGS)


@pytest.mark.parametrize(
    "settings", [SITE_SETTINGS, DESTINATION_SETTINGS, EVIDENCE_SETTINGS], ids=["sites", "notify", "evidence"]
)
def test_readme_tables_are_the_schema(settings: dict[str, Setting]) -> None:
    """Names, defaults and meanings: the README's tables are generated from the schema."""
    table = settings_table(settings)
    assert table in README.read_text(encoding="utf-8"), (
        "README.md's settings table differs from the schema in palimpsest/settings.py; paste this one:\n" + table
    )


def test_readme_defaults_match_the_code() -> None:
    documented = _readme_tables()[0]
    assert documented["delete_min_age"] == "`2h`" and documented["broken_share"] == "0.5"
    assert documented["robots"] == "true" and documented["name"] == "required"


def test_evidence_settings_are_relative_to_the_config_file(tmp_path: Path) -> None:
    path = tmp_path / "conf" / "palimpsest.toml"
    path.parent.mkdir()
    path.write_text('[evidence]\nkey = "secret/k.pem"\ntsa = ["https://tsa.example/tsr"]\ntsa_certs = ["ca.pem"]\n')
    evidence = load(str(path), environ={}).evidence
    assert evidence.key_path == tmp_path / "conf" / "secret" / "k.pem"
    assert evidence.heads_file == tmp_path / "conf" / "palimpsest-heads.jsonl"
    assert evidence.tsa_urls == ("https://tsa.example/tsr",)
    assert evidence.tsa_certs == (tmp_path / "conf" / "ca.pem",)
    beside_store = from_dict({"store": f"sqlite:///{tmp_path}/s.db"}, environ={}).evidence
    assert beside_store.key_path == tmp_path / "palimpsest.key"


@pytest.mark.parametrize(
    ("evidence", "message"),
    [
        ({"keys": "x"}, "unknown settings"),
        ({"tsa": ["ftp://tsa.example"]}, "not an http"),
        ({"tsa_timeout": "soon"}, "must be float"),
    ],
)
def test_evidence_setting_errors(evidence: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        from_dict({"evidence": evidence}, environ={})
