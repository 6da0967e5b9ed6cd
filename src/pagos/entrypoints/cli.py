"""The ``pagos`` command line."""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated

import typer

from pagos.config import Settings

cli = typer.Typer(
    help="Event-sourced payments service. Configuration comes from environment variables; see README.md.",
    no_args_is_help=True,
    add_completion=False,
)

LogLevel = Annotated[str, typer.Option("--log-level", help="Logging level: debug, info, warning or error")]


def _configure_logging(level: str) -> None:
    logging.basicConfig(level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")


@cli.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port to listen on")] = 8000,
    log_level: LogLevel = "info",
) -> None:
    """Run the HTTP API with the in-process relay and projector."""
    import uvicorn

    from pagos.entrypoints.http.app import create_app

    _configure_logging(log_level)
    app = create_app(Settings())
    display_host = "localhost" if host in {"127.0.0.1", "0.0.0.0"} else host
    typer.echo(f"pagos listening on http://{host}:{port}, API docs at http://{display_host}:{port}/docs")
    uvicorn.run(app, host=host, port=port, log_level=log_level.lower(), log_config=None, timeout_graceful_shutdown=10)


@cli.command()
def migrate(
    revision: Annotated[str, typer.Option(help="Target revision; 'head' is the newest")] = "head",
    down: Annotated[bool, typer.Option("--down", help="Migrate down to REVISION ('base' removes every table)")] = False,
    log_level: LogLevel = "info",
) -> None:
    """Apply the event store's schema migrations to ConnectionStrings__SQL (or the embedded SQLite file)."""
    from pagos.infrastructure.sql import migrate as migrations

    _configure_logging(log_level)
    url = Settings().sql_url
    if down:
        asyncio.run(migrations.downgrade(url, revision))
    else:
        asyncio.run(migrations.upgrade(url, revision))
    typer.echo(f"event store schema at {revision}")


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
