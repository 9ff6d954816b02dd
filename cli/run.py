"""`rrc worker` (stream worker + API in one process) and `rrc up` (broker + worker + API, Ctrl-C stops all)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import httpx
import typer

from config.logging import setup_logging
from config.settings import get_settings
from config.offices import OfficesError
from streams.broker.exceptions import BrokerError
from streams.broker.local import from_settings

STOP_BUDGET_S = 10.0  # Ctrl-C ends everything within this
WORKER_STOP_S = 8.0  # the worker's own stop budget is 7 s (streams.worker); the broker gets what is left


def worker() -> None:
    """Run the stream worker and the HTTP API on one event loop (no broker management)."""
    import uvicorn

    from api.app import create_api

    settings = get_settings()
    log_file = settings.log_file or settings.data_dir / "logs" / "rrc.jsonl"
    setup_logging(settings.log_level, settings.log_json, file=log_file,
                  file_level="DEBUG" if (settings.log_level or "").upper() == "DEBUG" else "INFO")
    try:
        api = create_api(settings)
    except OfficesError as exc:  # the field structure is checked before anything starts
        typer.echo(f"rrc: the offices file is not valid, so nothing was started: {exc}", err=True)
        raise typer.Exit(2) from None
    config = uvicorn.Config(api, host=settings.api_host, port=settings.api_port, loop="asyncio",
                            lifespan="on", log_config=None, access_log=False, timeout_graceful_shutdown=2)
    uvicorn.Server(config).run()


def up(demo: bool = typer.Option(False, "--demo", help="Load demo data once the API answers.")) -> None:
    """Start the local broker (unless RRC_BROKER is set), then the worker and API; Ctrl-C stops every child."""
    settings = get_settings()
    kafka = from_settings(settings)
    started_broker = False
    if settings.local_broker:
        try:
            started_broker = kafka.up()
        except BrokerError as exc:
            typer.echo(f"rrc: {exc}", err=True)
            raise typer.Exit(1)
        typer.echo(f"kafka running on {kafka.bootstrap}")
    # Its own session: a terminal's Ctrl-C reaches only this process, which stops the worker once, in order.
    child = subprocess.Popen([sys.executable, "-m", "cli.main", "worker"], env=os.environ.copy(),
                             start_new_session=True)
    url = f"http://{settings.api_host}:{settings.api_port}"
    stopping = False

    def stop(*_):
        nonlocal stopping
        if not stopping:  # the first signal interrupts whatever runs (the demo load too); later ones are ignored
            stopping = True
            raise KeyboardInterrupt

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        if _wait_healthy(url, child, timeout=120):
            typer.echo(f"rrc API on {url}  (console: {url}/console, health: {url}/health, docs: {url}/docs)  "
                       "Ctrl-C stops everything")
            if demo:
                from cli.demo import load_demo

                load_demo(url, settings)
        while not stopping and child.poll() is None:
            time.sleep(0.2)
    except KeyboardInterrupt:
        pass
    finally:
        started = time.monotonic()
        if child.poll() is None:
            child.send_signal(signal.SIGINT)
            try:
                child.wait(timeout=WORKER_STOP_S)
            except subprocess.TimeoutExpired:
                typer.echo(f"rrc: the worker did not stop within {WORKER_STOP_S:g} s; killed", err=True)
                child.kill()
                child.wait()
        if started_broker:
            kafka.down(timeout=max(3.0, STOP_BUDGET_S - (time.monotonic() - started)))
            typer.echo("kafka stopped")
    raise typer.Exit(0 if stopping else (child.returncode or 0))


def _wait_healthy(url: str, child: subprocess.Popen, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and child.poll() is None:
        try:
            if httpx.get(f"{url}/health", timeout=3).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    return False


def register(app: typer.Typer) -> None:
    app.command()(worker)
    app.command()(up)
