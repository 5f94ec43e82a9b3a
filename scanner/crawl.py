"""Which pages of a site to visit: discovery, normalisation and a deterministic choice.

A scan can visit only a few pages per site, so they must be the ones where a visitor
meets trackers: e-services and forms (often third-party SaaS), news (embedded video
and social media), search, the privacy and cookie statements, and then the rest.
The choice is a pure function of the URLs known so far, so the same site gives the
same pages on every run and a report can be reproduced.

How the engine uses this module (iterative discovery)::

    scope = SiteScope(site, Domains())
    visited, links = [home.url], list(home.links)     # Page.url: as requested
    sitemap = discover_sitemap_urls(home.final_url, options)       # scanner.fetch
    while True:
        chosen, coverage = plan(home.final_url, links, sitemap, scope, max_pages,
                                visited=visited)
        url = next_to_visit(chosen, visited)
        if url is None:
            break
        page = visit(url)                    # failed pages count as visited too
        visited.append(url)
        links += page.links

Re-planning after every visit lets a page linked only from a subpage (``/loket/``
→ ``/loket/afspraak-maken/``) compete for the remaining places. Visited pages stay
first in the plan, in visiting order, so the loop ends after at most ``max_pages``
visits and the final plan equals the visiting order.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple
from urllib.parse import unquote, urlsplit

from scanner.domains import SiteScope

__all__ = [
    "Coverage",
    "SiteScope",
    "choose_pages",
    "next_to_visit",
    "normalise_url",
    "plan",
    "url_template",
]


def _wordset(text: str) -> frozenset[str]:
    """A set of words written as a paragraph: long lists stay readable."""
    return frozenset(text.split())


MAX_URL_LENGTH = 2000
"""Longer URLs are generated (state in the URL), not pages a visitor navigates to."""

MAX_QUERY_LENGTH = 200
"""Longer query strings carry state or search results, not a distinct page."""

FILE_EXTENSIONS = _wordset(
    """
    pdf doc docx docm dot dotx xls xlsx xlsm xlsb ppt pptx pps ppsx odt ods odp odg rtf
    csv tsv txt xml rss atom json js mjs css map woff woff2 ttf otf eot
    zip rar 7z gz tgz tar bz2 xz jpg jpeg png gif svg svgz webp bmp tif tiff ico heic avif
    mp3 mp4 m4a m4v mov avi wmv webm ogg ogv oga wav flac mkv ics ical vcs vcf epub mobi
    exe msi dmg apk ipa jar iso bin kml kmz gpx geojson dwg dxf shp eml msg p7s asc sig
    """
)
"""Extensions of files rather than pages (lower case, without the dot)."""

LOGIN_WORDS = _wordset(
    """
    login logout log-in log-out logon logoff signin sign-in signout sign-out
    inloggen uitloggen wp-login wp-admin
    """
)
"""Path or query words of authentication: a scan must not start or end sessions."""

PRINT_WORDS = frozenset({"print", "printversie", "printversion", "printable", "afdrukken"})
"""Print versions duplicate a page without its scripts."""

NON_PAGE_SEGMENTS = frozenset({"wp-json", "cdn-cgi", "feed", "rss", "xmlrpc.php"})
"""Path segments of APIs, feeds and CDN helpers (Cloudflare's e-mail protection)."""

SESSION_KEYS = _wordset(
    """
    jsessionid phpsessid aspsessionid sid sessionid session_id session sessid
    cfid cftoken zenid oscsid
    """
)
"""Query keys that carry a session id: the URL would change on every visit."""

PRINT_QUERY = frozenset({("print", ""), ("printversion", ""), ("format", "print"), ("type", "98")})
"""(key, value) query pairs of print versions; an empty value means any value.
``type=98`` is TYPO3's print page type."""

TRACKING_KEYS = _wordset(
    """
    gclid gclsrc dclid gbraid wbraid fbclid msclkid yclid twclid ttclid li_fat_id igshid
    mc_cid mc_eid _ga _gl _hsenc _hsmi mkt_tok srsltid
    """
)
"""Campaign and click-id parameters: the same page, tagged for analytics."""

TRACKING_PREFIXES = ("utm_", "mtm_", "pk_", "piwik_", "hsa_", "oly_", "vero_")
"""Prefixes of campaign parameters (Google, Matomo/Piwik, HubSpot, …)."""

FORM_WORDS = (
    "melding",
    "afspraak",
    "aanvragen",
    "aanvraag",
    "loket",
    "digid",
    "formulier",
    "contact",
    "klacht",
)
NEWS_WORDS = ("nieuws",)
SEARCH_WORDS = ("zoeken", "search")
PRIVACY_WORDS = ("privacy", "cookie", "cookieverklaring", "privacyverklaring")

CATEGORIES: tuple[tuple[str, tuple[str, ...], int], ...] = (
    ("forms", FORM_WORDS, 2),
    ("news", NEWS_WORDS, 1),
    ("search", SEARCH_WORDS, 1),
    ("privacy", PRIVACY_WORDS, 1),
)
"""(name, words, pages per round) in priority order. E-services get two places per
round: they are where municipal sites embed third-party forms and appointment tools."""

OTHER = len(CATEGORIES)
"""Category index of pages without a keyword."""

OTHER_WEIGHT = 1

_SPLIT = re.compile(r"[-_.+~,;:!/\s]+")
_DIGIT = re.compile(r"\d")
_SLUG_WORDS = 3
"""A segment of this many words or more (below the first level) is an item, not a section."""
_SLUG_LENGTH = 25


@dataclass(frozen=True, slots=True)
class Coverage:
    """How much of a site the scan saw: makes "no trackers found" interpretable."""

    discovered: int
    """Distinct in-scope pages known (home, links of visited pages, sitemaps)."""
    chosen: tuple[str, ...]
    """The pages chosen to visit, home first, in visiting order."""
    from_sitemap: int
    """Distinct in-scope pages listed in the sitemaps."""
    from_links: int
    """Distinct in-scope pages linked from visited pages."""
    skipped: int
    """Distinct URLs offered but not pages of the site (files, login, other domains…)."""


def _words(text: str) -> list[str]:
    return [w for w in _SPLIT.split(text.lower()) if w]


def _is_tracking(key: str) -> bool:
    return key in TRACKING_KEYS or key.startswith(TRACKING_PREFIXES)


class _Url(NamedTuple):
    """A normalised URL with the parts the choice needs, parsed once."""

    url: str
    host: str
    """Lower case, without port, brackets or trailing dot."""
    netloc: str
    """Host and non-default port, as in ``url``."""
    path: str


def _parse(url: str) -> _Url | None:
    """``normalise_url`` with its parts; ``None`` when not a page."""
    url = url.strip()
    if len(url) > MAX_URL_LENGTH:
        return None
    try:
        parts = urlsplit(url)
        host = parts.hostname
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not host or parts.username or parts.password:
        return None
    host = host.strip(".")
    if not host:
        return None
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != (443 if scheme == "https" else 80):
        netloc += f":{port}"
    path = parts.path or "/"
    lowered = path.lower()
    if ";" in path and any(k in lowered for k in ("jsessionid", "sessionid", "sid=")):
        return None
    if "(s(" in lowered:  # ASP.NET cookieless session: /(S(abc123))/page.aspx
        return None
    if not _is_page_path(path):
        return None
    query = _clean_query(parts.query)
    if query is None:
        return None
    normal = f"{scheme}://{netloc}{path}" + (f"?{query}" if query else "")
    return _Url(normal, host, netloc, path)


def normalise_url(url: str) -> str | None:
    """The canonical form of a page URL, or ``None`` when it is not a page worth a visit.

    Lower-case scheme and host, no default port, no fragment, no tracking parameters,
    query parameters sorted (raw, so encodings are kept), ``/`` for an empty path.
    """
    parsed = _parse(url)
    return None if parsed is None else parsed.url


def _is_page_path(path: str) -> bool:
    """Whether a path looks like a page rather than a file, login or print version."""
    decoded = unquote(path).lower()
    segments = [s for s in decoded.split("/") if s]
    if segments:
        last = segments[-1]
        if "." in last and last.rsplit(".", 1)[1] in FILE_EXTENSIONS:
            return False
    for segment in segments:
        if segment in NON_PAGE_SEGMENTS or segment.startswith("wp-login"):
            return False
        words = set(_SPLIT.split(segment))
        if words & LOGIN_WORDS or segment in LOGIN_WORDS or words & PRINT_WORDS:
            return False
    return True


def _clean_query(query: str) -> str | None:
    """Sorted query without tracking parameters; ``None`` for sessions, print, login."""
    if not query:
        return ""
    if len(query) > MAX_QUERY_LENGTH:
        return None
    kept: list[tuple[str, str, str]] = []
    for piece in query.split("&"):
        if not piece:
            continue
        raw_key, _, raw_value = piece.partition("=")
        key = unquote(raw_key.replace("+", " ")).strip().lower()
        value = unquote(raw_value.replace("+", " ")).strip().lower()
        if _is_tracking(key):
            continue
        if key in SESSION_KEYS:
            return None
        if (key, "") in PRINT_QUERY or (key, value) in PRINT_QUERY:
            return None
        if set(_words(value)) & LOGIN_WORDS:
            return None
        kept.append((key, raw_value, piece))
    kept.sort()
    return "&".join(piece for _, _, piece in kept)


def url_template(url: str) -> str:
    """The URL with its item-like path segments replaced by ``*``: pages of one kind.

    A segment is an item when it contains a digit (years, ids, dates, uuids), when it
    is a long slug below the first level (``gemeente-opent-nieuw-zwembad``), or when an
    earlier segment was an item (``/nieuws/2026/10/other``). Host (without ``www.``)
    and path are kept; scheme, query and a trailing slash are not.
    """
    parsed = _parse(url)
    if parsed is None:  # not a page, but it still has a shape
        try:
            parts = urlsplit(url.strip())
            port = parts.port
            host = (parts.hostname or "").strip(".")
        except ValueError:
            return url
        netloc = host + (f":{port}" if port is not None else "")
        parsed = _Url(url, host, netloc, parts.path)
    return _template(parsed)


def _template(parsed: _Url) -> str:
    segments = [s for s in parsed.path.split("/") if s]
    out: list[str] = []
    variable = False
    for index, segment in enumerate(segments):
        stem, dot, extension = segment.rpartition(".")
        if not dot or not extension.isalnum() or len(extension) > 5 or not stem:
            stem, dot, extension = segment, "", ""
        decoded = unquote(stem).lower()
        words = _words(decoded)
        long_slug = index > 0 and (len(words) >= _SLUG_WORDS or len(decoded) >= _SLUG_LENGTH)
        variable = variable or bool(_DIGIT.search(decoded)) or long_slug
        out.append(("*" if variable else stem.lower()) + dot + extension.lower())
    return f"{parsed.netloc.removeprefix('www.')}/" + "/".join(out)


def _category(parsed: _Url) -> int:
    """Priority of a page: the leftmost subdomain label or path segment with a keyword."""
    labels = parsed.host.split(".")[:-2]
    for segment in [*labels, *unquote(parsed.path).lower().split("/")]:
        if not segment:
            continue
        for index, (_, words, _) in enumerate(CATEGORIES):
            if any(word in segment for word in words):
                return index
    return OTHER


def _weight(category: int) -> int:
    return CATEGORIES[category][2] if category < OTHER else OTHER_WEIGHT


def _order_key(parsed: _Url) -> tuple[int, int, str]:
    """Shallower first, https before http, then the URL string: a stable total order."""
    depth = len([s for s in parsed.path.split("/") if s])
    return (depth, 0 if parsed.url.startswith("https://") else 1, parsed.url)


def _round_robin(buckets: dict[int, list[str]], used: Counter[int]) -> list[str]:
    """Interleave categories: each round takes ``weight`` pages of every category in order."""
    keyed: list[tuple[int, int, int, str]] = []
    for category, urls in buckets.items():
        for offset, url in enumerate(urls):
            position = used[category] + offset
            keyed.append((position // _weight(category), category, position, url))
    return [url for *_, url in sorted(keyed)]


def _rank(home: _Url, pages: dict[str, _Url], fixed: Sequence[_Url]) -> list[str]:
    """Every page not in ``fixed``, best first (see ``choose_pages``)."""
    fixed_urls = {home.url, *(f.url for f in fixed)}
    taken = {_template(home), *(_template(f) for f in fixed)}
    firsts: dict[int, list[str]] = {}
    repeats: dict[int, list[str]] = {}
    rest = [p for url, p in pages.items() if url not in fixed_urls]
    for parsed in sorted(rest, key=_order_key):
        template = _template(parsed)
        bucket = repeats if template in taken else firsts
        taken.add(template)
        bucket.setdefault(_category(parsed), []).append(parsed.url)
    used = Counter(_category(f) for f in fixed)
    return _round_robin(firsts, used) + _round_robin(repeats, Counter())


def _in_scope_pages(urls: Iterable[str], scope: SiteScope) -> tuple[dict[str, _Url], set[str]]:
    """(normalised in-scope pages, raw URLs rejected)."""
    pages: dict[str, _Url] = {}
    rejected: set[str] = set()
    for raw in urls:
        parsed = _parse(raw)
        if parsed is not None and scope.owns(parsed.host):
            pages[parsed.url] = parsed
        else:
            rejected.add(raw.strip())
    return pages, rejected


def _home(home_url: str) -> _Url:
    """The home page as a parsed URL, even when it would not pass as a candidate."""
    parsed = _parse(home_url)
    if parsed is not None:
        return parsed
    bare = home_url.strip().split("#", 1)[0]
    try:
        parts = urlsplit(bare)
        host = (parts.hostname or "").strip(".")
    except ValueError:
        host, parts = "", urlsplit("")
    return _Url(bare, host, host, parts.path or "/")


def choose_pages(
    home_url: str, candidates: Iterable[str], scope: SiteScope, max_pages: int
) -> list[str]:
    """The pages to visit, home first, at most ``max_pages`` (at least the home page).

    Candidates are normalised and limited to the scope. One page per URL template
    comes first, interleaved by priority (forms and e-services, news, search, privacy,
    others); pages repeating a template only fill places left over. Within a priority,
    shallower pages come first, then https, then the URL string. No randomness and no
    dependence on input order or hashing: the same URLs always give the same list.
    """
    home = _home(home_url)
    pages, _ = _in_scope_pages(candidates, scope.including(home.url))
    return [home.url, *_rank(home, pages, ())][: max(1, max_pages)]


def plan(
    home_final_url: str,
    links: Iterable[str],
    sitemap_urls: Iterable[str],
    scope: SiteScope,
    max_pages: int,
    *,
    visited: Sequence[str] = (),
) -> tuple[list[str], Coverage]:
    """Choose pages from everything known so far; visited pages stay first, in order.

    ``links`` are the ``Page.links`` of all visited pages, ``sitemap_urls`` what
    ``scanner.fetch.discover_sitemap_urls`` found, ``visited`` the URLs requested so
    far in order (``Page.url``), starting with the home page: its first entry stands
    for ``home_final_url`` whatever it redirected to, and failed visits count too.
    Call again after each visit (see the module docstring). The scope is widened to
    the home page's own domain, in case the site's URL redirected elsewhere.
    """
    home = _home(home_final_url)
    scope = scope.including(home.url)
    from_links, rejected_links = _in_scope_pages(links, scope)
    from_sitemap, rejected_sitemap = _in_scope_pages(sitemap_urls, scope)
    fixed: list[_Url] = []
    for url in visited[1:]:  # visited[0] is the home page, as requested before redirects
        parsed = _home(url)
        if parsed.url != home.url and all(parsed.url != f.url for f in fixed):
            fixed.append(parsed)
    ranked = _rank(home, from_links | from_sitemap, fixed)
    chosen = [home.url, *(f.url for f in fixed), *ranked][: max(1, max_pages, len(fixed) + 1)]
    coverage = Coverage(
        discovered=len(from_links.keys() | from_sitemap.keys() | {home.url}),
        chosen=tuple(chosen),
        from_sitemap=len(from_sitemap),
        from_links=len(from_links),
        skipped=len(rejected_links | rejected_sitemap),
    )
    return chosen, coverage


def next_to_visit(chosen: Sequence[str], visited: Iterable[str]) -> str | None:
    """The first chosen page not visited yet, or ``None`` when the plan is done.

    ``chosen[0]`` is the home page, visited before any plan (perhaps under the URL it
    redirected from), so it is never the next page.
    """
    done = set(visited)
    return next((url for url in chosen[1:] if url not in done), None)
