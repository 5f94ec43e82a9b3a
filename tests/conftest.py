"""Shared fixtures: the local test web and captures of it in the real Chromium."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from scanner.config import CaptureOptions
from scanner.models import Site, SiteResult
from scanner.testweb.server import TestWeb

MANIFESTS = Path(__file__).resolve().parents[1] / "scanner" / "testweb" / "manifests"


def shared_data() -> Path:
    """``../shared/data`` beside the clone (CI), or ``$PRIVACYSCAN_SHARED_DATA``."""
    env = os.environ.get("PRIVACYSCAN_SHARED_DATA")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "shared" / "data"


def load_manifests() -> dict[str, dict[str, Any]]:
    """Ground truth per test-web site, keyed by the manifest's file stem."""
    return {p.stem: json.loads(p.read_text("utf-8")) for p in sorted(MANIFESTS.glob("*.json"))}


@pytest.fixture(scope="session")
def testweb() -> Iterator[TestWeb]:
    with TestWeb() as web:
        yield web


@pytest.fixture(scope="session")
def capture_options(testweb: TestWeb) -> CaptureOptions:
    """Reach the test web through the same options a user passes on the command line."""
    return CaptureOptions(
        map_hosts=(f"*=127.0.0.1:{testweb.port}",),
        trust_cert_spki=(testweb.spki_hash,),
    )


@dataclass(frozen=True)
class Captured:
    manifest: dict[str, Any]
    result: SiteResult


@pytest.fixture(scope="session")
def captured(capture_options: CaptureOptions) -> dict[str, Captured]:
    """Every manifest site, its pages visited in order by one visitor, captured once."""
    from scanner.browser.session import Browser
    from scanner.runner import capture_site

    manifests = load_manifests()

    async def run() -> dict[str, Captured]:
        async with Browser(capture_options) as browser:
            limit = asyncio.Semaphore(3)

            async def one(key: str, manifest: dict[str, Any]) -> tuple[str, Captured]:
                site = Site(
                    name=manifest["site"]["name"],
                    url=manifest["site"]["url"],
                    extra_domains=tuple(manifest["site"].get("extra_domains", [])),
                )
                async with limit:
                    result = await capture_site(
                        browser, site, [p["url"] for p in manifest["pages"]]
                    )
                return key, Captured(manifest, result)

            pairs = await asyncio.gather(*(one(k, m) for k, m in manifests.items()))
        return dict(pairs)

    return asyncio.run(run())
