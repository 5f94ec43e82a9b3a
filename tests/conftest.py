"""Shared fixtures: the local test web and captures of it in the real Chromium."""

from __future__ import annotations

import asyncio
import importlib.util
import ipaddress
import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from scanner.config import CaptureOptions
from scanner.models import Site, SiteResult
from scanner.testweb.server import TestWeb

MANIFESTS = Path(__file__).resolve().parents[1] / "scanner" / "testweb" / "manifests"
BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def load_benchmark(name: str) -> ModuleType:
    """``benchmarks/<name>.py`` (scripts, not a package), loaded from its file and
    registered under its name: its dataclasses look their module up."""
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


class _LoopbackOnly:
    """An audit hook: this test process never opens a connection or sends a datagram to
    an address outside loopback. Such an attempt fails (the hook raises) and is kept in
    ``attempts``, so a test can also prove that nothing even tried."""

    def __init__(self) -> None:
        self.attempts: list[str] = []

    def __call__(self, event: str, args: tuple[Any, ...]) -> None:
        if event not in ("socket.connect", "socket.sendto") or len(args) < 2:
            return
        address = args[1]
        if not isinstance(address, tuple) or not address or not isinstance(address[0], str):
            return  # a Unix socket or a pipe
        try:
            ip = ipaddress.ip_address(address[0].split("%")[0])
        except ValueError:
            return
        if not ip.is_loopback:
            self.attempts.append(f"{event} {address[0]}:{address[1]}")
            raise ConnectionRefusedError(f"tests never leave loopback: {address[0]}")


LOOPBACK_ONLY = _LoopbackOnly()
sys.addaudithook(LOOPBACK_ONLY)


@pytest.fixture
def outbound() -> Callable[[], list[str]]:
    """Connections this test has tried to open outside loopback (each one was refused)."""
    start = len(LOOPBACK_ONLY.attempts)
    return lambda: LOOPBACK_ONLY.attempts[start:]


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


# -- real services (pytest -m services): PostgreSQL and Redis from tools/services.sh ---

PG_ENV = "PRIVACYSCAN_TEST_PG"
REDIS_ENV = "PRIVACYSCAN_TEST_REDIS"
_NO_SERVICES = (
    'needs {env}: start the services with `eval "$(tools/services.sh start)"` (.ci/run does)'
)


def service_url(env: str) -> str:
    """The URL of a service the test needs, or a skip that says how to get it."""
    url = os.environ.get(env)
    if not url:
        pytest.skip(_NO_SERVICES.format(env=env))
    return url


@contextmanager
def new_pg_database() -> Iterator[str]:
    """A new, empty PostgreSQL database on the services' server, dropped afterwards."""
    import secrets

    import sqlalchemy as sa

    base = sa.make_url(service_url(PG_ENV)).set(drivername="postgresql+psycopg")
    name = "t_" + secrets.token_hex(6)
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"CREATE DATABASE {name}")
        yield base.set(database=name, drivername="postgresql").render_as_string(hide_password=False)
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    finally:
        admin.dispose()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A new, empty PostgreSQL database for this test."""
    with new_pg_database() as url:
        yield url


@pytest.fixture
def redis_url() -> Iterator[str]:
    """The Redis of the services, emptied before and after this test."""
    import redis

    url = service_url(REDIS_ENV)
    client = redis.Redis.from_url(url)
    client.flushdb()
    try:
        yield url
    finally:
        client.flushdb()
        client.close()
