"""`rrc token create|list|revoke` through `register` on a fresh Typer app."""

from __future__ import annotations

import json

import pytest
import typer
from typer.testing import CliRunner

from api.auth.roles import Role
from api.auth.tokens import TOKEN_RE, TokenStore
from cli import token as token_cli
from responders.roster import generate_roster
from responders.roster.store import RosterStore


@pytest.fixture
def roster() -> RosterStore:
    """What the running system's roster topics hold (read from the broker in real use)."""
    experts, partners = generate_roster(3, 3, seed=5)
    store = RosterStore()
    for expert, eid in zip(experts, ("E-1", "E-2", "E-gone")):
        store.experts.put(expert.model_copy(update={"expert_id": eid, "active": eid != "E-gone"}))
    for partner, pid in zip(partners, ("P1", "P-7", "P-gone")):
        store.partners.put(partner.model_copy(update={"partner_id": pid, "active": pid != "P-gone"}))
    return store


@pytest.fixture
def run(settings, roster):
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """rrc"""

    app.add_typer(token_cli.build(lambda: settings, roster_reader=lambda _settings: roster), name="token")
    runner = CliRunner()
    return lambda *args: runner.invoke(app, ["token", *args])


@pytest.mark.parametrize("args, message", [
    (["--role", "expert", "--expert-id", "E-404"], "no expert 'E-404' on the roster"),
    (["--role", "expert", "--expert-id", "E-gone"], "expert 'E-gone' is deactivated"),
    (["--role", "partner", "--partner-id", "ptn-99999"], "no partner 'ptn-99999' on the roster"),
    (["--role", "partner", "--partner-id", "P-gone"], "partner 'P-gone' is deactivated"),
    (["--role", "coordinator"], "requires an office id"),
    (["--role", "coordinator", "--office", "co-atlantis"], "no office 'co-atlantis'"),
])
def test_a_token_for_an_id_that_does_not_exist_is_refused(run, settings, args, message):
    result = run("create", *args)
    assert result.exit_code == 2 and message in result.stderr, result.stderr
    assert result.stdout == ""
    assert not TokenStore.from_settings(settings).path.exists()  # nothing was written


def test_create_says_which_token_store_it_wrote(run, settings):
    result = run("create", "--role", "coordinator", "--office", "co-jakarta")
    assert result.exit_code == 0, result.stderr
    assert f"token store {TokenStore.from_settings(settings).path}" in result.stderr
    assert f"data dir {settings.data_dir}" in result.stderr
    principal = TokenStore.from_settings(settings).verify(result.stdout.strip())
    assert principal.role is Role.COORDINATOR and principal.office_id == "co-jakarta"


def test_create_prints_exactly_one_token_line(run, settings):
    result = run("create", "--role", "expert", "--expert-id", "E-1", "--expires", "30d", "--grant", "restricted")
    assert result.exit_code == 0, result.output
    assert result.stdout.count("\n") == 1 and TOKEN_RE.fullmatch(result.stdout.strip())
    principal = TokenStore.from_settings(settings).verify(result.stdout.strip())
    assert (principal.role, principal.expert_id, principal.grants) == (Role.EXPERT, "E-1", frozenset({"restricted"}))


@pytest.mark.parametrize("args, message", [
    (["--role", "expert"], "requires an expert id"),
    (["--role", "partner"], "requires a partner id"),
    (["--role", "admin", "--expert-id", "E1"], "only allowed with role expert"),
    (["--role", "coordinator", "--office", "hq", "--expires", "yesterday"], "neither a duration"),
])
def test_create_refuses_bad_requests_with_exit_2(run, settings, args, message):
    result = run("create", *args)
    assert result.exit_code == 2 and result.stdout == ""
    assert message in result.stderr
    assert TokenStore.from_settings(settings).records() == []


def test_create_refuses_unknown_role_and_grant(run):
    assert run("create", "--role", "root").exit_code == 2
    assert run("create", "--role", "partner", "--partner-id", "P1", "--grant", "god").exit_code == 2


def test_list_shows_no_secrets_and_revoke_takes_effect(run, settings):
    admin = run("create", "--role", "admin").stdout.strip()
    partner = run("create", "--role", "partner", "--partner-id", "P-7", "--grant", "exercise").stdout.strip()
    admin_id = admin.split("_")[1]
    revoked = run("revoke", admin_id)
    assert revoked.exit_code == 0 and admin_id in revoked.stdout

    table = run("list")
    assert table.exit_code == 0
    assert table.stdout.splitlines()[0].split() == list(token_cli.LIST_COLUMNS)
    assert "revoked" in table.stdout and "partner:P-7" in table.stdout and "exercise" in table.stdout
    for token in (admin, partner):
        assert token.split("_", 2)[2] not in table.stdout

    rows = [json.loads(line) for line in run("list", "--json").stdout.splitlines()]
    assert [(r["role"], r["state"]) for r in rows] == [("admin", "revoked"), ("partner", "active")]
    assert all("digest" not in r for r in rows)


def test_revoke_accepts_a_pasted_token_and_fails_on_unknown_ids(run, settings):
    token = run("create", "--role", "coordinator", "--office", "hq").stdout.strip()
    assert run("revoke", token).exit_code == 0
    assert [r.revoked_at is not None for r in TokenStore.from_settings(settings).records()] == [True]
    unknown = run("revoke", "0123456789abcdef")
    assert unknown.exit_code == 1 and "no token with id" in unknown.stderr
