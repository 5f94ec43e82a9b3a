"""Which pages of a site to visit: pure, table-driven tests of ``scanner.crawl``.

The ground truth for the ``www.kruimelstad.nl`` crawl fixture (``EXPECTED_*``) was
written by hand from the fixture's pages before the selection was implemented.
The fixture's link graph is read from its HTML files on disk and its sitemaps are
parsed from disk, so these tests need neither a browser nor a server.
"""

from __future__ import annotations

import html.parser
import json
import os
import random
import subprocess
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from scanner.crawl import (
    Coverage,
    SiteScope,
    choose_pages,
    next_to_visit,
    normalise_url,
    plan,
    url_template,
)
from scanner.domains import Domains
from scanner.fetch import parse_sitemap
from scanner.models import Site
from scanner.testweb import HOSTS_DIR

K = "https://www.kruimelstad.nl"
DIGITAAL = "https://www.kruimelstad-digitaal.nl/"
KRUIMELSTAD = Site(name="Kruimelstad", url=f"{K}/", extra_domains=("kruimelstad-digitaal.nl",))
FIRST_ARTICLE = f"{K}/nieuws/2026/01/gladheidsbestrijding-op-fietspaden/"
"""The news article that sorts first by URL: the one representative of its template."""

# --- Ground truth for the fixture, written before the implementation. -------------------
# Order of priorities: forms/e-services (two per round), news, search, privacy, others;
# round-robin across them; one page per URL template; shallower, then https, then URL.

EXPECTED_MAX_6 = [
    f"{K}/",
    f"{K}/contact/",
    f"{K}/loket/",
    f"{K}/nieuws/",
    f"{K}/zoeken/",
    f"{K}/privacyverklaring/",
]
"""Final pages for ``max_pages=6``: home plus the first round of every priority but 'others'."""

EXPECTED_FIRST_PLAN_MAX_10 = [
    f"{K}/",
    f"{K}/contact/",
    f"{K}/loket/",
    f"{K}/nieuws/",
    f"{K}/zoeken/",
    f"{K}/privacyverklaring/",
    DIGITAAL,
    f"{K}/verborgen-formulier/",
    FIRST_ARTICLE,
    f"{K}/afval/",
]
"""The plan after visiting only the home page (``/verborgen-formulier/`` from the sitemap)."""

EXPECTED_MAX_10 = [
    f"{K}/",
    f"{K}/contact/",
    f"{K}/loket/",
    f"{K}/nieuws/",
    f"{K}/zoeken/",
    f"{K}/privacyverklaring/",
    DIGITAAL,
    f"{K}/verborgen-formulier/",
    f"{K}/loket/afspraak-maken/",
    FIRST_ARTICLE,
]
"""Final pages for ``max_pages=10``: the deep ``/loket/afspraak-maken/`` (linked only from
``/loket/``) displaces ``/afval/`` once ``/loket/`` has been visited."""

EXPECTED_COVERAGE_MAX_10 = Coverage(
    discovered=43,  # 10 sitemap pages + 30 articles + /nieuws/?pagina=2 + afspraak + hidden
    chosen=tuple(EXPECTED_MAX_10),
    from_sitemap=40,  # pagina.xml 10 + nieuws.xml 30
    # 10 nav pages + 30 articles + /nieuws/?pagina=2 + /loket/afspraak-maken/, and the
    # hidden form once visited: its skip link '#inhoud' links to the page itself.
    from_links=43,
    skipped=4,  # /inloggen/, the PDF, rijksoverheid.nl, /contact/?print=1
)


@cache
def domains() -> Domains:
    return Domains()


def scope_of(site: Site = KRUIMELSTAD) -> SiteScope:
    return SiteScope(site, domains())


# --- Reading the fixture from disk, like the browser would see it. ----------------------


class _Hrefs(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.hrefs.extend(v for k, v in attrs if k == "href" and v)


def page_links(url: str) -> list[str]:
    """``Page.links`` of a fixture page: absolute, http(s), fragment-free, deduplicated."""
    parts = urlsplit(url)
    file = HOSTS_DIR / (parts.hostname or "") / parts.path.lstrip("/") / "index.html"
    if not file.is_file():
        return []  # a 404 page without links
    parser = _Hrefs()
    parser.feed(file.read_text("utf-8"))
    links: list[str] = []
    for href in parser.hrefs:
        absolute = urljoin(url, href).split("#", 1)[0]
        if absolute.startswith(("http://", "https://")) and absolute not in links:
            links.append(absolute)
    return links


def fixture_sitemap_urls() -> list[str]:
    """What ``discover_sitemap_urls`` finds on the fixture (checked in test_fetch.py)."""
    urls: list[str] = []
    for name in ("pagina.xml", "nieuws.xml"):
        parsed = parse_sitemap((HOSTS_DIR / "www.kruimelstad.nl" / "sitemaps" / name).read_bytes())
        assert parsed is not None
        urls += parsed[0]
    return urls


def simulate_engine(max_pages: int) -> tuple[list[str], Coverage, list[str], list[list[str]]]:
    """The engine's loop: visit home, then re-plan after every visit and visit the next."""
    home = f"{K}/"
    visited = [home]
    links = list(page_links(home))
    sitemap = fixture_sitemap_urls()
    plans: list[list[str]] = []
    while True:
        chosen, coverage = plan(home, links, sitemap, scope_of(), max_pages, visited=visited)
        plans.append(chosen)
        following = next_to_visit(chosen, visited)
        if following is None:
            return chosen, coverage, visited, plans
        visited.append(following)
        links += page_links(following)


# --- normalise_url ----------------------------------------------------------------------

NORMALISE_CASES: list[tuple[str, str | None]] = [
    (f"{K}/", f"{K}/"),
    ("https://WWW.Kruimelstad.NL/Loket/#top", "https://www.kruimelstad.nl/Loket/"),
    ("https://www.kruimelstad.nl", f"{K}/"),
    ("https://www.kruimelstad.nl.:443/a", f"{K}/a"),
    ("http://www.kruimelstad.nl:80/a", "http://www.kruimelstad.nl/a"),
    ("https://www.kruimelstad.nl:8443/a", "https://www.kruimelstad.nl:8443/a"),
    (f"{K}/afval/?utm_source=menu&utm_medium=web", f"{K}/afval/"),
    (f"{K}/zoeken/?q=afval&b=2&a=1", f"{K}/zoeken/?a=1&b=2&q=afval"),
    (f"{K}/a?gclid=1&fbclid=2&id=3&_ga=4&mtm_campaign=x", f"{K}/a?id=3"),
    (f"{K}/a?", f"{K}/a"),
    (f"{K}/index.php?id=12", f"{K}/index.php?id=12"),
    (f"{K}/?s=afval", f"{K}/?s=afval"),
    (f"{K}/zoeken/?q=a+b%20c", f"{K}/zoeken/?q=a+b%20c"),
    (f"{K}/nieuws/bericht.html", f"{K}/nieuws/bericht.html"),
    ("mailto:info@kruimelstad.nl", None),
    ("tel:140999", None),
    ("javascript:void(0)", None),
    ("ftp://www.kruimelstad.nl/", None),
    ("data:text/html,hoi", None),
    ("https:///zonder-host", None),
    ("https://gebruiker:geheim@www.kruimelstad.nl/", None),
    ("niet een url", None),
    (f"{K}/documenten/jaarverslag-2025.pdf", None),
    (f"{K}/documenten/BESLUIT.DOCX", None),
    (f"{K}/data/begroting.xlsx", None),
    (f"{K}/download/archief.zip", None),
    (f"{K}/img/logo.png", None),
    (f"{K}/img/foto.JPG", None),
    (f"{K}/agenda/markt.ics", None),
    (f"{K}/documenten/besluit.pdf?download=1", None),
    (f"{K}/inloggen/", None),
    (f"{K}/uitloggen", None),
    (f"{K}/user/login", None),
    (f"{K}/logout?next=/", None),
    (f"{K}/wp-login.php", None),
    (f"{K}/?action=logout", None),
    (f"{K}/contact/?print=1", None),
    (f"{K}/contact/print/", None),
    (f"{K}/contact/printversie/", None),
    (f"{K}/a?type=98", None),
    (f"{K}/a;jsessionid=ABC123", None),
    (f"{K}/a?PHPSESSID=abc", None),
    (f"{K}/a?sid=123", None),
    (f"{K}/a?sessionid=1", None),
    (f"{K}/a?q=" + "x" * 300, None),
    (f"{K}/" + "a" * 3000, None),
]


@pytest.mark.parametrize(("url", "expected"), NORMALISE_CASES)
def test_normalise_url(url: str, expected: str | None) -> None:
    assert normalise_url(url) == expected


@pytest.mark.parametrize("url", [u for u, e in NORMALISE_CASES if e is not None])
def test_normalise_url_is_idempotent(url: str) -> None:
    once = normalise_url(url)
    assert once is not None
    assert normalise_url(once) == once


# --- url_template -----------------------------------------------------------------------

TEMPLATE_CASES: list[tuple[str, str]] = [
    (f"{K}/", "kruimelstad.nl/"),
    (f"{K}/nieuws/2026/11/some-title/", "kruimelstad.nl/nieuws/*/*/*"),
    (f"{K}/nieuws/2026/10/other", "kruimelstad.nl/nieuws/*/*/*"),
    (f"{K}/loket/afspraak-maken/", "kruimelstad.nl/loket/afspraak-maken"),
    (f"{K}/loket/afspraak-maken", "kruimelstad.nl/loket/afspraak-maken"),
    (f"{K}/nieuws/gemeente-opent-nieuw-zwembad/", "kruimelstad.nl/nieuws/*"),
    (f"{K}/wonen-en-leven/", "kruimelstad.nl/wonen-en-leven"),
    (f"{K}/product/12345", "kruimelstad.nl/product/*"),
    (f"{K}/12345/", "kruimelstad.nl/*"),
    (f"{K}/agenda/2026-11-28/", "kruimelstad.nl/agenda/*"),
    (f"{K}/formulier/3f2b1c9e-0d4a-4b7e-9c1a-2f6e8d7a9b10", "kruimelstad.nl/formulier/*"),
    (f"{K}/nieuws/bericht-123.html", "kruimelstad.nl/nieuws/*.html"),
    (f"{K}/zoeken/?q=afval", "kruimelstad.nl/zoeken"),
    (f"{K}/index.php?id=12", "kruimelstad.nl/index.php"),
    ("http://www.kruimelstad.nl/afval/", "kruimelstad.nl/afval"),
    ("https://kruimelstad.nl/afval/", "kruimelstad.nl/afval"),
    ("https://loket.kruimelstad.nl/afval/", "loket.kruimelstad.nl/afval"),
    (f"{K}/product/123/aanvragen", "kruimelstad.nl/product/*/*"),
]


@pytest.mark.parametrize(("url", "expected"), TEMPLATE_CASES)
def test_url_template(url: str, expected: str) -> None:
    assert url_template(url) == expected


# --- SiteScope --------------------------------------------------------------------------

SCOPE_CASES: list[tuple[str, bool]] = [
    (f"{K}/", True),
    ("https://kruimelstad.nl/", True),
    ("https://loket.kruimelstad.nl/afspraak", True),
    ("http://www.kruimelstad.nl/", True),
    ("https://WWW.KRUIMELSTAD.NL/", True),
    ("https://www.kruimelstad.nl:8443/", True),
    (DIGITAAL, True),
    ("https://formulieren.kruimelstad-digitaal.nl/melding", True),
    ("https://www.rijksoverheid.nl/", False),
    ("https://kruimelstad.nl.example.com/", False),
    ("https://nietkruimelstad.nl/", False),
    ("mailto:info@kruimelstad.nl", False),
    ("ftp://www.kruimelstad.nl/", False),
    ("niet een url", False),
    ("", False),
]


@pytest.mark.parametrize(("url", "expected"), SCOPE_CASES)
def test_scope(url: str, expected: bool) -> None:
    assert scope_of().contains(url) is expected


def test_scope_accepts_extra_domain_given_as_host() -> None:
    site = Site(name="K", url=f"{K}/", extra_domains=("www.kruimelstad-digitaal.nl",))
    assert scope_of(site).contains("https://formulieren.kruimelstad-digitaal.nl/")


def test_scope_on_a_public_suffix_stays_on_the_host() -> None:
    site = Site(name="G", url="https://gemeente.github.io/")
    scope = scope_of(site)
    assert scope.contains("https://gemeente.github.io/nieuws/")
    assert not scope.contains("https://andere.github.io/")


def test_scope_for_ip_and_localhost() -> None:
    assert scope_of(Site(name="ip", url="http://127.0.0.1:8000/")).contains("http://127.0.0.1/a")
    assert not scope_of(Site(name="ip", url="http://127.0.0.1/")).contains("http://127.0.0.2/")
    assert scope_of(Site(name="l", url="http://localhost:8000/")).contains("http://localhost/a")


def test_scope_including_the_final_home_url() -> None:
    scope = scope_of(Site(name="Oud", url="https://www.oudedorp.nl/"))
    assert not scope.contains("https://www.nieuwestad.nl/a")
    wider = scope.including("https://www.nieuwestad.nl/")
    assert wider.contains("https://www.nieuwestad.nl/a")
    assert wider.contains("https://www.oudedorp.nl/a")


# --- choose_pages -----------------------------------------------------------------------


def test_home_first_even_if_not_a_candidate() -> None:
    chosen = choose_pages(f"{K}/", [f"{K}/contact/"], scope_of(), 10)
    assert chosen == [f"{K}/", f"{K}/contact/"]


def test_home_is_not_repeated_and_max_pages_counts_it() -> None:
    candidates = [f"{K}/", "https://www.kruimelstad.nl", f"{K}/#top", f"{K}/a", f"{K}/b"]
    assert choose_pages(f"{K}/", candidates, scope_of(), 2) == [f"{K}/", f"{K}/a"]
    assert choose_pages(f"{K}/", candidates, scope_of(), 1) == [f"{K}/"]
    assert choose_pages(f"{K}/", candidates, scope_of(), 0) == [f"{K}/"]


def test_out_of_scope_and_non_pages_are_never_chosen() -> None:
    candidates = [
        "https://www.rijksoverheid.nl/",
        f"{K}/jaarverslag.pdf",
        "mailto:info@kruimelstad.nl",
        f"{K}/inloggen/",
        f"{K}/afval/",
    ]
    assert choose_pages(f"{K}/", candidates, scope_of(), 10) == [f"{K}/", f"{K}/afval/"]


PRIORITY_CANDIDATES = [
    f"{K}/over-ons/",
    f"{K}/cookieverklaring/",
    f"{K}/zoeken/",
    f"{K}/nieuws/",
    f"{K}/melding-openbare-ruimte/",
    f"{K}/afspraak/",
    f"{K}/paspoort-aanvragen/",
    f"{K}/afval/",
]


def test_priorities_round_robin() -> None:
    """Forms two per round, then news, search, privacy, others; then the next round."""
    chosen = choose_pages(f"{K}/", PRIORITY_CANDIDATES, scope_of(), 20)
    assert chosen == [
        f"{K}/",
        f"{K}/afspraak/",
        f"{K}/melding-openbare-ruimte/",
        f"{K}/nieuws/",
        f"{K}/zoeken/",
        f"{K}/cookieverklaring/",
        f"{K}/afval/",
        f"{K}/paspoort-aanvragen/",
        f"{K}/over-ons/",
    ]


def test_category_is_decided_by_the_leftmost_keyword_segment() -> None:
    """A contact form inside the privacy section is a privacy page; one under 'over ons'
    is a form (segments without a keyword do not count)."""
    chosen = choose_pages(
        f"{K}/", [f"{K}/privacy/contactformulier/", f"{K}/zoeken/"], scope_of(), 9
    )
    assert chosen == [f"{K}/", f"{K}/zoeken/", f"{K}/privacy/contactformulier/"]
    chosen = choose_pages(f"{K}/", [f"{K}/over-ons/contact/", f"{K}/zoeken/"], scope_of(), 9)
    assert chosen == [f"{K}/", f"{K}/over-ons/contact/", f"{K}/zoeken/"]


def test_subdomain_keyword_counts() -> None:
    candidates = [f"{K}/nieuws/", "https://loket.kruimelstad.nl/"]
    assert choose_pages(f"{K}/", candidates, scope_of(), 2)[1] == "https://loket.kruimelstad.nl/"


def test_shallower_then_https_then_url() -> None:
    candidates = [
        f"{K}/contact/formulier/",
        "http://www.kruimelstad.nl/contact/",
        f"{K}/contact/",
        f"{K}/aanvraag/",
    ]
    chosen = choose_pages(f"{K}/", candidates, scope_of(), 10)
    assert chosen[:3] == [f"{K}/", f"{K}/aanvraag/", f"{K}/contact/"]
    assert chosen[3] == f"{K}/contact/formulier/"
    assert chosen[-1] == "http://www.kruimelstad.nl/contact/"  # same template: a duplicate


def test_one_page_per_template_then_duplicates() -> None:
    articles = [f"{K}/nieuws/2026/{m:02d}/bericht-{n}/" for m in range(1, 11) for n in range(3)]
    chosen = choose_pages(f"{K}/", [*articles, f"{K}/afval/", f"{K}/nieuws/"], scope_of(), 4)
    assert chosen == [f"{K}/", f"{K}/nieuws/", f"{K}/afval/", f"{K}/nieuws/2026/01/bericht-0/"]
    # When every template is covered, spare room goes to further pages of a template.
    more = choose_pages(f"{K}/", articles, scope_of(), 4)
    assert more == [f"{K}/", *sorted(articles)[:3]]


def test_home_template_counts_as_taken() -> None:
    chosen = choose_pages(f"{K}/", [f"{K}/?lang=en", f"{K}/afval/"], scope_of(), 2)
    assert chosen == [f"{K}/", f"{K}/afval/"]


@pytest.mark.parametrize("seed", range(5))
def test_choose_pages_is_deterministic_under_shuffling(seed: int) -> None:
    candidates = [*fixture_sitemap_urls(), *page_links(f"{K}/"), *page_links(f"{K}/nieuws/")]
    expected = choose_pages(f"{K}/", candidates, scope_of(), 10)
    shuffled = list(candidates)
    random.Random(seed).shuffle(shuffled)
    assert choose_pages(f"{K}/", shuffled, scope_of(), 10) == expected
    assert choose_pages(f"{K}/", iter(shuffled + shuffled), scope_of(), 10) == expected


def test_choose_pages_does_not_depend_on_hash_seed() -> None:
    code = (
        "import json\n"
        "from scanner.domains import Domains\n"
        "from scanner.crawl import SiteScope, choose_pages\n"
        "from scanner.models import Site\n"
        "from tests.test_crawl import KRUIMELSTAD, fixture_sitemap_urls, page_links\n"
        "c = [*fixture_sitemap_urls(), *page_links('https://www.kruimelstad.nl/nieuws/')]\n"
        "s = SiteScope(KRUIMELSTAD, Domains())\n"
        "print(json.dumps(choose_pages('https://www.kruimelstad.nl/', c, s, 10)))\n"
    )
    root = Path(__file__).resolve().parents[1]
    outputs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        run = subprocess.run(
            [sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True
        )
        assert run.returncode == 0, run.stderr
        outputs.append(json.loads(run.stdout))
    assert outputs[0] == outputs[1]


# --- plan: the fixture site end to end ---------------------------------------------------


def test_fixture_links_are_what_the_pages_say() -> None:
    links = page_links(f"{K}/")
    assert f"{K}/loket/afspraak-maken/" not in links
    assert f"{K}/loket/afspraak-maken/" in page_links(f"{K}/loket/")
    assert f"{K}/verborgen-formulier/" not in links
    assert f"{K}/verborgen-formulier/" in fixture_sitemap_urls()
    assert len(page_links(f"{K}/nieuws/")) >= 30


def test_first_plan_for_ten_pages() -> None:
    links = page_links(f"{K}/")
    chosen, coverage = plan(f"{K}/", links, fixture_sitemap_urls(), scope_of(), 10)
    assert chosen == EXPECTED_FIRST_PLAN_MAX_10
    assert coverage.chosen == tuple(chosen)
    assert coverage.from_sitemap == 40


@pytest.mark.parametrize(("max_pages", "expected"), [(6, EXPECTED_MAX_6), (10, EXPECTED_MAX_10)])
def test_engine_loop_on_fixture(max_pages: int, expected: list[str]) -> None:
    chosen, _, visited, plans = simulate_engine(max_pages)
    assert chosen == expected
    assert visited == expected  # every chosen page was visited, in the chosen order
    for done, chosen_then in enumerate(plans, start=1):
        # Re-planning keeps every page visited so far first, in visiting order.
        assert chosen_then[:done] == visited[:done]
    news = [u for u in chosen if u.startswith(f"{K}/nieuws/2026/")]
    assert len(news) <= 1


def test_deep_page_found_only_by_replanning() -> None:
    """``/loket/afspraak-maken/`` is linked only from ``/loket/``: re-planning finds it."""
    first, _ = plan(f"{K}/", page_links(f"{K}/"), fixture_sitemap_urls(), scope_of(), 10)
    assert f"{K}/loket/afspraak-maken/" not in first
    chosen, _, _, _ = simulate_engine(10)
    assert f"{K}/loket/afspraak-maken/" in chosen


def test_coverage_of_the_fixture() -> None:
    _, coverage, _, _ = simulate_engine(10)
    assert coverage == EXPECTED_COVERAGE_MAX_10


def test_plan_keeps_visited_pages_first_in_order() -> None:
    visited = [f"{K}/", f"{K}/afval/", f"{K}/over-kruimelstad/"]
    chosen, _ = plan(
        f"{K}/", page_links(f"{K}/"), fixture_sitemap_urls(), scope_of(), 4, visited=visited
    )
    assert chosen == [*visited, f"{K}/contact/"]
    # More visited pages than room: all kept, nothing added.
    many, _ = plan(f"{K}/", [], [], scope_of(), 2, visited=visited)
    assert many == visited


def test_first_visited_entry_is_the_home_page_as_requested() -> None:
    """The site's URL redirected (``kruimelstad.nl`` → ``www.``): it takes no extra place."""
    visited = ["http://kruimelstad.nl/", f"{K}/contact/"]
    chosen, _ = plan(f"{K}/", [f"{K}/afval/", f"{K}/contact/"], [], scope_of(), 3, visited=visited)
    assert chosen == [f"{K}/", f"{K}/contact/", f"{K}/afval/"]


def test_plan_does_not_pick_a_second_page_of_a_visited_template() -> None:
    late = f"{K}/nieuws/2026/10/sluiting-stadskantoor/"
    visited = [f"{K}/", late]
    chosen, _ = plan(f"{K}/", [], fixture_sitemap_urls(), scope_of(), 20, visited=visited)
    articles = [u for u in chosen if u.startswith(f"{K}/nieuws/2026/")]
    assert articles[0] == late
    first_duplicate = chosen.index(articles[1])
    assert all(not u.startswith(f"{K}/nieuws/2026/") for u in chosen[2:first_duplicate])
    assert len(chosen) == 20


def test_plan_accepts_a_home_on_another_domain() -> None:
    """The site's URL redirected to a new domain: that domain is the site's too."""
    site = Site(name="Oud", url="https://www.oudedorp.nl/")
    scope = SiteScope(site, domains())
    chosen, _ = plan(
        "https://www.nieuwestad.nl/", ["https://www.nieuwestad.nl/contact/"], [], scope, 5
    )
    assert chosen == ["https://www.nieuwestad.nl/", "https://www.nieuwestad.nl/contact/"]


def test_next_to_visit() -> None:
    assert next_to_visit(["a", "b", "c"], ["a"]) == "b"
    assert next_to_visit(["a", "b"], iter(["b", "a"])) is None
    assert next_to_visit(["home-final", "b"], ["home-requested", "b"]) is None


def _all_fixture_pages() -> Iterator[str]:
    root = HOSTS_DIR / "www.kruimelstad.nl"
    for file in sorted(root.rglob("index.html")):
        rel = file.parent.relative_to(root).as_posix()
        yield f"{K}/" if rel == "." else f"{K}/{rel}/"


def test_every_expected_page_exists_in_the_fixture() -> None:
    pages = {*_all_fixture_pages(), DIGITAAL}
    for url in EXPECTED_MAX_10 + EXPECTED_MAX_6 + EXPECTED_FIRST_PLAN_MAX_10:
        assert url in pages, url
