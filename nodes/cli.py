"""`souk`: run everything, or one part of the platform per process."""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys
from collections.abc import Callable, Coroutine
from contextlib import AsyncExitStack
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, NoReturn

from nodes.runtime import event_loop
from nodes.runtime.buckets import ReplicasError
from nodes.runtime.bus import Bus
from nodes.runtime.embedded_nats import EmbeddedNats
from nodes.runtime.lifecycle import stop_event_on_signals
from nodes.runtime.logs import configure_logging
from nodes.runtime.metrics import start_metrics_listener
from nodes.runtime.settings import Settings, SettingsError, load_settings
from nodes.workers import KNOWN_DOMAINS

log = logging.getLogger("souk")

# Exit statuses: 1 when something failed at run time, 2 when souk was told something it cannot use
# (an unknown option or domain, a bad setting), as argparse does.
FAILED, MISUSED = 1, 2


def fail(message: str, status: int = FAILED) -> NoReturn:
    """Leave with one line on stderr, no traceback."""
    print(f"souk: {message}", file=sys.stderr)
    raise SystemExit(status)


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
        fail(
            "SOUK_NATS_URL is not set: separate processes must share one NATS (`souk run` bundles one)",
            MISUSED,
        )


async def _migrate(settings: Settings, revision: str = "head") -> None:
    from storage.migrate import MigrationError, current_revision, upgrade

    try:
        await upgrade(settings.database.url, revision)
    except MigrationError as exc:
        fail(str(exc), MISUSED)
    at = await current_revision(settings.database.url)
    log.info("database migrated to %s: %s", at, _without_credentials(settings.database.url))


def _without_credentials(url: str) -> str:
    return url.split("@")[-1]


async def cmd_run(settings: Settings, args: argparse.Namespace) -> None:
    """Everything in one process tree: bundled NATS, migrations, edge, every worker, scheduler."""
    from dataclasses import replace

    from nodes.edge.server import RunningEdge
    from nodes.workers.serve import RunningWorkers
    from scheduler.app import SchedulerApp

    stop = stop_event_on_signals()
    port = settings.edge.port if args.port is None else args.port
    # Whatever started is stopped in reverse, on Ctrl-C or a failure to start: the edge (no new
    # requests), the scheduler (no new jobs), the workers (every accepted command answered), the
    # connections drained, and last the bundled nats-server, which a terminal's Ctrl-C did not reach
    # (it runs in a session of its own).
    async with AsyncExitStack() as started:
        if not settings.nats.url:
            nats_server = EmbeddedNats(settings.var_dir / "nats")
            started.push_async_callback(nats_server.stop)
            url = await nats_server.start()
            settings = replace(settings, nats=replace(settings.nats, url=url))
        settings = replace(settings, workers=replace(settings.workers, domains=KNOWN_DOMAINS))
        await _migrate(settings)
        buses: dict[str, Bus] = {}
        for name in ("workers", "scheduler", "edge"):
            buses[name] = await _connect(settings, name, echo=name != "edge")
            started.push_async_callback(buses[name].drain)
        workers = RunningWorkers()
        started.push_async_callback(workers.stop)
        await workers.start(buses["workers"], settings, settings.workers.domains)
        scheduler = SchedulerApp(buses["scheduler"], settings)
        await scheduler.start()
        started.push_async_callback(scheduler.stop)
        edge = RunningEdge()
        started.push_async_callback(edge.stop)
        try:
            await edge.start(buses["edge"], settings, host=settings.edge.host, port=port)
        except OSError as exc:  # the port taken: say so, without a traceback
            fail(f"run: {exc} (choose another with --port or SOUK_EDGE_PORT)")
        log.info("souk is up: http://%s:%d/docs", settings.edge.host, port)
        await stop.wait()
        log.info("stopping")


async def cmd_edge(settings: Settings, args: argparse.Namespace) -> None:
    from nodes.edge.server import RunningEdge

    _require_nats_url(settings)
    stop = stop_event_on_signals()
    host = args.host or settings.edge.host
    port = settings.edge.port if args.port is None else args.port
    bus = await _connect(settings, f"edge:{port}", echo=False)
    edge = RunningEdge()
    try:
        await edge.start(bus, settings, host=host, port=port, metrics_port=args.metrics_port)
    except OSError as exc:  # a port taken: say which, without a traceback
        fail(f"edge: {exc} (each edge on a host needs its own --port and --metrics-port)")
    log.info("edge listening on %s:%s", host, port)
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


async def cmd_nats(settings: Settings, args: argparse.Namespace) -> None:
    """The bundled nats-server on a fixed port, for processes started one by one (the Procfile).
    Stopped with them (SIGTERM or Ctrl-C), it waits until they have disconnected: they drain through
    it as they stop."""
    stop = stop_event_on_signals()
    store = Path(args.store_dir) if args.store_dir else settings.var_dir / f"nats-{args.port}"
    server = EmbeddedNats(store, host=args.host, port=args.port, monitored=True)
    try:
        await server.start()
    except (RuntimeError, TimeoutError) as exc:  # its port taken, most likely
        fail(f"nats: {exc}")
    await stop.wait()
    await server.stop_once_clients_left(settings.nats.drain_timeout)


async def cmd_migrate(settings: Settings, args: argparse.Namespace) -> None:
    await _migrate(settings, getattr(args, "revision", "head"))


async def cmd_migrate_current(settings: Settings, _args: argparse.Namespace) -> None:
    from storage.migrate import current_revision, head_revision

    current, head = await current_revision(settings.database.url), head_revision()
    if current is None:
        print(f"none: an empty database (`souk migrate` brings it to {head})")
    elif current == head:
        print(f"{current} (the newest)")
    else:
        print(f"{current} (the newest is {head}: `souk migrate` applies the rest)")


async def cmd_migrate_downgrade(settings: Settings, args: argparse.Namespace) -> None:
    from storage.migrate import MigrationError, current_revision, downgrade

    try:
        await downgrade(settings.database.url, args.revision)
    except MigrationError as exc:
        fail(str(exc), MISUSED)
    at = await current_revision(settings.database.url) or "base (no tables)"
    log.info("database downgraded to %s: %s", at, _without_credentials(settings.database.url))


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
            fail(f"could not create the admin: {exc.message}")
    print(f"admin {admin.email} created with id {admin.id}")


Command = Callable[[Settings, argparse.Namespace], Coroutine[Any, Any, None]]


class Parser(argparse.ArgumentParser):
    """argparse telling a mistake in one line, with where to look, instead of the usage block."""

    def error(self, message: str) -> NoReturn:
        self.exit(MISUSED, f"{self.prog}: {message} (see `{self.prog} --help`)\n")


def port_number(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (0 to 65535)")
    return port


def souk_version() -> str:
    try:
        return version("souk")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


def parser() -> Parser:
    root = Parser(
        prog="souk",
        description=f"{__doc__} Settings: configs/default.toml, SOUK_CONFIG, SOUK_<SECTION>_<KEY>.",
    )
    root.add_argument(
        "--version", action="version", version=f"souk {souk_version()}", help="print the version"
    )
    sub = root.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_serving_commands(sub)
    _add_nats_command(sub)
    _add_database_commands(sub)
    return root


def _add_serving_commands(sub: argparse._SubParsersAction[Parser]) -> None:
    run = sub.add_parser(
        "run",
        help="everything in one process tree on embedded defaults",
        description="Start a bundled nats-server, migrate the database, and serve an edge, every worker "
        "domain and the scheduler in this process. Ctrl-C stops it all.",
    )
    run.add_argument(
        "--port", type=port_number, metavar="PORT", help="port the edge listens on (default: [edge] port)"
    )
    run.set_defaults(fn=cmd_run)

    edge = sub.add_parser(
        "edge", help="one edge node", description="Serve HTTP and WebSockets; needs SOUK_NATS_URL."
    )
    edge.add_argument(
        "--port", type=port_number, metavar="PORT", help="port to listen on (default: [edge] port)"
    )
    edge.add_argument("--host", default="", help="address to listen on (default: [edge] host)")
    edge.add_argument(
        "--metrics-port",
        type=port_number,
        metavar="PORT",
        help="port of this edge's /metrics listener; 0: none (default: [edge] metrics_port)",
    )
    edge.set_defaults(fn=cmd_edge)

    domains = ", ".join(KNOWN_DOMAINS)
    worker = sub.add_parser(
        "worker",
        help=f"workers of the named domains ({domains})",
        description=f"Answer the named domains' commands; needs SOUK_NATS_URL. Domains: {domains}. "
        "Copies of a domain share its load.",
    )
    worker.add_argument(
        "domains", nargs="+", choices=KNOWN_DOMAINS, metavar="DOMAIN", help=f"one or more of: {domains}"
    )
    worker.add_argument(
        "--metrics-port",
        type=port_number,
        metavar="PORT",
        help="port of this process's /metrics listener; 0: none (default: [workers] metrics_port)",
    )
    worker.set_defaults(fn=cmd_worker)

    sub.add_parser(
        "scheduler",
        help="the scheduler (one leader among replicas)",
        description="Send the periodic jobs' commands while this replica holds the lease; needs SOUK_NATS_URL.",
    ).set_defaults(fn=cmd_scheduler)


def _add_nats_command(sub: argparse._SubParsersAction[Parser]) -> None:
    nats = sub.add_parser(
        "nats",
        help="the bundled nats-server on a fixed port, for processes started separately (the Procfile)",
        description="Run the bundled nats-server with JetStream. On SIGTERM or Ctrl-C it waits until its "
        "clients have left (at most [nats] drain_timeout), so that processes stopping with it drain first.",
    )
    nats.add_argument(
        "--port", type=port_number, metavar="PORT", default=4222, help="port for clients (default: 4222)"
    )
    nats.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    nats.add_argument(
        "--store-dir", metavar="DIR", help="JetStream's store (default: nats-PORT under [paths] var_dir)"
    )
    nats.set_defaults(fn=cmd_nats)


def _add_database_commands(sub: argparse._SubParsersAction[Parser]) -> None:
    migrate = sub.add_parser(
        "migrate",
        help="apply database migrations; `current`, `upgrade REV` and `downgrade REV` below",
        description="Without a subcommand: apply every migration not applied yet (Alembic).",
        usage="%(prog)s [-h] [current | upgrade [REVISION] | downgrade REVISION]",
    )
    migrate.set_defaults(fn=cmd_migrate)
    steps = migrate.add_subparsers(dest="migrate_command", metavar="SUBCOMMAND", prog=migrate.prog)
    steps.add_parser(
        "current", help="print the database's revision and whether it is the newest"
    ).set_defaults(fn=cmd_migrate_current)
    upgrade = steps.add_parser("upgrade", help="apply migrations up to a revision")
    upgrade.add_argument("revision", nargs="?", default="head", help="revision id, or head (default) for all")
    upgrade.set_defaults(fn=cmd_migrate)
    downgrade = steps.add_parser("downgrade", help="undo migrations down to a revision")
    downgrade.add_argument("revision", help="revision id such as 0004, -1 for the last one, or base for all")
    downgrade.set_defaults(fn=cmd_migrate_downgrade)

    users = sub.add_parser("users", help="account administration").add_subparsers(
        dest="users", required=True, metavar="SUBCOMMAND"
    )
    admin = users.add_parser(
        "create-admin",
        help="create an admin account",
        description="Create an admin account; no cluster needed.",
    )
    admin.add_argument("--email", required=True, help="the admin's email address, which signs in")
    admin.add_argument(
        "--password", help="prefer SOUK_ADMIN_PASSWORD or the prompt: flags end up in shell history"
    )
    admin.set_defaults(fn=cmd_create_admin)


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        fail(str(exc), MISUSED)
    configure_logging(settings.log)
    event_loop.tune_gc(settings.app.gc_threshold)
    fn: Command = args.fn
    try:
        event_loop.run(fn(settings, args), settings.app.event_loop)
    except KeyboardInterrupt:  # before the signal handlers were in place
        pass
    except ReplicasError as exc:  # a deployment mistake: say which setting, without a traceback
        fail(str(exc), MISUSED)


if __name__ == "__main__":
    main()
