"""`rrc token create|list|revoke`: bearer tokens for the HTTP API (only their HMACs are stored, see api.auth.tokens)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime

import typer

from api.auth.exceptions import AuthError, TokenSpecError, UnknownTokenId
from api.auth.expiry import parse_expiry
from api.auth.roles import Grant, Role
from api.auth.tokens import TokenRecord, TokenStore, utc_now
from config.settings import Settings, get_settings

SettingsFactory = Callable[[], Settings]
LIST_COLUMNS = ("TOKEN_ID", "ROLE", "SUBJECT", "GRANTS", "CREATED", "EXPIRES", "STATE")


def _fail(message: str, code: int = 1) -> None:
    typer.echo(f"rrc: {message}", err=True)
    raise typer.Exit(code)


def _when(at: datetime | None) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ") if at else "-"


def _row(store: TokenStore, record: TokenRecord) -> tuple[str, ...]:
    subject = f"expert:{record.expert_id}" if record.expert_id else (
        f"partner:{record.partner_id}" if record.partner_id else "-")
    return (record.token_id, record.role, subject, ",".join(record.grants) or "-", _when(record.created_at),
            _when(record.expires_at), store.state(record))


def build(settings_factory: SettingsFactory = get_settings) -> typer.Typer:
    """The `token` command group; `settings_factory` is called when a command runs (tests pass their own)."""
    app = typer.Typer(help="Bearer tokens for the HTTP API.", no_args_is_help=True)

    def store() -> TokenStore:
        return TokenStore.from_settings(settings_factory())

    @app.command()
    def create(
        role: Role = typer.Option(..., "--role", case_sensitive=False, help="What the token may do."),
        expert_id: str | None = typer.Option(None, "--expert-id", help="Required for (and only for) role expert."),
        partner_id: str | None = typer.Option(None, "--partner-id", help="Required for (and only for) role partner."),
        expires: str | None = typer.Option(None, "--expires", help="30d, 12h, 15m, 2w or an ISO 8601 datetime (UTC if "
                                                             "no offset); default: never."),
        grant: list[Grant] = typer.Option([], "--grant", case_sensitive=False, help="Extra grant; repeatable."),
    ) -> None:
        """Issue a token and print it on stdout (one line, nothing else); it cannot be shown again."""
        try:
            expires_at = parse_expiry(expires, utc_now()) if expires else None
            issued = store().issue(role, expert_id=expert_id, partner_id=partner_id, expires_at=expires_at,
                                   grants=grant)
        except TokenSpecError as exc:
            _fail(str(exc), code=2)
        except AuthError as exc:
            _fail(str(exc))
        typer.echo(issued.token)

    @app.command("list")
    def list_tokens(as_json: bool = typer.Option(False, "--json", help="One JSON object per line.")) -> None:
        """Show every token (never a secret): id, role, subject, grants, created, expires, state."""
        tokens = store()
        try:
            records = tokens.records()
        except AuthError as exc:
            _fail(str(exc))
        if as_json:
            for record in records:
                typer.echo(json.dumps({**record.public_view(), "state": tokens.state(record)}))
            return
        rows = [LIST_COLUMNS, *(_row(tokens, r) for r in records)]
        widths = [max(len(str(row[i])) for row in rows) for i in range(len(LIST_COLUMNS))]
        for row in rows:
            typer.echo("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths)).rstrip())

    @app.command()
    def revoke(token_id: str = typer.Argument(..., help="The token id (from `rrc token list`).")) -> None:
        """Revoke a token; a running API refuses it within about a second."""
        if token_id.startswith("rrc_"):
            token_id = token_id.split("_")[1]  # a whole token was pasted: its id is the second part
        try:
            record = store().revoke(token_id)
        except UnknownTokenId as exc:
            _fail(str(exc))
        except AuthError as exc:
            _fail(str(exc))
        typer.echo(f"revoked {record.token_id} ({record.role}) at {_when(record.revoked_at)}")

    return app


def register(app: typer.Typer, settings_factory: SettingsFactory = get_settings) -> None:
    app.add_typer(build(settings_factory), name="token")
