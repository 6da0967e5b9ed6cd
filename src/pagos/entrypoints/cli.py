"""The ``pagos`` command line."""

from __future__ import annotations

import asyncio
import logging
import signal
from typing import Annotated

import typer

from pagos.config import Settings

cli = typer.Typer(
    help="Event-sourced payments service. Configuration comes from environment variables; see README.md.",
    no_args_is_help=True,
    add_completion=False,
)
logger = logging.getLogger("pagos.cli")

LogLevel = Annotated[str, typer.Option("--log-level", help="Logging level: debug, info, warning or error")]


def _configure_logging(level: str) -> None:
    logging.basicConfig(level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def _load_settings() -> Settings:
    try:
        settings = Settings()
        settings.sql_url  # noqa: B018 - converts and checks ConnectionStrings__SQL now, not at first use
    except ValueError as error:
        typer.echo(f"pagos: invalid configuration: {error}", err=True)
        raise typer.Exit(2) from None
    return settings


@cli.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port to listen on")] = 8000,
    relay: Annotated[bool, typer.Option(help="Publish the outbox from this process")] = True,
    projector: Annotated[
        bool, typer.Option(help="Also consume Kafka into the read model here (only with Kafka__BootstrapServers)")
    ] = False,
    log_level: LogLevel = "info",
) -> None:
    """Run the HTTP API; on the embedded default it also delivers events to the read model."""
    import uvicorn

    from pagos.entrypoints.http.app import create_app

    _configure_logging(log_level)
    app = create_app(_load_settings(), run_relay=relay, run_projector=projector)
    display_host = "localhost" if host in {"127.0.0.1", "0.0.0.0"} else host
    typer.echo(f"pagos listening on http://{display_host}:{port}, API docs at http://{display_host}:{port}/docs")
    uvicorn.run(app, host=host, port=port, log_level=log_level.lower(), log_config=None, timeout_graceful_shutdown=10)


@cli.command("relay")
def relay_command(log_level: LogLevel = "info") -> None:
    """Publish outbox entries to Kafka (or in-process) until SIGTERM or Ctrl+C."""
    from pagos import bootstrap

    _configure_logging(log_level)
    settings = _load_settings()

    async def run() -> None:
        relay, resources = await bootstrap.build_relay(settings)
        resources.start("outbox-relay", relay.run)
        await _run_until_signal(resources)

    asyncio.run(run())


@cli.command("projector")
def projector_command(log_level: LogLevel = "info") -> None:
    """Consume the Kafka topic in a consumer group into the read model until SIGTERM or Ctrl+C."""
    from pagos import bootstrap

    _configure_logging(log_level)
    settings = _load_settings()

    async def run() -> None:
        try:
            _, resources = await bootstrap.build_projector(settings)
        except ValueError as error:
            typer.echo(f"pagos: {error}", err=True)
            raise typer.Exit(2) from None
        await _run_until_signal(resources)

    asyncio.run(run())


@cli.command()
def verify(
    wait: Annotated[float, typer.Option(help="Seconds to keep rechecking while events are in flight")] = 30.0,
    log_level: LogLevel = "warning",
) -> None:
    """Compare every payment rebuilt from the event store with the read model; exit 1 on a difference."""
    from pagos import bootstrap
    from pagos.application.verify import ConsistencyChecker, VerifyReport
    from pagos.infrastructure.sql.engine import create_engine
    from pagos.infrastructure.sql.event_store import SqlEventStore, SqlOutbox

    _configure_logging(log_level)
    settings = _load_settings()

    async def run() -> VerifyReport:
        resources = bootstrap.Resources()
        engine = create_engine(settings.sql_url)
        resources.closers.append(engine.dispose)
        try:
            read_model = await bootstrap.build_read_model(settings, resources)
            checker = ConsistencyChecker(SqlEventStore(engine), SqlOutbox(engine), read_model)
            return await checker.check(wait_seconds=wait)
        finally:
            await resources.close()

    report = asyncio.run(run())
    typer.echo(report.summary())
    for label, ids in (("missing", report.missing), ("stale", report.stale), ("mismatched", report.mismatched)):
        for pago_id in ids[:10]:
            typer.echo(f"  {label}: {pago_id}")
    if not report.consistent:
        typer.echo("verify: the read model differs from the event store; 'pagos rebuild-read-model' rebuilds it")
        raise typer.Exit(1)
    typer.echo("verify: consistent" + (f" ({report.in_flight} payments still in flight)" if report.in_flight else ""))


@cli.command("rebuild-read-model")
def rebuild_read_model(log_level: LogLevel = "warning") -> None:
    """Replay every event into a new read model, then switch queries and projectors to it in one step."""
    from rich.progress import Progress

    from pagos import bootstrap
    from pagos.application.rebuild import replay
    from pagos.infrastructure.sql.engine import create_engine
    from pagos.infrastructure.sql.event_store import SqlEventStore

    _configure_logging(log_level)
    settings = _load_settings()

    async def run() -> None:
        resources = bootstrap.Resources()
        engine = create_engine(settings.sql_url)
        resources.closers.append(engine.dispose)
        try:
            store = SqlEventStore(engine)
            backend = await bootstrap.read_model_backend(settings, resources)
            previous = await backend.pointer.get() or backend.default_name
            name = backend.new_name()
            target = await backend.open_model(name)
            total = await store.last_position()
            with Progress(transient=False) as progress:
                task = progress.add_task(f"replaying into {name}", total=max(total, 1))
                position = await replay(store, target, 0, lambda count: progress.advance(task, count))
                progress.update(task, completed=max(total, 1))

            await backend.pointer.set(name)
            # Readers re-read the pointer every few seconds; events projected into
            # the previous read model meanwhile are replayed once more here.
            await asyncio.sleep(bootstrap.POINTER_TTL_SECONDS * 2 + 0.5)
            position = await replay(store, target, position)
            typer.echo(f"read model rebuilt into {name} up to event position {position}; queries now read it")
            typer.echo(f"the previous read model {previous} is kept; drop it once it is no longer needed")
        finally:
            await resources.close()

    asyncio.run(run())


@cli.command()
def migrate(
    revision: Annotated[str, typer.Option(help="Target revision; 'head' is the newest")] = "head",
    down: Annotated[bool, typer.Option("--down", help="Migrate down to REVISION ('base' removes every table)")] = False,
    log_level: LogLevel = "info",
) -> None:
    """Apply the event store's schema migrations to ConnectionStrings__SQL (or the embedded SQLite file)."""
    from pagos.infrastructure.sql import migrate as migrations

    _configure_logging(log_level)
    url = _load_settings().sql_url
    if down:
        asyncio.run(migrations.downgrade(url, revision))
    else:
        asyncio.run(migrations.upgrade(url, revision))
    typer.echo(f"event store schema at {revision}")


async def _run_until_signal(resources) -> None:  # type: ignore[no-untyped-def]
    """Run the background tasks until SIGTERM or SIGINT, then stop them gracefully."""
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, resources.stop.set)
    try:
        await resources.wait()
    finally:
        await resources.close()


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
