"""A real cluster, booted in-process per test: nats-server on a free port, migrated database,
the workers, and two edge apps (A and B) sharing them. Parametrized over SQLite and PostgreSQL."""

from __future__ import annotations

import functools
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from pytest_aiohttp import AiohttpClient

from nodes.edge.app import create_app
from nodes.edge.auth import KeyRing
from nodes.runtime.bus import Bus
from nodes.runtime.embedded_nats import EmbeddedNats
from nodes.runtime.event_loop import LoopFactory, loop_factory
from nodes.runtime.settings import Settings, load_settings
from nodes.workers import KNOWN_DOMAINS
from nodes.workers.serve import RunningWorkers
from storage.testing import create_scratch_database, drop_scratch_database, postgres_available
from tests.support.databases import MigratedTemplates
from tests.support.edge_server import Edge, served
from tests.support.s3_server import S3Server, s3_server
from tests.support.smtp import SmtpSink, smtp_sink
from tests.support.tokens import Signer
from tests.support.tracebacks import MARKER, watching


@functools.cache
def _process_loop() -> dict[str, LoopFactory] | None:
    factory = loop_factory(load_settings().app.event_loop)
    return {"loop": factory} if factory is not None else None


def pytest_asyncio_loop_factories(config: pytest.Config, item: pytest.Item) -> dict[str, LoopFactory] | None:
    """The tests run on the event loop the processes run on (`[app] event_loop`, uvloop by default)."""
    return _process_loop()


DOMAINS_MARKER = "domains"
# Tests whose subject is not the database (sockets, HTTP plumbing, NATS faults) run on SQLite only:
# their PostgreSQL copies are deselected, and pytest says how many.
AGNOSTIC_MARKER = "database_agnostic"
DATABASE_FIXTURES = ("migrated_database_url", "database_url")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", f"{MARKER}(*patterns): log messages at ERROR this test expects")
    config.addinivalue_line("markers", f"{DOMAINS_MARKER}(*names): the only worker domains its cluster boots")
    config.addinivalue_line(
        "markers", f"{AGNOSTIC_MARKER}: the test's subject is not the database; it runs on SQLite only"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    def on_postgres(item: pytest.Item) -> bool:
        params = getattr(getattr(item, "callspec", None), "params", {})
        return any(params.get(name) == "postgres" for name in DATABASE_FIXTURES)

    dropped = [item for item in items if item.get_closest_marker(AGNOSTIC_MARKER) and on_postgres(item)]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [item for item in items if item not in set(dropped)]


@pytest.fixture(autouse=True)
def no_unexpected_tracebacks(request: pytest.FixtureRequest) -> Iterator[None]:
    """First set up, last torn down: what the cluster logs while it stops counts too."""
    with watching(request.node):
        yield


POSTGRES_ADMIN_URL = os.environ.get("SOUK_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REQUIRE_POSTGRES = os.environ.get("SOUK_TEST_REQUIRE_POSTGRES") == "1"


@pytest.fixture
async def nats_server(tmp_path: Path) -> AsyncIterator[EmbeddedNats]:
    server = EmbeddedNats(tmp_path / "nats")
    await server.start()
    yield server
    await server.stop()


@asynccontextmanager
async def scratch_postgres() -> AsyncIterator[str]:
    """A PostgreSQL database of the test's own, dropped after it; the test is skipped where no server
    answers (failed instead under SOUK_TEST_REQUIRE_POSTGRES=1, as on CI)."""
    async with require_postgres():
        url = await create_scratch_database(POSTGRES_ADMIN_URL)
    try:
        yield url
    finally:
        await drop_scratch_database(POSTGRES_ADMIN_URL, url)


@asynccontextmanager
async def require_postgres() -> AsyncIterator[None]:
    """Skip the test where no PostgreSQL answers (fail instead under SOUK_TEST_REQUIRE_POSTGRES=1)."""
    if not await postgres_available(POSTGRES_ADMIN_URL):
        if REQUIRE_POSTGRES:
            pytest.fail(f"PostgreSQL required but not answering at {POSTGRES_ADMIN_URL}")
        pytest.skip(f"no PostgreSQL answers at {POSTGRES_ADMIN_URL}")
    yield


@pytest.fixture(params=["sqlite", "postgres"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """An empty database of the test's own, on each database in turn."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'souk.db'}"
        return
    async with scratch_postgres() as url:
        yield url


@pytest.fixture(scope="session")
def migrated_templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MigratedTemplates]:
    templates = MigratedTemplates(tmp_path_factory.mktemp("templates"), POSTGRES_ADMIN_URL)
    yield templates
    templates.drop()


@pytest.fixture(params=["sqlite", "postgres"])
async def migrated_database_url(
    request: pytest.FixtureRequest, tmp_path: Path, migrated_templates: MigratedTemplates
) -> AsyncIterator[str]:
    """A migrated database of the test's own, on each database in turn: a copy of a template."""
    if request.param == "sqlite":
        yield await migrated_templates.sqlite(tmp_path / "souk.db")
        return
    async with require_postgres():
        url = await migrated_templates.postgres()
    try:
        yield url
    finally:
        migrated_templates.release(url)


def cluster_settings(nats_url: str, database_url: str, var_dir: Path) -> Settings:
    base = load_settings(environ={})
    return replace(
        base,
        nats=replace(base.nats, url=nats_url, request_timeout=3.0),
        database=replace(base.database, url=database_url, pool_size=5),
        workers=replace(base.workers, domains=KNOWN_DOMAINS),
        paths=replace(base.paths, var_dir=str(var_dir)),
        media=replace(base.media, dir=str(var_dir / "media")),
        # Most clusters never ask for a place: loading them at every boot cost the suite a minute of
        # CPU. The tests that do ask wait for them (tests/support/places.py).
        catalog=replace(base.catalog, places_at_start=False),
        # The cheapest argon2id hash (~0.1 ms, not ~20): the suite signs up thousands of accounts (the
        # fuzz alone ~5,000), which cost it minutes of CPU at the production cost.
        # No reuse grace: a rotated refresh token presented again ends its session at once, as the
        # reuse tests expect (test_refresh_grace.py sets one).
        auth=replace(base.auth, password_memory_kib=64, password_time_cost=1, refresh_reuse_grace_s=0.0),
    )


@dataclass
class Cluster:
    settings: Settings
    nats: EmbeddedNats
    workers: RunningWorkers
    worker_bus: Bus
    edge_a: Edge
    edge_b: Edge
    signer: Signer

    @property
    def edges(self) -> tuple[Edge, Edge]:
        return self.edge_a, self.edge_b


Closers = list[Callable[[], Awaitable[None]]]


async def _edge(settings: Settings, name: str, aiohttp_client: AiohttpClient, closers: Closers) -> Edge:
    bus = await Bus.connect(
        settings.nats.url, name=name, request_timeout=settings.nats.request_timeout, echo=False
    )
    keyring = KeyRing(settings.auth)
    await keyring.watch(bus)
    closers.extend([keyring.close, bus.close])
    app = create_app(settings, bus, keyring, node_name=name)
    # Served as `souk edge` serves it, so a request aiohttp's parser refuses is answered the same.
    return await served(aiohttp_client, app)


@pytest.fixture
async def smtp() -> AsyncIterator[SmtpSink]:
    """A real SMTP server receiving what the cluster mails (with `mail_through` in `settings_override`)."""
    async with smtp_sink() as sink:
        yield sink


@pytest.fixture
async def s3() -> AsyncIterator[S3Server]:
    """A real S3 server (moto's) with a public bucket, for the S3 media store (`s3.store_settings`)."""
    async with s3_server() as server:
        yield server


@pytest.fixture
def settings_override() -> Callable[[Settings], Settings]:
    """Override in a test module to change the cluster's settings (mail over SMTP, an SMS provider…)."""
    return lambda settings: settings


def booted_domains(request: pytest.FixtureRequest) -> tuple[str, ...]:
    """The worker domains a test's cluster runs: `@pytest.mark.domains(...)` on the test or its module
    (every domain a test's requests reach, directly or through another worker), else all of them."""
    marker = request.node.get_closest_marker(DOMAINS_MARKER)
    if marker is None:
        return KNOWN_DOMAINS
    unknown = set(marker.args) - set(KNOWN_DOMAINS)
    if unknown:
        raise pytest.UsageError(f"unknown domains in @pytest.mark.{DOMAINS_MARKER}: {sorted(unknown)}")
    return tuple(marker.args)


@pytest.fixture
async def cluster(
    request: pytest.FixtureRequest,
    nats_server: EmbeddedNats,
    migrated_database_url: str,
    tmp_path: Path,
    aiohttp_client: AiohttpClient,
    settings_override: Callable[[Settings], Settings],
) -> AsyncIterator[Cluster]:
    settings = cluster_settings(nats_server.url, migrated_database_url, tmp_path / "var")
    settings = replace(settings, workers=replace(settings.workers, domains=booted_domains(request)))
    settings = settings_override(settings)
    worker_bus = await Bus.connect(nats_server.url, name="workers")
    workers = RunningWorkers()
    await workers.start(worker_bus, settings, settings.workers.domains)
    signer = Signer.generate()
    await signer.publish(worker_bus)
    closers: Closers = []
    edge_a = await _edge(settings, "edge-a", aiohttp_client, closers)
    edge_b = await _edge(settings, "edge-b", aiohttp_client, closers)
    yield Cluster(settings, nats_server, workers, worker_bus, edge_a, edge_b, signer)
    for edge in (edge_a, edge_b):  # first, so their goodbyes still find the workers
        await edge.close()
    await workers.stop()
    await worker_bus.close()
    for close in reversed(closers):
        await close()
