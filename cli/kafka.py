"""`rrc kafka up|down|status`: the local single-node Apache Kafka (KRaft)."""

from __future__ import annotations

import typer

from config.settings import get_settings
from streams.broker.exceptions import BrokerError
from streams.broker.local import from_settings

app = typer.Typer(help="The local single-node Apache Kafka (KRaft).", no_args_is_help=True)


def _fail(message: str) -> None:
    typer.echo(f"rrc: {message}", err=True)
    raise typer.Exit(1)


@app.command()
def up() -> None:
    """Fetch the jars once, format the storage once, start the broker and wait until it answers."""
    settings = get_settings()
    if not settings.local_broker:
        _fail(f"RRC_BROKER is set ({settings.broker}); the local broker is not used")
    kafka = from_settings(settings)
    try:
        started = kafka.up()
    except BrokerError as exc:
        _fail(str(exc))
    typer.echo(f"kafka {'started' if started else 'already running'} on {kafka.bootstrap} (data in {kafka.home})")


@app.command()
def down() -> None:
    """Stop the local broker (SIGTERM, then wait); harmless when it is not running."""
    kafka = from_settings(get_settings())
    typer.echo("kafka stopped" if kafka.down() else "kafka was not running")


@app.command()
def status() -> None:
    """Say whether the local broker is running; exit 0 when running, 3 when stopped."""
    kafka = from_settings(get_settings())
    state = kafka.status()
    typer.echo(f"{state} ({kafka.bootstrap})")
    if state != "running":
        raise typer.Exit(3)


@app.command()
def fetch() -> None:
    """Resolve the broker's jars from Maven Central into the cache (a no-op once cached)."""
    settings = get_settings()
    kafka = from_settings(settings)
    try:
        libs = kafka.ensure_jars()
    except BrokerError as exc:
        _fail(str(exc))
    typer.echo(f"Apache Kafka {settings.kafka_version} jars in {libs}")
