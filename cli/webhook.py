"""`rrc webhook verify`: check a received webhook's Standard Webhooks signature offline, as a partner would.

Headers come from a file holding a JSON object, a file of `Name: value` lines (as copied from a request dump; a
leading request line such as `POST /hook HTTP/1.1` is skipped), or an inline JSON object. The body is the exact
bytes received (`-` reads stdin). Exit 0 and `ok` when the message verifies; exit 1 with the reason on stderr when
it does not; exit 2 when the inputs cannot be read.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import NoReturn

import typer

from responders.partners.signing import DEFAULT_TOLERANCE_S, SignatureError, verify

webhook_app = typer.Typer(help="Signed webhooks (Standard Webhooks).", no_args_is_help=True)


def _fail(message: str, code: int) -> NoReturn:
    typer.echo(f"rrc: {message}", err=True)
    raise typer.Exit(code)


def parse_headers(text: str) -> dict[str, str]:
    """A JSON object of header names to values, or `Name: value` lines; raises ValueError otherwise."""
    stripped = text.strip()
    if stripped.startswith("{"):
        try:
            loaded = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise ValueError(f"headers are not valid JSON: {exc}") from exc
        if not isinstance(loaded, dict):
            raise ValueError("headers JSON must be an object")
        return {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in loaded.items()}
    found: dict[str, str] = {}
    for number, line in enumerate(stripped.splitlines(), start=1):
        if not line.strip():
            continue
        name, sep, value = line.partition(":")
        if not sep or not name.strip() or " " in name.strip():
            if number == 1 and " HTTP/" in line:  # the request line of a dump
                continue
            raise ValueError(f"headers line {number} is not 'Name: value': {line[:60]!r}")
        found[name.strip()] = value.strip()
    if not found:
        raise ValueError("no headers found")
    return found


def _read_headers(source: str) -> dict[str, str]:
    path = Path(source)
    if source.lstrip().startswith("{") and not path.is_file():
        text = source
    else:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            _fail(f"cannot read headers from {source}: {getattr(exc, 'strerror', None) or exc}", 2)
    try:
        return parse_headers(text)
    except ValueError as exc:
        _fail(str(exc), 2)


def _read_body(source: Path) -> bytes:
    if str(source) == "-":
        return sys.stdin.buffer.read()
    try:
        return source.read_bytes()
    except OSError as exc:
        _fail(f"cannot read body from {source}: {exc.strerror or exc}", 2)


@webhook_app.command("verify")
def verify_cmd(
    secret: str = typer.Option(..., "--secret", envvar="RRC_WEBHOOK_SECRET",
                               help="The subscription's signing secret (whsec_...); or set RRC_WEBHOOK_SECRET."),
    headers: str = typer.Option(..., "--headers", help="File of headers (JSON object or 'Name: value' lines), "
                                                       "or an inline JSON object."),
    body: Path = typer.Option(..., "--body", help="File with the exact body received; '-' reads stdin."),
    tolerance: int = typer.Option(DEFAULT_TOLERANCE_S, "--tolerance", min=0,
                                  help="Accepted clock difference in seconds, either way."),
    now: int = typer.Option(None, "--now", help="Unix time to check the timestamp against (default: the clock)."),
) -> None:
    """Verify a received webhook: prints `ok`, or the reason it fails on stderr (exit 1)."""
    received = _read_headers(headers)
    data = _read_body(body)
    try:
        verify(secret, received, data, now=int(time.time()) if now is None else now, tolerance_s=tolerance)
    except SignatureError as exc:
        _fail(f"webhook does not verify: {exc.reason}", 1)
    typer.echo("ok")


def register(app: typer.Typer) -> None:
    app.add_typer(webhook_app, name="webhook")
