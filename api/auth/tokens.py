"""Bearer tokens `rrc_<token_id>_<secret>`: issue, list, revoke and verify; only an HMAC of each token is kept.

Where: `settings.data_dir / "auth" / "tokens.json"`, one JSON document rewritten atomically (tmp + rename) by
writers that hold an `fcntl` lock (see `storage.JsonFile`). Why a local file and not a Faust table: tokens must
outlive restarts, be created by `rrc token create` before any broker or worker runs (auth bootstrap), and be shared
by the CLI and the API process on the same machine. A running API stats the file at most every `recheck_s` seconds
and reloads it when it changed, so a revoke by the CLI takes effect within about a second.

A multi-host deployment cannot share this file: there the records would live on a compacted topic keyed by
`token_id` (revocation = a new record with `revoked_at`), read into a global table by every API instance.

The file holds `HMAC-SHA256(key, token)` where `key` is derived from `settings.secret_key` (domain-separated, so
the same secret can also seed webhook secrets). Changing `RRC_SECRET_KEY` therefore invalidates every token;
`rrc token list` shows such tokens as `stale-key`.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from api.auth.exceptions import InvalidToken, TokenProblem, TokenSpecError, TokenStoreError, UnknownTokenId
from api.auth.roles import Grant, Principal, Role
from api.auth.storage import FileSignature, JsonFile

TOKEN_PREFIX = "rrc"
TOKEN_RE = re.compile(r"rrc_([0-9a-f]{16})_([A-Za-z0-9_-]{43})")
MAX_TOKEN_CHARS = 256
ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}")
FORMAT_VERSION = 1
_KEY_CONTEXT = b"rrc/auth/bearer-tokens/v1"


def utc_now() -> datetime:
    return datetime.now(UTC)


class TokenState(StrEnum):
    ACTIVE = "active"
    EXPIRED = "expired"
    REVOKED = "revoked"
    STALE_KEY = "stale-key"
    NO_OFFICE = "no-office"


class TokenRecord(BaseModel):
    """What the store keeps about one token (never the token itself)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    token_id: str
    role: Role
    expert_id: str | None = None
    partner_id: str | None = None
    office_id: str | None = None
    grants: tuple[str, ...] = ()
    created_at: datetime
    expires_at: datetime | None = None
    revoked_at: datetime | None = None
    key_id: str
    digest: str = Field(repr=False)

    def state(self, now: datetime, key_id: str) -> TokenState:
        if self.revoked_at is not None:
            return TokenState.REVOKED
        if self.key_id != key_id:
            return TokenState.STALE_KEY
        if self.role is Role.COORDINATOR and not self.office_id:
            return TokenState.NO_OFFICE  # issued before coordinators were scoped to an office
        if self.expires_at is not None and self.expires_at <= now:
            return TokenState.EXPIRED
        return TokenState.ACTIVE

    def principal(self) -> Principal:
        return Principal(token_id=self.token_id, role=self.role, expert_id=self.expert_id,
                         partner_id=self.partner_id, grants=frozenset(self.grants), office_id=self.office_id)

    def public_view(self) -> dict:
        """Everything but the digest, JSON-ready."""
        return self.model_dump(mode="json", exclude={"digest"})


@dataclass(frozen=True)
class IssuedToken:
    token: str = field(repr=False)
    record: TokenRecord


def check_subject(role: Role, expert_id: str | None, partner_id: str | None, office_id: str | None = None) -> None:
    """Experts need an expert id, partners a partner id, coordinators an office; nobody carries another's.

    Whether the ids exist (on the roster, in the offices file) is for the caller to check (`api.auth.identities`).
    """
    if role is Role.COORDINATOR and not office_id:
        raise TokenSpecError("role coordinator requires an office id (--office; see GET /v1/offices)", "office_id")
    if office_id and role not in (Role.COORDINATOR, Role.ADMIN):
        raise TokenSpecError(f"an office id is only allowed with role coordinator or admin, not {role}", "office_id")
    for name, value in (("expert id", expert_id), ("partner id", partner_id), ("office id", office_id)):
        if value is not None and not ID_RE.fullmatch(value):
            raise TokenSpecError(f"{name} {value!r} must be 1-128 letters, digits or ._:@- (starting alphanumeric)",
                                 name.replace(" ", "_"))
    if role is Role.EXPERT and not expert_id:
        raise TokenSpecError("role expert requires an expert id (--expert-id)", "expert_id")
    if role is Role.PARTNER and not partner_id:
        raise TokenSpecError("role partner requires a partner id (--partner-id)", "partner_id")
    if expert_id and role is not Role.EXPERT:
        raise TokenSpecError(f"an expert id is only allowed with role expert, not {role}", "expert_id")
    if partner_id and role is not Role.PARTNER:
        raise TokenSpecError(f"a partner id is only allowed with role partner, not {role}", "partner_id")


def _grants(grants: Iterable[str]) -> tuple[str, ...]:
    try:
        return tuple(sorted({Grant(g).value for g in grants}))
    except ValueError as exc:
        raise TokenSpecError(f"{exc}; known grants: {', '.join(Grant)}", "grants") from exc


def _secret_bytes(secret: SecretStr | str | bytes) -> bytes:
    if isinstance(secret, SecretStr):
        secret = secret.get_secret_value()
    return secret.encode() if isinstance(secret, str) else secret


class TokenStore:
    """The token file plus an in-memory copy that is reloaded when the file changes."""

    def __init__(self, path: Path, secret: SecretStr | str | bytes, *, clock: Callable[[], datetime] = utc_now,
                 monotonic: Callable[[], float] = time.monotonic, recheck_s: float = 0.5) -> None:
        self.file = JsonFile(path)
        self._key = hmac.new(_secret_bytes(secret), _KEY_CONTEXT, hashlib.sha256).digest()
        self.key_id = hmac.new(self._key, b"key-id", hashlib.sha256).hexdigest()[:16]
        self._dummy_digest = self._digest("rrc_" + "0" * 16 + "_" + "A" * 43)
        self._clock = clock
        self._monotonic = monotonic
        self._recheck_s = recheck_s
        self._lock = threading.Lock()
        self._records: dict[str, TokenRecord] = {}
        self._signature: FileSignature | None = None
        self._checked_at: float | None = None

    @classmethod
    def from_settings(cls, settings, **kwargs) -> "TokenStore":
        return cls(Path(settings.data_dir) / "auth" / "tokens.json", settings.secret_key, **kwargs)

    @property
    def path(self) -> Path:
        return self.file.path

    def issue(self, role: Role | str, *, expert_id: str | None = None, partner_id: str | None = None,
              office_id: str | None = None, expires_at: datetime | None = None,
              grants: Iterable[str] = ()) -> IssuedToken:
        """Create a token; the returned `token` is the only copy of the secret there will ever be."""
        try:
            role = Role(role)
        except ValueError as exc:
            raise TokenSpecError(f"unknown role {role!r}; choose one of {', '.join(Role)}") from exc
        check_subject(role, expert_id, partner_id, office_id)
        now = self._clock()
        if expires_at is not None:
            expires_at = expires_at.replace(tzinfo=UTC) if expires_at.tzinfo is None else expires_at.astimezone(UTC)
            if expires_at <= now:
                raise TokenSpecError("expiry must lie in the future", "expires")
        granted = _grants(grants)
        with self.file.update() as doc:
            rows = self._rows(doc)
            token_id = secrets.token_hex(8)
            while any(row.get("token_id") == token_id for row in rows):
                token_id = secrets.token_hex(8)
            token = f"{TOKEN_PREFIX}_{token_id}_{secrets.token_urlsafe(32)}"
            record = TokenRecord(token_id=token_id, role=role, expert_id=expert_id, partner_id=partner_id,
                                 office_id=office_id, grants=granted, created_at=now, expires_at=expires_at, key_id=self.key_id,
                                 digest=self._digest(token))
            rows.append(record.model_dump(mode="json"))
        self._invalidate()
        return IssuedToken(token=token, record=record)

    def records(self) -> list[TokenRecord]:
        """Every token ever issued (revoked and expired ones too), oldest first."""
        return sorted(self._parse(self.file.read()).values(), key=lambda r: (r.created_at, r.token_id))

    def state(self, record: TokenRecord) -> TokenState:
        return record.state(self._clock(), self.key_id)

    def revoke(self, token_id: str) -> TokenRecord:
        """Mark a token revoked (idempotent: revoking twice keeps the first time)."""
        with self.file.update() as doc:
            rows = self._rows(doc)
            for i, row in enumerate(rows):
                if row.get("token_id") == token_id:
                    record = self._record(row)
                    if record.revoked_at is None:
                        record = record.model_copy(update={"revoked_at": self._clock()})
                        rows[i] = record.model_dump(mode="json")
                    break
            else:
                raise UnknownTokenId(token_id)
        self._invalidate()
        return record

    def verify(self, token: str) -> Principal:
        """The principal of a valid token; `InvalidToken` otherwise. The digest comparison is constant-time."""
        match = TOKEN_RE.fullmatch(token) if len(token) <= MAX_TOKEN_CHARS else None
        if match is None:
            raise InvalidToken(TokenProblem.MALFORMED)
        record = self._snapshot().get(match.group(1))
        if record is None:
            # A token created a moment ago (by the CLI) must work at once: re-stat the file for unknown ids.
            record = self._snapshot(force=True).get(match.group(1))
        expected = record.digest if record is not None else self._dummy_digest
        if not hmac.compare_digest(self._digest(token), expected) or record is None:
            raise InvalidToken(TokenProblem.INVALID)
        state = self.state(record)
        if state is TokenState.REVOKED:
            raise InvalidToken(TokenProblem.REVOKED)
        if state is TokenState.EXPIRED:
            raise InvalidToken(TokenProblem.EXPIRED)
        if state is TokenState.NO_OFFICE:
            raise InvalidToken(TokenProblem.NO_OFFICE)
        if state is not TokenState.ACTIVE:
            raise InvalidToken(TokenProblem.INVALID)
        return record.principal()

    def _digest(self, token: str) -> str:
        return hmac.new(self._key, token.encode(), hashlib.sha256).hexdigest()

    def _snapshot(self, force: bool = False) -> dict[str, TokenRecord]:
        now = self._monotonic()
        if not force and self._checked_at is not None and now - self._checked_at < self._recheck_s:
            return self._records
        with self._lock:
            signature = self.file.signature()
            if signature != self._signature or self._checked_at is None:
                self._records = self._parse(self.file.read())
                self._signature = signature
            self._checked_at = now
            return self._records

    def _invalidate(self) -> None:
        with self._lock:
            self._checked_at = None

    def _rows(self, doc: dict) -> list[dict]:
        if doc.setdefault("version", FORMAT_VERSION) != FORMAT_VERSION:
            raise TokenStoreError(f"{self.path}: unsupported format version {doc['version']!r}")
        rows = doc.setdefault("tokens", [])
        if not isinstance(rows, list):
            raise TokenStoreError(f"{self.path}: 'tokens' is not a list")
        return rows

    def _record(self, row: dict) -> TokenRecord:
        try:
            return TokenRecord.model_validate(row)
        except ValidationError as exc:
            raise TokenStoreError(f"{self.path}: bad token record: {exc.errors()[0]['msg']}") from exc

    def _parse(self, doc: dict | None) -> dict[str, TokenRecord]:
        if doc is None:
            return {}
        return {record.token_id: record for record in map(self._record, self._rows(dict(doc)))}
