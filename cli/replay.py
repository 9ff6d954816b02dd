"""`rrc replay FILE|DIR`: archived feeds replayed as a rehearsal, on a run of their own, with a report at the end.

A rehearsal is its own run of the system: its own worker and API (a free port), its own topics (prefix
`rehearsal-<run>.`) and data dir (`<data dir>/rehearsals/<run>`), on the same broker. Its clock starts now and runs
`--speed` times faster than the wall (RRC_CLOCK_SPEED), and its sweeps run that much more often, so offers expire,
seats escalate and targets fall due as they would have. So exercise data never mixes with actual data: the actual
system's topics, views and subscriptions never see it. In exercise mode (the default) every signal is also a CAP
`Exercise` with an id of its own, and within the rehearsal partners without the exercise grant see nothing.

The rehearsal gets the generated demo roster, and (unless `--no-approve`) a coordinator of headquarters approves
every plan as soon as it is proposed, so offers go out; nobody answers them, so they expire and escalate. The
report: crises opened, plans proposed and approved, hours from a crisis's first signal to its first offer, offers
and their states, targets met, missed and at risk. `--keep` leaves the rehearsal running afterwards (its console
URL and a coordinator token are printed) until Ctrl-C.
"""

from __future__ import annotations

import json
import os
import signal as signals_
import statistics
import subprocess
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import typer

from cli.pages import every
from cli.processes import stop as stop_process
from config.settings import get_settings

SUFFIXES = {".xml", ".cap", ".json", ".geojson", ".csv"}
FOLDER_FORMATS = {"cap": "cap", "gdacs": "auto", "usgs": "usgs", "reliefweb": "reliefweb", "economic": "indicators",
                  "acled": "acled"}


def feed_files(paths: list[Path]) -> list[tuple[Path, str]]:
    """Every feed file under the paths, with the format its folder says (else detected)."""
    out = []
    for path in paths:
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for f in files:
            if f.suffix.lower() in SUFFIXES:
                out.append((f, FOLDER_FORMATS.get(f.parent.name, "auto")))
    return out


def read_signals(files: list[tuple[Path, str]]) -> tuple[list, int]:
    from responders.intake import parse
    from responders.intake.exceptions import UnknownFormat, UnreadableInput

    signals, rejected = [], 0
    for path, fmt in files:
        try:
            result = parse(path.read_bytes(), fmt)
        except (OSError, UnknownFormat, UnreadableInput) as exc:
            typer.echo(f"replay: {path}: skipped ({exc})", err=True)
            continue
        signals += result.signals
        rejected += len(result.rejections)
    return signals, rejected


def _when(value: str | None) -> datetime | None:
    if value is None:
        return None
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _start_worker(env: dict, log: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "cli.main", "worker"], env=env, stdout=subprocess.DEVNULL,
                            stderr=open(log, "ab"), start_new_session=True)


def _wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("the rehearsal worker exited")
        try:
            if httpx.get(f"{url}/health", timeout=3).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError("the rehearsal API never became healthy")


class Approver:
    """The rehearsal's coordinator: approves every proposed plan it has not approved yet."""

    def __init__(self, client: httpx.Client) -> None:
        self.client, self.approved, self.refused = client, set(), {}

    def run(self) -> None:
        page = self.client.get("/v1/plans", params={"status": "proposed", "limit": 500}).json()
        for plan in page.get("items", []):
            if plan["plan_id"] in self.approved or plan["plan_id"] in self.refused:
                continue
            r = self.client.post(f"/v1/plans/{plan['plan_id']}/approve")
            if r.status_code in (200, 201):
                self.approved.add(plan["plan_id"])
            elif r.status_code != 409:  # a newer version superseded it: the next poll approves that one
                self.refused[plan["plan_id"]] = r.text[:200]


def report(client: httpx.Client, approved: int, published: int, rejected: int) -> dict:
    crises = list(every(client, "/v1/crises"))
    plans = list(every(client, "/v1/plans"))
    interventions = list(every(client, "/v1/interventions"))
    offers = list(every(client, "/v1/deployments"))
    states: dict[str, int] = {}
    for o in offers:
        states[o["state"]] = states.get(o["state"], 0) + 1
    first_seen = {c["crisis_id"]: _when(c["first_signal_at"]) for c in crises}
    first_offer: dict[str, datetime] = {}
    for o in offers:
        at = _when(o["offered_at"])
        if o["crisis_id"] not in first_offer or at < first_offer[o["crisis_id"]]:
            first_offer[o["crisis_id"]] = at
    hours = [(at - first_seen[cid]).total_seconds() / 3600 for cid, at in first_offer.items() if cid in first_seen]
    statuses: dict[str, int] = {}
    for intervention in interventions:  # each one's targets (the delivery overview counts actual data only)
        r = client.get(f"/v1/interventions/{intervention['intervention_id']}/targets")
        for target in r.json().get("targets", []) if r.status_code == 200 else []:
            statuses[target["status"]] = statuses.get(target["status"], 0) + 1
    return {"signals_replayed": published, "records_rejected_by_the_parsers": rejected,
            "crises_opened": len(crises), "exercise_crises": sum(1 for c in crises if c["exercise"]),
            "plans_proposed": len(plans), "plans_approved": approved, "interventions": len(interventions),
            "offers": len(offers), "offers_by_state": states,
            "hours_to_first_offer_median": round(statistics.median(hours), 2) if hours else None,
            "targets_met": statuses.get("met", 0), "targets_missed": statuses.get("missed", 0),
            "targets_at_risk": statuses.get("at_risk", 0) + statuses.get("off_track", 0),
            "targets_on_track": statuses.get("on_track", 0)}


def replay_cmd(
    paths: list[Path] = typer.Argument(..., help="Feed files or folders of archived feeds."),
    speed: float = typer.Option(60.0, "--speed", min=1, max=1_000_000,
                                help="Rehearsal time runs this many times faster than the wall."),
    exercise: bool = typer.Option(True, "--exercise/--actual", help="Replay as CAP Exercise (the default)."),
    since: str = typer.Option(None, "--from", help="Only signals observed from this time (ISO 8601)."),
    until: str = typer.Option(None, "--to", help="Only signals observed until this time (ISO 8601)."),
    max_gap_hours: float = typer.Option(24.0, "--max-gap-hours", min=0,
                                        help="Silences longer than this (rehearsal hours) are cut to it."),
    tail_hours: float = typer.Option(72.0, "--tail-hours", min=0,
                                     help="Rehearsal hours to run on after the last signal (offers expire, ...)."),
    approve: bool = typer.Option(True, "--approve/--no-approve", help="Approve every proposed plan at once."),
    keep: bool = typer.Option(False, "--keep", help="Leave the rehearsal running after the report (Ctrl-C ends it)."),
) -> None:
    """Replay archived feeds in event-time order as a rehearsal (exercise mode by default), then report."""
    from api.auth.tokens import TokenStore
    from cli.demo import import_roster
    from config.settings import Settings
    from responders.intake.replay import rehearsal
    from streams.broker.local import free_port, from_settings

    settings = get_settings()
    files = feed_files(paths)
    if not files:
        typer.echo("rrc: no feed files (.xml .cap .json .geojson .csv) in the given paths", err=True)
        raise typer.Exit(2)
    found, rejected = read_signals(files)
    run_id = uuid.uuid4().hex[:8]
    start = datetime.now(timezone.utc)
    schedule = rehearsal(found, start, run_id=run_id, exercise=exercise, max_gap=timedelta(hours=max_gap_hours),
                         since=_when(since), until=_when(until))
    if not schedule:
        typer.echo("rrc: no signal in the files falls between --from and --to", err=True)
        raise typer.Exit(2)
    span = schedule[-1].at + timedelta(hours=tail_hours)
    typer.echo(f"replay {run_id}: {len(schedule)} signals from {len(files)} files "
               f"({schedule[0].original_at:%Y-%m-%d} to {schedule[-1].original_at:%Y-%m-%d}), "
               f"{span.total_seconds() / 3600:.0f} rehearsal hours at x{speed:g}: "
               f"about {span.total_seconds() / speed:.0f} s", err=True)

    kafka = from_settings(settings)
    started_broker = settings.local_broker and kafka.up()
    data = settings.data_dir / "rehearsals" / run_id
    data.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = {**os.environ, "RRC_BROKER": settings.bootstrap_servers, "RRC_TOPIC_PREFIX": f"rehearsal-{run_id}.",
           "RRC_DATA_DIR": str(data), "RRC_API_PORT": str(port), "RRC_API_HOST": "127.0.0.1",
           "RRC_CLOCK_SPEED": str(speed), "RRC_CLOCK_EPOCH": start.isoformat(), "RRC_PLAN_EXERCISES": "true",
           "RRC_EXPIRY_SWEEP_INTERVAL_S": str(max(0.5, settings.expiry_sweep_interval_s / speed)),
           "RRC_DELIVERY_SWEEP_INTERVAL_S": str(max(0.5, settings.delivery_sweep_interval_s / speed)),
           "RRC_CRISIS_SWEEP_INTERVAL_S": str(max(1.0, settings.crisis_sweep_interval_s / speed)),
           "RRC_RATE_LIMIT_PER_S": "500", "RRC_RATE_LIMIT_BURST": "1000"}
    env.pop("RRC_CLOCK_SKEW_FILE", None)
    url = f"http://127.0.0.1:{port}"
    proc = _start_worker(env, data / "worker.log")
    stopping = False

    def stop(*_):
        nonlocal stopping
        stopping = True
        raise KeyboardInterrupt

    signals_.signal(signals_.SIGTERM, stop)
    try:
        _wait_healthy(url, proc)
        rehearsal_settings = Settings(_env_file=None, data_dir=data, topic_prefix=f"rehearsal-{run_id}.")
        store = TokenStore.from_settings(rehearsal_settings)
        coordinator = store.issue("coordinator", office_id="hq").token
        admin = store.issue("admin", office_id="hq").token
        typer.echo(f"rehearsal API on {url} (console: {url}/console), data dir {data}")
        typer.echo(f"rehearsal coordinator token {coordinator}")
        sys.stdout.flush()
        with httpx.Client(base_url=url, timeout=60, headers={"Authorization": f"Bearer {admin}"}) as client:
            import_roster(client)
            client.headers["Authorization"] = f"Bearer {coordinator}"
            approver = Approver(client)
            wall0 = time.monotonic()
            published, i, last_poll = 0, 0, 0.0
            end = span.total_seconds() / speed
            while True:
                elapsed = time.monotonic() - wall0
                due = []
                while i < len(schedule) and schedule[i].at.total_seconds() / speed <= elapsed:
                    due.append(schedule[i].signal.to_json_dict())
                    i += 1
                for chunk in range(0, len(due), 200):
                    r = client.post("/v1/signals", json=due[chunk:chunk + 200])
                    r.raise_for_status()
                    published += len(r.json()["accepted"])
                if approve and time.monotonic() - last_poll >= 0.5:
                    approver.run()
                    last_poll = time.monotonic()
                if i >= len(schedule) and elapsed >= end:
                    break
                typer.echo(f"\rreplay: {i}/{len(schedule)} signals, rehearsal hour "
                           f"{elapsed * speed / 3600:,.0f} of {end * speed / 3600:,.0f}, "
                           f"{len(approver.approved)} plans approved", err=True, nl=False)
                time.sleep(0.2)
            typer.echo("", err=True)
            figures = report(client, len(approver.approved), published, rejected)
        for key, value in figures.items():
            typer.echo(f"replay: {key.replace('_', ' ')}: {value}", err=True)
        typer.echo(json.dumps({"run": run_id, "speed": speed, "exercise": exercise, **figures}, sort_keys=True))
        if keep:
            typer.echo(f"replay: the rehearsal keeps running on {url}/console; Ctrl-C ends it", err=True)
            while proc.poll() is None:
                time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        stop_process(proc)
        if started_broker:
            kafka.down()
    if stopping:
        raise typer.Exit(0)


def register(app: typer.Typer) -> None:
    app.command("replay")(replay_cmd)
