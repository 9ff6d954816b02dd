"""`rrc up --demo`: put a running system to work on real data.

Issues a coordinator and an admin token, imports a generated roster through the API, replays every feed sample in
the shared data folder (CAP, GDACS, USGS, ReliefWeb, economic indicators) through `POST /v1/signals/feed`, waits
until the crises appear and prints where to look. Everything goes through the public API, like a user's calls.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import typer

from api.auth.tokens import TokenStore
from config.settings import Settings

# folder in the shared data set -> feed format; ISCO tables are reference data, not signals
SAMPLE_FORMATS = {"cap": "cap", "gdacs": "auto", "usgs": "usgs", "reliefweb": "reliefweb", "economic": "indicators"}
SAMPLE_SUFFIXES = {".xml", ".cap", ".json", ".geojson", ".csv"}
DEMO_EXPERTS, DEMO_PARTNERS, DEMO_SEED = 300, 30, 7


@dataclass
class DemoReport:
    files: int = 0
    accepted: int = 0
    rejected: int = 0
    failed: list[str] = field(default_factory=list)


def shared_data_dir() -> Path | None:
    """RRC_DEMO_DATA, else ../shared/data next to the checkout, else none (the demo then only loads a roster)."""
    explicit = os.environ.get("RRC_DEMO_DATA")
    candidates = [Path(explicit)] if explicit else []
    candidates += [Path.cwd().parent / "shared" / "data", Path(__file__).resolve().parents[2] / "shared" / "data"]
    return next((c for c in candidates if c.is_dir()), None)


def sample_files(root: Path) -> list[tuple[Path, str]]:
    out = []
    for folder, fmt in SAMPLE_FORMATS.items():
        for path in sorted((root / folder).glob("*")):
            if path.is_file() and path.suffix.lower() in SAMPLE_SUFFIXES:
                out.append((path, fmt))
    return out


def import_roster(client: httpx.Client) -> tuple[int, int]:
    from datetime import date

    from responders.roster import export_experts_csv, export_partners_csv, generate_roster

    experts, partners = generate_roster(DEMO_EXPERTS, DEMO_PARTNERS, DEMO_SEED, epoch=date.today().replace(day=1))
    counts = []
    for kind, records, export in (("experts", experts, export_experts_csv),
                                  ("partners", partners, export_partners_csv)):
        body = export(records).encode()
        r = client.post(f"/v1/{kind}/import", content=body, params={"format": "csv"},
                        headers={"Content-Type": "text/csv"})
        r.raise_for_status()
        counts.append(r.json()["applied"])
    return counts[0], counts[1]


def replay_samples(client: httpx.Client, root: Path) -> DemoReport:
    report = DemoReport()
    files = sample_files(root)
    for n, (path, fmt) in enumerate(files, 1):
        r = client.post("/v1/signals/feed", params={"format": fmt}, content=path.read_bytes())
        report.files += 1
        if r.status_code == 202:
            body = r.json()
            report.accepted += len(body["accepted"])
            report.rejected += len(body["rejections"])
        else:
            report.failed.append(f"{path.name}: {r.status_code} {r.text[:160]}")
        typer.echo(f"  [{n}/{len(files)}] {path.parent.name}/{path.name}: {r.status_code}", err=True)
    return report


def wait_for_total(client: httpx.Client, path: str, timeout: float = 60) -> int:
    """The `total` of a list once it has stopped growing for 3 s (10 s while empty), or at the timeout."""
    deadline, total, stable_since = time.monotonic() + timeout, -1, time.monotonic()
    while time.monotonic() < deadline:
        now_total = client.get(path, params={"limit": 1}).json().get("total", 0)
        if now_total != total:
            total, stable_since = now_total, time.monotonic()
        elif time.monotonic() - stable_since > (3 if total > 0 else 10):
            break
        time.sleep(0.5)
    return max(total, 0)


def historical(client: httpx.Client) -> tuple[int, int]:
    """(crises recorded as history, the signals they hold)."""
    from cli.pages import every

    crises = list(every(client, "/v1/crises", historical="true"))
    return len(crises), sum(c["signal_count"] for c in crises)


def load_demo(url: str, settings: Settings) -> None:
    store = TokenStore.from_settings(settings)
    coordinator = store.issue("coordinator", office_id="hq").token  # headquarters: the demo spans the world
    admin = store.issue("admin", office_id="hq").token
    typer.echo("demo: loading a generated roster and the shared feed samples", err=True)
    with httpx.Client(base_url=url, timeout=60, headers={"Authorization": f"Bearer {admin}"}) as client:
        experts, partners = import_roster(client)
        typer.echo(f"demo: imported {experts} experts and {partners} partners (seed {DEMO_SEED})", err=True)
        root = shared_data_dir()
        if root is None:
            typer.echo("demo: no shared/data folder found (set RRC_DEMO_DATA); skipping feed replay", err=True)
            report = DemoReport()
        else:
            client.headers["Authorization"] = f"Bearer {coordinator}"
            report = replay_samples(client, root)
        for failure in report.failed:
            typer.echo(f"demo: {failure}", err=True)
        crises = wait_for_total(client, "/v1/crises") if report.accepted else 0
        plans = wait_for_total(client, "/v1/plans") if crises else 0
        history = historical(client) if crises else (0, 0)
    typer.echo(f"demo: {report.files} feed files, {report.accepted} signals accepted, {report.rejected} rejected, "
               f"{crises} crises, {plans} proposed plans")
    typer.echo(f"demo: {history[1]} of the {report.accepted} signals were history (older than their hazard's quiet "
               f"period): recorded in {history[0]} closed crises, no plan proposed for them")
    if history[1]:
        typer.echo("demo: to rehearse them as if they were happening now (exercise mode, a fast clock, a run of its "
                   "own): rrc replay ../shared/data --speed 3600 --keep")
    typer.echo(f"demo: coordinator token {coordinator}")
    typer.echo(f"demo: admin token {admin}")
    typer.echo(f'demo: curl -H "Authorization: Bearer {coordinator}" {url}/v1/crises')
    typer.echo(f'demo: curl -H "Authorization: Bearer {coordinator}" {url}/v1/plans')
    typer.echo(f"demo: metrics at {url}/metrics, API docs at {url}/docs")
    typer.echo(f"demo: console at {url}/console: sign in with the coordinator token above")
