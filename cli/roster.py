"""`rrc roster generate` (a reproducible synthetic roster) and `rrc roster import FILE` (validate, report, apply)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import typer

from config.settings import get_settings

app = typer.Typer(help="The expert roster and partner directory.", no_args_is_help=True)


@app.command()
def generate(
    experts: int = typer.Option(1000, "--experts", min=0, help="How many experts."),
    partners: int = typer.Option(50, "--partners", min=0, help="How many partner organisations."),
    seed: int = typer.Option(1, "--seed", help="Same seed, same roster."),
    out: Path = typer.Option(Path("roster"), "--out", help="Folder for experts.csv and partners.csv."),
    publish: bool = typer.Option(False, "--publish", help="Also publish to the compacted roster topics."),
    epoch: str = typer.Option(None, "--epoch", help="Start of the availability calendar, YYYY-MM-DD "
                                                    "(default: the 1st of this month). Same seed and epoch, same roster."),
) -> None:
    """Write a plausible synthetic roster (names, skills, languages, regions), reproducible from the seed."""
    from datetime import date

    from responders.roster import export_experts_csv, export_partners_csv, generate_roster

    start = date.fromisoformat(epoch) if epoch else date.today().replace(day=1)
    ex, pa = generate_roster(experts, partners, seed, epoch=start)
    out.mkdir(parents=True, exist_ok=True)
    export_experts_csv(ex, out / "experts.csv")
    export_partners_csv(pa, out / "partners.csv")
    typer.echo(f"wrote {len(ex)} experts and {len(pa)} partners to {out}/ (seed {seed})", err=True)
    if publish:
        _publish(ex, pa)


@app.command("import")
def import_cmd(
    file: Path = typer.Argument(..., help="CSV or JSON (list or JSON lines) of experts or partners."),
    kind: str = typer.Option("experts", "--kind", help="experts|partners"),
    format: str = typer.Option("auto", "--format", help="auto|csv|json|jsonl"),
    dry_run: bool = typer.Option(False, "--dry-run", help="Validate and report only."),
) -> None:
    """Validate FILE, print a report (row, field, reason) for invalid rows, publish the valid ones."""
    from responders.roster import import_experts, import_partners

    if kind not in ("experts", "partners"):
        typer.echo("rrc: --kind must be experts or partners", err=True)
        raise typer.Exit(2)
    try:
        data = file.read_bytes()
    except OSError as exc:
        typer.echo(f"rrc: cannot read {file}: {exc.strerror or exc}", err=True)
        raise typer.Exit(2)
    result = (import_experts if kind == "experts" else import_partners)(data, format=format)
    for issue in result.issues:
        typer.echo(f"row {issue.row}: {issue.field}: {issue.reason}", err=True)
    rejected = len({i.row for i in result.issues})
    typer.echo(f"valid {len(result.records)}, rejected {rejected}", err=True)
    if result.records and not dry_run:
        if kind == "experts":
            _publish(result.records, [])
        else:
            _publish([], result.records)


def _publish(experts, partners) -> None:
    settings = get_settings()
    from streams.broker.probe import broker_answers

    if not broker_answers(settings.bootstrap_servers, timeout=3):
        typer.echo(f"rrc: no Kafka broker answers on {settings.bootstrap_servers}", err=True)
        raise typer.Exit(1)
    sent = asyncio.run(_send(settings, experts, partners))
    typer.echo(f"published {sent} records", err=True)


async def _send(settings, experts, partners) -> int:
    from aiokafka import AIOKafkaProducer
    from rich.progress import Progress

    from config.topics import ROSTER_EXPERTS, ROSTER_PARTNERS
    from responders.roster.store import record_message
    from streams.broker.admin import ensure_topics

    await ensure_topics(settings)
    producer = AIOKafkaProducer(bootstrap_servers=settings.bootstrap_servers, acks="all", enable_idempotence=True,
                                linger_ms=20)
    await producer.start()
    try:
        with Progress(transient=True) as progress:
            task = progress.add_task("publishing", total=len(experts) + len(partners))
            futures = []
            for topic, records, id_field in ((ROSTER_EXPERTS, experts, "expert_id"),
                                             (ROSTER_PARTNERS, partners, "partner_id")):
                for record in records:
                    fut = await producer.send(settings.topic_name(topic.name), record_message(record),
                                              key=getattr(record, id_field).encode())
                    fut.add_done_callback(lambda _f: progress.advance(task))
                    futures.append(fut)
            await asyncio.gather(*futures)
    finally:
        await producer.stop()
    return len(experts) + len(partners)
