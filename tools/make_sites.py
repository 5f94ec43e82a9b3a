"""(Re)generate ``sites.txt`` from a ``gemeenten.csv`` (columns name,cbs_code,province,url).

Why a script: the municipal list changes by law (mergers), so the file is rebuilt
from the CBS-based CSV rather than edited line by line. Hand edits to the existing
output file survive: a corrected start URL and extra domains (matched by CBS code)
and sites without a CBS code. Municipalities the CSV no longer has are dropped, and
every kept difference from the CSV is listed on stderr, so nothing changes silently.

Usage, from the repository root::

    .venv/bin/python tools/make_sites.py            # default CSV -> sites.txt
    .venv/bin/python tools/make_sites.py path/to/gemeenten.csv -o sites.txt
    .venv/bin/python tools/make_sites.py --check    # exit 1 when sites.txt is out of date

The CSV defaults to ``$PRIVACYSCAN_SHARED_DATA/gemeenten.csv``, or
``../shared/data/gemeenten.csv`` next to the repository.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a plain script: make `scanner` importable
    sys.path.insert(0, str(REPO))

from scanner.errors import PrivacyscanError  # noqa: E402
from scanner.models import Site  # noqa: E402
from scanner.sites import load_sites, parse_sites, site_from_url  # noqa: E402

COLUMNS = ("name", "cbs_code", "province", "url")

HEADER = """\
# privacyscan sites: the websites to scan, one per line.
#
# Fields are separated by " | " (spaces around the bar are optional):
#
#   name | province | CBS code | start URL | extra first-party domains
#
#   name       shown in reports; must be unique in this file.
#   province   groups municipalities in the comparison report.
#   CBS code   GM followed by four digits (GM0014); leave it empty for an
#              organisation that is not a municipality.
#   start URL  where the scan starts. Only http:// and https:// are accepted.
#              Most URLs below are the register's domain with "https://www."
#              in front; a few are wrong guesses, so check a site that fails.
#   extra first-party domains (optional)
#              other domains of the same organisation, so that requests and
#              cookies there count as the municipality's own and not as a third
#              party. Bare host names, no https:// or path, separated by commas:
#
#   Groningen | Groningen | GM0014 | https://gemeente.groningen.nl | groningen.nl
#   Voorbeeld | Utrecht |  | https://www.voorbeeld.nl | voorbeeld.nl, mijn-voorbeeld.nl
#
# A line may also be just a URL (https://www.example.nl): the site is then
# named after its host, with no province or code.
#
# Lines starting with # are comments and blank lines are ignored; a # later in
# a line is not a comment. Duplicate names, URLs or CBS codes are an error.
# The --only and --exclude options pick sites by name, province or CBS code.
#
# This file was generated from gemeenten.csv ({count} municipalities, grouped by
# province, in CBS alphabetical order within a province). To regenerate it after
# a municipal reorganisation, from the repository root:
#
#   .venv/bin/python tools/make_sites.py [path/to/gemeenten.csv]
#
# Regenerating keeps what you changed here: start URLs and extra domains (by
# CBS code) and sites without a CBS code (under "Other sites"). It drops
# municipalities no longer in the CSV and your own comments, and lists on
# stderr every difference it keeps or drops.
"""


class CsvError(Exception):
    """The CSV is not a usable municipality list."""


def read_csv(text: str, source: str) -> list[Site]:
    """Read municipality rows, keeping names exactly as written (UTF-8)."""
    reader = csv.DictReader(io.StringIO(text.removeprefix("\ufeff")))
    missing = [column for column in COLUMNS if column not in (reader.fieldnames or ())]
    if missing:
        raise CsvError(
            f"{source}: missing column(s) {', '.join(missing)}; need {','.join(COLUMNS)}"
        )
    sites = []
    for number, row in enumerate(reader, start=2):
        values = {column: (row[column] or "").strip() for column in COLUMNS}
        if any("|" in value for value in values.values()):
            raise CsvError(f"{source}:{number}: a value contains '|', the sites.txt separator")
        sites.append(
            Site(
                name=values["name"],
                url=values["url"],
                province=values["province"],
                code=values["cbs_code"] or None,
            )
        )
    return sites


def merge(csv_sites: Sequence[Site], previous: Sequence[Site]) -> tuple[list[Site], list[str]]:
    """Apply the hand edits of the old file to the CSV's sites; say what differs.

    Returns the municipalities (CSV order) followed by the old file's sites without a
    CBS code, and one note per kept or dropped difference.
    """
    old_by_code = {site.code: site for site in previous if site.code}
    merged: list[Site] = []
    notes: list[str] = []
    for site in csv_sites:
        old = old_by_code.get(site.code) if site.code else None
        if old is not None:
            if _comparable(old.url) != _comparable(site.url):
                notes.append(f"kept URL of {site.name}: {old.url} (CSV: {site.url})")
                site = replace(site, url=old.url)
            site = replace(site, extra_domains=old.extra_domains)
        merged.append(site)
    csv_codes = {site.code for site in csv_sites}
    for old in previous:
        if old.code is None:
            merged.append(old)
            notes.append(f"kept site without CBS code: {old.name} ({old.url})")
        elif old.code not in csv_codes:
            notes.append(f"dropped: {old.name} {old.code} is not in the CSV")
    return merged, notes


def render(sites: Sequence[Site]) -> str:
    """Write the sites.txt text: header, a section per province, then other sites.

    Provinces are sorted by name; within one, the given (CSV) order is kept because
    it is the CBS order ('s-Gravenhage under G, De Bilt under B).
    """
    municipalities = [site for site in sites if site.code]
    provinces = sorted({site.province or "" for site in municipalities}, key=str.casefold)
    sections = [
        (province, [site for site in municipalities if (site.province or "") == province])
        for province in provinces
    ]
    others = [site for site in sites if not site.code]
    if others:
        sections.append(("Other sites", others))
    out = [HEADER.format(count=len(municipalities))]
    for title, members in sections:
        out.append(f"\n# == {title or 'No province'} ==\n\n")
        out.extend(_line(site) + "\n" for site in members)
    return "".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("csv", nargs="?", type=Path, default=_default_csv(), help="gemeenten.csv")
    parser.add_argument(
        "-o", "--output", type=Path, default=REPO / "sites.txt", help="file to write (- = stdout)"
    )
    parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if the output is out of date"
    )
    args = parser.parse_args(argv)
    output: Path = args.output
    to_stdout = str(output) == "-"
    try:
        sites = read_csv(args.csv.read_text(encoding="utf-8"), str(args.csv))
        previous = load_sites(output) if not to_stdout and output.exists() else []
        merged, notes = merge(sites, previous)
        text = render(merged)
        parse_sites(text, source="generated sites.txt")  # never write a file we cannot read
    except (OSError, CsvError, PrivacyscanError) as exc:
        print(f"make_sites: {exc}", file=sys.stderr)
        return 2
    if args.check:
        current = output.read_text(encoding="utf-8") if output.exists() else ""
        if current != text:
            print(f"make_sites: {output} is out of date; run tools/make_sites.py", file=sys.stderr)
            return 1
        return 0
    for note in notes:
        print(f"make_sites: {note}", file=sys.stderr)
    if to_stdout:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8", newline="\n")
        print(f"make_sites: wrote {len(sites)} sites to {output}", file=sys.stderr)
    return 0


def _default_csv() -> Path:
    """The shared data directory, overridable for other checkouts."""
    shared = os.environ.get("PRIVACYSCAN_SHARED_DATA")
    directory = Path(shared) if shared else REPO.parent / "shared" / "data"
    return directory / "gemeenten.csv"


def _line(site: Site) -> str:
    """One sites.txt line; a URL-only site keeps its short form."""
    bare = site.province is None and site.code is None and not site.extra_domains
    if bare and site.name == site.url.split("/")[2]:
        return site.url
    fields = [site.name, site.province or "", site.code or "", site.url]
    if site.extra_domains:
        fields.append(", ".join(site.extra_domains))
    return " | ".join(fields)


def _comparable(url: str) -> str:
    """Compare URLs as the parser stores them, so an added slash is no difference."""
    try:
        return site_from_url(url).url
    except PrivacyscanError:
        return url


if __name__ == "__main__":
    sys.exit(main())
