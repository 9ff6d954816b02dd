"""Helpers for tests that check every role against every route: the expected-access table, paths, tokens."""

from __future__ import annotations

import re

from fastapi import FastAPI

from api.auth.policy import PROTECTED_PREFIX, PUBLIC, is_protected, route_policies
from api.auth.roles import Role
from api.auth.tokens import TokenStore

_PARAM = re.compile(r"\{([^}:]+)(?::[^}]+)?\}")


def policy_table(api: FastAPI, prefix: str = PROTECTED_PREFIX) -> list[tuple[str, str, Role, bool]]:
    """`(method, path, role, expected_allowed)` for every route and role, sorted.

    Public routes allow every role; routes with `allow(...)` allow exactly those roles; undeclared routes under
    `prefix` allow none (the gate denies them); undeclared routes elsewhere are not guarded, so they allow all.
    Mounts (method `*`) are left out: their inner routes are not known here.
    """
    rows = []
    for (method, path), policy in sorted(route_policies(api).items()):
        if method == "*":
            continue
        for role in Role:
            if policy == PUBLIC:
                allowed = True
            elif policy is None:
                allowed = not is_protected(path, prefix)
            else:
                allowed = role in policy
            rows.append((method, path, role, allowed))
    return rows


def example_path(path: str, value: str = "x-test") -> str:
    """A concrete URL for a route template: every `{param}` becomes `value`."""
    return _PARAM.sub(value, path)


def role_tokens(store: TokenStore, *, expert_id: str = "expert-test",
                partner_id: str = "partner-test") -> dict[Role, str]:
    """One fresh token per role (the expert and partner ones bound to the given ids)."""
    ids = {Role.EXPERT: {"expert_id": expert_id}, Role.PARTNER: {"partner_id": partner_id},
           Role.COORDINATOR: {"office_id": "hq"}}
    return {role: store.issue(role, **ids.get(role, {})).token for role in Role}
