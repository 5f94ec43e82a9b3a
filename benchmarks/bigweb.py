"""A larger test web for the benchmark: copies of every test-web municipality.

The test web has 20 fictional municipalities (the 10 manifest sites and the 10
consent-banner sites); a scan of 20 sites ends in a tail where one slow site runs
alone. For a steady state, :func:`build` writes the whole test web into a
directory and adds ``copies`` clones of each municipality under new domains
(``trackstad.nl`` → ``trackstad-k01.nl``), with every mention of its own domains in
its files rewritten. Trackers, CMPs and other third parties are not cloned: all
clones share them, as on the real web. The clones keep the mix of the originals:
half of them have a consent banner, and the late, scroll- and iframe-gated
trackers are all there.

The directory is served by the test web's own server (``TestWeb(base_dir=…)``);
nothing here is part of the package.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from scanner.models import Site
from scanner.testweb import HOSTS_DIR, load_manifests

TESTWEB_DIR = HOSTS_DIR.parent
TEXT_SUFFIXES = {".html", ".htm", ".js", ".css", ".json", ".txt", ".xml", ".svg", ".webmanifest"}


@dataclass(frozen=True, slots=True)
class Template:
    """One municipality of the test web and what a capture of it must find."""

    name: str
    url: str
    extra_domains: tuple[str, ...]
    banner: bool
    expected: dict[str, tuple[str, ...]]
    """Cookie names per phase (``none``, ``reject``, ``accept``) that must be stored:
    from the manifest (first visitor) or from ``banners.json`` (first-party cookies)."""
    expected_on: dict[str, str]
    """For manifest cookies: the page (path) that sets each one; it must be visited."""

    def domains(self) -> tuple[str, ...]:
        """The registrable domains of the site: its own and its extra ones."""
        host = urlsplit(self.url).hostname or ""
        return (".".join(host.split(".")[-2:]), *self.extra_domains)


@dataclass(frozen=True, slots=True)
class BenchSite:
    """A clone in the generated web."""

    site: Site
    template: Template
    renames: tuple[tuple[str, str], ...]

    def rename(self, text: str) -> str:
        """``text`` with the template's domains replaced by the clone's."""
        return _rename(text, self.renames)


def templates() -> list[Template]:
    """The 20 municipalities, a manifest site and a banner site in turn."""
    manifest_sites = []
    for manifest in load_manifests():
        site = manifest["site"]
        stored = [c for c in manifest["cookies"] if c.get("stored")]
        manifest_sites.append(
            Template(
                name=site["name"],
                url=site["url"],
                extra_domains=tuple(site.get("extra_domains", ())),
                banner=False,
                expected={"none": tuple(sorted({c["name"] for c in stored}))},
                expected_on={c["name"]: urlsplit(c["page_url"]).path for c in stored},
            )
        )
    banners = json.loads((TESTWEB_DIR / "banners.json").read_text("utf-8"))
    banner_sites = []
    for host, case in banners["sites"].items():
        cookies = case["first_party_cookies"]
        expected = {"none": tuple(cookies["before"])}
        for phase in ("reject", "accept"):
            if case[phase]["clicked"]:
                expected[phase] = tuple(cookies[f"after_{phase}"])
        label = host.removeprefix("www.").removesuffix(".nl").replace("-", " ").title()
        banner_sites.append(Template(label, case["url"], (), True, expected, {}))
    mixed: list[Template] = []
    for pair in zip(manifest_sites, banner_sites, strict=False):
        mixed.extend(pair)
    longer = manifest_sites if len(manifest_sites) > len(banner_sites) else banner_sites
    mixed.extend(longer[len(mixed) // 2 :])
    return mixed


def _rename(text: str, renames: Sequence[tuple[str, str]]) -> str:
    for old, new in renames:
        pattern = r"(?<![A-Za-z0-9-])" + re.escape(old) + r"(?![A-Za-z0-9-])"
        text = re.sub(pattern, new, text)
    return text


def _owns(host: str, domains: Sequence[str]) -> bool:
    return any(host == d or host.endswith("." + d) for d in domains)


def build(directory: Path, copies: int) -> list[BenchSite]:
    """Write the web to ``directory`` (``hosts/`` and ``shared/``); return its sites.

    The sites are ordered copy by copy, a manifest site and a banner site in turn,
    so that the first N sites of the list have the mix of the whole.
    """
    hosts = directory / "hosts"
    shutil.copytree(HOSTS_DIR, hosts)
    shutil.copytree(TESTWEB_DIR / "shared", directory / "shared")
    sites: list[BenchSite] = []
    for copy in range(1, copies + 1):
        for template in templates():
            renames = tuple(
                (d, d.replace(".", f"-k{copy:02d}.", 1) if d.count(".") == 1 else d)
                for d in template.domains()
            )
            site = Site(
                name=f"{template.name} {copy}",
                url=_rename(template.url, renames),
                province="Bench",
                extra_domains=tuple(new for _old, new in renames[1:]),
            )
            clone = BenchSite(site, template, renames)
            for source in sorted(HOSTS_DIR.iterdir()):
                if source.is_dir() and _owns(source.name, template.domains()):
                    _clone_host(source, hosts / clone.rename(source.name), clone)
            sites.append(clone)
    return sites


def _clone_host(source: Path, target: Path, clone: BenchSite) -> None:
    for path in sorted(source.rglob("*")):
        destination = target / path.relative_to(source)
        if path.is_dir():
            destination.mkdir(parents=True, exist_ok=True)
            continue
        destination.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix.lower() in TEXT_SUFFIXES:
            destination.write_text(clone.rename(path.read_text("utf-8")), "utf-8")
        else:
            shutil.copyfile(path, destination)
