"""A local web of fictional municipal sites and tracker stand-ins, with ground truth.

``TestWeb`` serves the sites; ``manifests/<site-host>.json`` says what a correct
capture of each site must find (see ``manifests/README.md``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .server import HOSTS_DIR, TestWeb, spki_sha256

MANIFESTS_DIR = Path(__file__).resolve().parent / "manifests"
"""Ground-truth manifests, one JSON file per site."""


def manifest_names() -> list[str]:
    """Site hosts that have a manifest, sorted (e.g. ``www.trackstad.nl``)."""
    return sorted(p.stem for p in MANIFESTS_DIR.glob("*.json"))


def load_manifest(name: str) -> dict[str, Any]:
    """The manifest of one site, by its host name, as parsed JSON."""
    data: dict[str, Any] = json.loads((MANIFESTS_DIR / f"{name}.json").read_text("utf-8"))
    return data


def load_manifests() -> list[dict[str, Any]]:
    """Every manifest, in the order of ``manifest_names()``."""
    return [load_manifest(n) for n in manifest_names()]


def demo_sites() -> list[tuple[str, str, tuple[str, ...]]]:
    """(name, URL, extra domains) of every fictional municipality: the manifests'
    sites, the consent-banner sites and the security sites marked ``demo`` (those the
    ordinary listener plays), for ``privacyscan demo``."""
    sites = [
        (m["site"]["name"], m["site"]["url"], tuple(m["site"].get("extra_domains", [])))
        for m in load_manifests()
    ]
    banners = json.loads((Path(__file__).parent / "banners.json").read_text("utf-8"))
    for host, case in banners["sites"].items():
        label = host.removeprefix("www.").removesuffix(".nl").replace("-", " ").title()
        sites.append((label, case["url"], ()))
    security = json.loads((Path(__file__).parent / "security.json").read_text("utf-8"))
    sites += [(s["name"], s["url"], ()) for s in security["sites"] if s.get("demo")]
    return sites


__all__ = [
    "HOSTS_DIR",
    "MANIFESTS_DIR",
    "TestWeb",
    "demo_sites",
    "load_manifest",
    "load_manifests",
    "manifest_names",
    "spki_sha256",
]
