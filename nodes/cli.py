"""`souk`: run everything, or one part of the platform per process."""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys
from collections.abc import Callable, Coroutine
from contextlib import AsyncExitStack
from typing import Any

from nodes.runtime import event_loop
from nodes.runtime.buckets import ReplicasError
from nodes.runtime.bus import Bus
from nodes.runtime.context import configure_logging
from nodes.runtime.embedded_nats import EmbeddedNats
from nodes.runtime.lifecycle import stop_event_on_signals
from nodes.runtime.metrics import start_metrics_listener
from nodes.runtime.settings import Settings, SettingsError, load_settings

log = logging.getLogger("souk")


async def _connect(settings: Settings, name: str, *, echo: bool = True) -> Bus:
    return await Bus.connect(
        settings.nats.url,
        name=name,
        echo=echo,
        request_timeout=settings.nats.request_timeout,
        connect_timeout=settings.nats.connect_timeout,
        drain_timeout=settings.nats.drain_timeout,
        replicas=settings.nats.replicas,
    )


def _require_nats_url(settings: Settings) -> None:
    if not settings.nats.url:
        sys.exit("SOUK_NATS_URL is not set: separate processes must share one NATS (`souk run` bundles one)")


async def _migrate(settings: Settings) -> None:
    from storage.migrate import upgrade

    await upgrade(settings.database.url)
    log.info("database migrated: %s", settings.database.url.split("@")[-1])


async def cmd_run(settings: Settings, _args: argparse.Namespace) -> None:
    """Everything in one process tree: bundled NATS, migrations, edge, every worker, scheduler."""
    from dataclasses import replace

    from nodes.edge.server import RunningEdge
    from nodes.workers import KNOWN_DOMAINS
    from nodes.workers.serve import RunningWorkers
    from scheduler.app import SchedulerApp

    stop = stop_event_on_signals()
    nats_server: EmbeddedNats | None = None
    if not settings.nats.url:
        nats_server = EmbeddedNats(settings.var_dir / "nats")
        url = await nats_server.start()
        settings = replace(settings, nats=replace(settings.nats, url=url))
    settings = replace(settings, workers=replace(settings.workers, domains=KNOWN_DOMAINS))
    try:
        await _migrate(settings)
        worker_bus, scheduler_bus = [await _connect(settings, n) for n in ("workers", "scheduler")]
        edge_bus = await _connect(settings, "edge", echo=False)
        workers = RunningWorkers()
        await workers.start(worker_bus, settings, settings.workers.domains)
        scheduler = SchedulerApp(scheduler_bus, settings)
        await scheduler.start()
        edge = RunningEdge()
        await edge.start(edge_bus, settings, host=settings.edge.host, port=settings.edge.port)
        log.info("souk is up: http://%s:%d/docs", settings.edge.host, settings.edge.port)
        await stop.wait()
        log.info("stopping")
        await edge.stop()
        await scheduler.stop()
        await workers.stop()
        for bus in (edge_bus, scheduler_bus, worker_bus):
            await bus.drain()
    finally:
        if nats_server is not None:
            await nats_server.stop()


async def cmd_edge(settings: Settings, args: argparse.Namespace) -> None:
    from nodes.edge.server import RunningEdge

    _require_nats_url(settings)
    stop = stop_event_on_signals()
    bus = await _connect(settings, f"edge:{args.port}", echo=False)
    edge = RunningEdge()
    try:
        await edge.start(
            bus,
            settings,
            host=args.host or settings.edge.host,
            port=args.port or settings.edge.port,
            metrics_port=args.metrics_port,
        )
    except OSError as exc:  # a port taken: say which, without a traceback
        sys.exit(f"souk edge: {exc} (each edge on a host needs its own --port and --metrics-port)")
    log.info("edge listening on %s:%s", args.host or settings.edge.host, args.port or settings.edge.port)
    await stop.wait()
    await edge.stop()
    await bus.drain()


async def cmd_worker(settings: Settings, args: argparse.Namespace) -> None:
    from nodes.workers.serve import RunningWorkers

    _require_nats_url(settings)
    stop = stop_event_on_signals()
    bus = await _connect(settings, f"worker:{','.join(args.domains)}")
    workers = RunningWorkers()
    await workers.start(bus, settings, tuple(args.domains))
    async with AsyncExitStack() as stack:
        port = args.metrics_port if args.metrics_port is not None else settings.workers.metrics_port
        if port:
            runner = await start_metrics_listener(settings.edge.host, port)
            stack.push_async_callback(runner.cleanup)
        log.info("worker serving %s", ", ".join(args.domains))
        await stop.wait()
        # Stop taking requests, answer every accepted one, then leave the bus.
        await workers.stop()
        await bus.drain()


async def cmd_scheduler(settings: Settings, _args: argparse.Namespace) -> None:
    from scheduler.app import SchedulerApp

    _require_nats_url(settings)
    stop = stop_event_on_signals()
    bus = await _connect(settings, "scheduler")
    app = SchedulerApp(bus, settings)
    await app.start()
    await stop.wait()
    await app.stop()
    await bus.drain()


async def cmd_migrate(settings: Settings, _args: argparse.Namespace) -> None:
    await _migrate(settings)


async def cmd_create_admin(settings: Settings, args: argparse.Namespace) -> None:
    """Runs the identity domain's own handler against the database; no cluster needed."""
    from nodes.workers.identity import DOMAIN
    from nodes.workers.identity.accounts import create_admin
    from protocols.envelope import Actor, DomainError
    from protocols.identity import CreateAdmin

    password = args.password or os.environ.get("SOUK_ADMIN_PASSWORD") or getpass.getpass("Password: ")
    await _migrate(settings)
    async with DOMAIN.open_deps(settings, None) as deps:
        try:
            admin = await create_admin(CreateAdmin(email=args.email, password=password), Actor.system(), deps)
        except DomainError as exc:
            sys.exit(f"could not create the admin: {exc.message}")
    print(f"admin {admin.email} created with id {admin.id}")


Command = Callable[[Settings, argparse.Namespace], Coroutine[Any, Any, None]]


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="souk", description=__doc__)
    sub = root.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="everything in one process tree on embedded defaults").set_defaults(fn=cmd_run)
    edge = sub.add_parser("edge", help="one edge node")
    edge.add_argument("--port", type=int, default=0)
    edge.add_argument("--host", default="")
    edge.add_argument("--metrics-port", type=int, default=None, help="/metrics listener; 0: none")
    edge.set_defaults(fn=cmd_edge)
    worker = sub.add_parser("worker", help="workers of the named domains")
    worker.add_argument("domains", nargs="+")
    worker.add_argument("--metrics-port", type=int, default=None)
    worker.set_defaults(fn=cmd_worker)
    sub.add_parser("scheduler", help="the scheduler (one leader among replicas)").set_defaults(fn=cmd_scheduler)
    sub.add_parser("migrate", help="apply database migrations").set_defaults(fn=cmd_migrate)
    users = sub.add_parser("users", help="account administration").add_subparsers(dest="users", required=True)
    admin = users.add_parser("create-admin", help="create an admin account")
    admin.add_argument("--email", required=True)
    admin.add_argument("--password", help="prefer SOUK_ADMIN_PASSWORD or the prompt: flags end up in shell history")
    admin.set_defaults(fn=cmd_create_admin)
    return root


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        sys.exit(f"souk: bad settings: {exc}")
    configure_logging(settings.log.level)
    event_loop.tune_gc(settings.app.gc_threshold)
    fn: Command = args.fn
    try:
        event_loop.run(fn(settings, args), settings.app.event_loop)
    except KeyboardInterrupt:
        pass
    except ReplicasError as exc:  # a deployment mistake: say which setting, without a traceback
        sys.exit(f"souk: {exc}")


if __name__ == "__main__":
    main()
