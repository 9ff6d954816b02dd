"""`rrc parse FILE` (offline, no broker) and `rrc ingest FILE` (parse, then publish with a progress bar)."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import typer

from config.settings import get_settings

FORMAT_HELP = "auto|cap|gdacs|usgs|reliefweb|acled|indicators|json"


def _read(file: Path, fmt: str, indicator: str | None):
    """Read and parse FILE; exits 2 when it cannot be read or the format is unknown."""
    from responders.intake import FORMATS, parse
    from responders.intake.exceptions import UnknownFormat, UnreadableInput

    if fmt not in FORMATS:
        typer.echo(f"rrc: unknown format {fmt!r} (choose one of {', '.join(FORMATS)})", err=True)
        raise typer.Exit(2)
    try:
        data = file.read_bytes()
    except OSError as exc:
        typer.echo(f"rrc: cannot read {file}: {exc.strerror or exc}", err=True)
        raise typer.Exit(2)
    opts = {"indicator": indicator} if indicator else {}
    try:
        return parse(data, fmt, **opts)
    except (UnknownFormat, UnreadableInput) as exc:
        typer.echo(f"rrc: {file}: {exc}", err=True)
        raise typer.Exit(2)


def _report(result) -> None:
    typer.echo(f"parsed {len(result.signals)} signals, rejected {len(result.rejections)}", err=True)
    for r in result.rejections:
        where = f"{r.record}: " if r.record else ""
        typer.echo(f"rejected {where}{r.reason} ({r.error_type})", err=True)


def parse_cmd(
    file: Path = typer.Argument(..., help="Feed file to parse."),
    format: str = typer.Option("auto", "--format", "-f", help=FORMAT_HELP),
    indicator: str = typer.Option(None, "--indicator", help="Indicator name for long-form series without one."),
) -> None:
    """Parse a feed offline: one normalised signal per line on stdout, a summary and rejections on stderr."""
    result = _read(file, format, indicator)
    out = sys.stdout
    for signal in result.signals:
        out.write(json.dumps(signal.to_json_dict(), ensure_ascii=False))
        out.write("\n")
    out.flush()
    _report(result)


def ingest_cmd(
    file: Path = typer.Argument(..., help="Feed file to ingest."),
    format: str = typer.Option("auto", "--format", "-f", help=FORMAT_HELP),
    indicator: str = typer.Option(None, "--indicator", help="Indicator name for long-form series without one."),
) -> None:
    """Parse a feed, then publish each signal to rrc.signals.raw keyed by signal_id, with a progress bar."""
    result = _read(file, format, indicator)
    settings = get_settings()
    from streams.broker.probe import broker_answers

    if not broker_answers(settings.bootstrap_servers, timeout=3):
        typer.echo(f"rrc: no Kafka broker answers on {settings.bootstrap_servers} (start it with `rrc kafka up`)",
                   err=True)
        raise typer.Exit(1)
    sent = asyncio.run(_publish(settings, result.signals))
    _report(result)
    typer.echo(f"published {sent} signals to {settings.topic_name('rrc.signals.raw')}", err=True)


async def _publish(settings, signals) -> int:
    from aiokafka import AIOKafkaProducer
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from config.topics import SIGNALS_RAW
    from responders.signals.normalise import FORMAT_HEADER

    producer = AIOKafkaProducer(bootstrap_servers=settings.bootstrap_servers, acks="all", enable_idempotence=True,
                                linger_ms=10)
    await producer.start()
    topic = settings.topic_name(SIGNALS_RAW.name)
    try:
        with Progress(TextColumn("publishing"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                      transient=False, console=None) as progress:
            task = progress.add_task("publish", total=len(signals))
            futures = []
            for signal in signals:
                fut = await producer.send(topic, signal.model_dump_json().encode(), key=signal.signal_id.encode(),
                                          headers=[(FORMAT_HEADER, b"json")])
                fut.add_done_callback(lambda _f: progress.advance(task))
                futures.append(fut)
            await asyncio.gather(*futures)
    finally:
        await producer.stop()
    return len(signals)


def register(app: typer.Typer) -> None:
    app.command("parse")(parse_cmd)
    app.command("ingest")(ingest_cmd)
