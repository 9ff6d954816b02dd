"""The token store: issue, verify, list, revoke, expire, hashing only, sharing through the file."""

from __future__ import annotations

import json
import multiprocessing
import os
import stat
from datetime import timedelta

import pytest

from api.auth.exceptions import InvalidToken, TokenProblem, TokenSpecError, TokenStoreError, UnknownTokenId
from api.auth.roles import Grant, Role
from api.auth.tokens import TOKEN_RE, TokenState, TokenStore

from .conftest import START


def test_issue_prints_a_well_formed_token_and_verifies(store):
    issued = store.issue(Role.COORDINATOR, office_id="hq")
    match = TOKEN_RE.fullmatch(issued.token)
    assert match and match.group(1) == issued.record.token_id
    principal = store.verify(issued.token)
    assert principal.role is Role.COORDINATOR and principal.token_id == issued.record.token_id
    assert principal.expert_id is None and principal.partner_id is None and principal.grants == frozenset()


def test_expert_and_partner_tokens_carry_their_ids_and_grants(store):
    expert = store.verify(store.issue("expert", expert_id="E-17").token)
    partner = store.verify(store.issue(Role.PARTNER, partner_id="P-3", grants=["exercise", Grant.RESTRICTED]).token)
    assert (expert.role, expert.expert_id) == (Role.EXPERT, "E-17")
    assert (partner.partner_id, partner.grants) == ("P-3", frozenset({"exercise", "restricted"}))
    assert partner.has_grant(Grant.EXERCISE) and not expert.has_grant(Grant.EXERCISE)


@pytest.mark.parametrize("role, ids, message", [
    (Role.EXPERT, {}, "requires an expert id"),
    (Role.PARTNER, {}, "requires a partner id"),
    (Role.ADMIN, {"expert_id": "E1"}, "only allowed with role expert"),
    (Role.COORDINATOR, {"partner_id": "P1", "office_id": "hq"}, "only allowed with role partner"),
    (Role.COORDINATOR, {}, "requires an office id"),
    (Role.EXPERT, {"expert_id": "E1", "office_id": "hq"}, "office id is only allowed with role coordinator or admin"),
    (Role.EXPERT, {"expert_id": "E1", "partner_id": "P1"}, "only allowed with role partner"),
    (Role.EXPERT, {"expert_id": "bad id with spaces"}, "must be 1-128"),
])
def test_role_and_ids_must_fit(store, role, ids, message):
    with pytest.raises(TokenSpecError, match=message):
        store.issue(role, **ids)
    assert store.records() == []


def test_unknown_role_and_grant_are_refused(store):
    with pytest.raises(TokenSpecError, match="unknown role"):
        store.issue("root")
    with pytest.raises(TokenSpecError, match="known grants"):
        store.issue(Role.ADMIN, grants=["everything"])


def test_only_a_hash_is_stored_with_private_permissions(store):
    token = store.issue(Role.ADMIN).token
    raw = store.path.read_text()
    secret = token.split("_", 2)[2]
    assert token not in raw and secret not in raw
    doc = json.loads(raw)
    assert doc["version"] == 1 and len(doc["tokens"]) == 1 and len(doc["tokens"][0]["digest"]) == 64
    assert stat.S_IMODE(os.stat(store.path).st_mode) == 0o600
    assert store.path == store.path.parent.parent / "auth" / "tokens.json"


@pytest.mark.parametrize("bad", [
    "", "rrc", "Bearer x", "rrc_0123456789abcdef_short", "rrc_NOTHEX0123456789_" + "A" * 43, "x" * 10_000,
])
def test_malformed_tokens_are_refused(store, bad):
    store.issue(Role.ADMIN)
    with pytest.raises(InvalidToken) as err:
        store.verify(bad)
    assert err.value.problem is TokenProblem.MALFORMED


def test_wrong_secret_or_unknown_id_is_invalid(store):
    token = store.issue(Role.ADMIN).token
    token_id = token.split("_")[1]
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    unknown_id = f"rrc_{'f' * 16}_{token.split('_', 2)[2]}"
    for bad in (tampered, unknown_id):
        with pytest.raises(InvalidToken) as err:
            store.verify(bad)
        assert err.value.problem is TokenProblem.INVALID
    assert store.verify(token).token_id == token_id


def test_another_secret_key_invalidates_tokens_and_lists_them_stale(settings, store):
    token = store.issue(Role.ADMIN).token
    other = TokenStore(store.path, "another-secret")
    with pytest.raises(InvalidToken) as err:
        other.verify(token)
    assert err.value.problem is TokenProblem.INVALID
    assert [other.state(r) for r in other.records()] == [TokenState.STALE_KEY]


def test_expiry_is_enforced_with_the_injected_clock(store, clock):
    token = store.issue(Role.COORDINATOR, office_id="hq", expires_at=START + timedelta(hours=1)).token
    assert store.verify(token).role is Role.COORDINATOR
    clock.advance(3600)
    with pytest.raises(InvalidToken) as err:
        store.verify(token)
    assert err.value.problem is TokenProblem.EXPIRED
    assert store.state(store.records()[0]) is TokenState.EXPIRED


def test_expiry_in_the_past_is_refused(store):
    with pytest.raises(TokenSpecError, match="future"):
        store.issue(Role.ADMIN, expires_at=START - timedelta(seconds=1))


def test_revoke_list_and_idempotence(store, clock):
    a = store.issue(Role.ADMIN)
    clock.advance(5)
    b = store.issue(Role.EXPERT, expert_id="E1")
    clock.advance(5)
    revoked = store.revoke(a.record.token_id)
    assert revoked.revoked_at == START + timedelta(seconds=10)
    clock.advance(5)
    assert store.revoke(a.record.token_id).revoked_at == revoked.revoked_at
    with pytest.raises(InvalidToken) as err:
        store.verify(a.token)
    assert err.value.problem is TokenProblem.REVOKED
    assert store.verify(b.token).expert_id == "E1"
    listed = store.records()
    assert [r.token_id for r in listed] == [a.record.token_id, b.record.token_id]
    assert [store.state(r) for r in listed] == [TokenState.REVOKED, TokenState.ACTIVE]
    assert all("digest" not in r.public_view() for r in listed)
    with pytest.raises(UnknownTokenId):
        store.revoke("0" * 16)


def test_a_revoke_by_another_process_is_seen_after_the_recheck_interval(settings, clock):
    api_side = TokenStore.from_settings(settings, clock=clock.wall, monotonic=clock.monotonic, recheck_s=0.5)
    cli_side = TokenStore.from_settings(settings, clock=clock.wall)
    issued = cli_side.issue(Role.ADMIN)
    assert api_side.verify(issued.token).role is Role.ADMIN  # loaded from the file the CLI wrote
    cli_side.revoke(issued.record.token_id)
    assert api_side.verify(issued.token).role is Role.ADMIN  # cached within the interval
    clock.advance(0.6)
    with pytest.raises(InvalidToken):
        api_side.verify(issued.token)


def test_tokens_survive_a_restart(settings, store):
    token = store.issue(Role.PARTNER, partner_id="P9").token
    assert TokenStore.from_settings(settings).verify(token).partner_id == "P9"


def _issue_many(path: str, secret: str, n: int, queue) -> None:
    from pathlib import Path

    store = TokenStore(Path(path), secret)
    queue.put([store.issue(Role.ADMIN).token for _ in range(n)])


def test_concurrent_writers_lose_no_token(settings, store):
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    secret = settings.secret_key.get_secret_value()
    workers = [ctx.Process(target=_issue_many, args=(str(store.path), secret, 15, queue)) for _ in range(4)]
    for w in workers:
        w.start()
    tokens = [t for _ in workers for t in queue.get(timeout=30)]
    for w in workers:
        w.join(timeout=30)
    assert len(store.records()) == 60
    fresh = TokenStore(store.path, secret)
    assert all(fresh.verify(t).role is Role.ADMIN for t in tokens)


def test_a_corrupt_file_fails_closed(store):
    token = store.issue(Role.ADMIN).token
    store.path.write_text("{not json")
    fresh = TokenStore(store.path, "dev-secret")
    with pytest.raises(TokenStoreError):
        fresh.verify(token)
    with pytest.raises(TokenStoreError):
        fresh.issue(Role.ADMIN)
