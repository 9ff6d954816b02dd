"""`rrc token create|list|revoke`: bearer tokens for the HTTP API (only their HMACs are stored, see api.auth.tokens)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import typer

from api.auth.exceptions import AuthError, TokenSpecError, UnknownTokenId
from api.auth.expiry import parse_expiry
from api.auth.identities import check_issuable
from api.auth.roles import Grant, Role
from api.auth.tokens import TokenRecord, TokenStore, check_subject, utc_now
from cli.roster_read import RosterUnreachable, read_roster
from config.offices import OfficesError, load_offices
from config.settings import Settings, get_settings
from responders.roster.store import RosterStore

SettingsFactory = Callable[[], Settings]
RosterReader = Callable[[Settings], RosterStore]
LIST_COLUMNS = ("TOKEN_ID", "ROLE", "SUBJECT", "OFFICE", "GRANTS", "CREATED", "EXPIRES", "STATE")


def _fail(message: str, code: int = 1) -> None:
    typer.echo(f"rrc: {message}", err=True)
    raise typer.Exit(code)


def _when(at: datetime | None) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ") if at else "-"


def _row(store: TokenStore, record: TokenRecord) -> tuple[str, ...]:
    subject = f"expert:{record.expert_id}" if record.expert_id else (
        f"partner:{record.partner_id}" if record.partner_id else "-")
    return (record.token_id, record.role, subject, record.office_id or "-", ",".join(record.grants) or "-",
            _when(record.created_at),
            _when(record.expires_at), store.state(record))


def build(settings_factory: SettingsFactory = get_settings, roster_reader: RosterReader = read_roster) -> typer.Typer:
    """The `token` command group; `settings_factory` is called when a command runs (tests pass their own, and a
    `roster_reader` instead of the broker's roster)."""
    app = typer.Typer(help="Bearer tokens for the HTTP API.", no_args_is_help=True)

    def store(announce: bool = False) -> TokenStore:
        settings = settings_factory()
        tokens = TokenStore.from_settings(settings)
        if announce:  # a token written to another data dir than the API's would get 401 there: say which
            source = "RRC_DATA_DIR" if os.environ.get("RRC_DATA_DIR") else (
                ".env" if Path(".env").is_file() and "RRC_DATA_DIR" in Path(".env").read_text() else "the default")
            typer.echo(f"rrc: token store {tokens.path} (data dir {settings.data_dir}, from {source}); the API must "
                       "use the same data dir and RRC_SECRET_KEY", err=True)
        return tokens

    def check_identity(role: Role, expert_id: str | None, partner_id: str | None, office_id: str | None) -> None:
        """Offices from the offices file; experts and partners from the roster on the running system's broker."""
        settings = settings_factory()
        offices = load_offices(settings.offices_file)
        roster = RosterStore()
        if role in (Role.EXPERT, Role.PARTNER) and (expert_id or partner_id):
            roster = roster_reader(settings)
            typer.echo(f"rrc: checked the roster on {settings.bootstrap_servers} "
                       f"({len(roster.experts.records)} experts, {len(roster.partners.records)} partners)", err=True)
        check_issuable(roster, offices, role, expert_id=expert_id, partner_id=partner_id, office_id=office_id)

    @app.command()
    def create(
        role: Role = typer.Option(..., "--role", case_sensitive=False, help="What the token may do."),
        expert_id: str | None = typer.Option(None, "--expert-id", help="Required for (and only for) role expert."),
        partner_id: str | None = typer.Option(None, "--partner-id", help="Required for (and only for) role partner."),
        office: str | None = typer.Option(None, "--office", help="Required for role coordinator: the office id it acts "
                                                                 "for (config/offices.yaml); admins: default hq."),
        expires: str | None = typer.Option(None, "--expires", help="30d, 12h, 15m, 2w or an ISO 8601 datetime (UTC if "
                                                             "no offset); default: never."),
        grant: list[Grant] = typer.Option([], "--grant", case_sensitive=False, help="Extra grant; repeatable."),
    ) -> None:
        """Issue a token and print it on stdout (one line, nothing else); it cannot be shown again.

        Expert and partner ids must be active on the roster of the running system (read from its broker);
        a coordinator's office must be in the offices file.
        """
        office_id = office or ("hq" if role is Role.ADMIN else None)
        try:
            expires_at = parse_expiry(expires, utc_now()) if expires else None
            check_subject(role, expert_id, partner_id, office_id)
            check_identity(role, expert_id, partner_id, office_id)
            issued = store(announce=True).issue(role, expert_id=expert_id, partner_id=partner_id, office_id=office_id,
                                                expires_at=expires_at, grants=grant)
        except TokenSpecError as exc:
            _fail(str(exc), code=2)
        except (AuthError, RosterUnreachable, OfficesError) as exc:
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
