"""Standard Webhooks signatures (https://www.standardwebhooks.com/), so partners can verify with stock libraries.

A signing secret is `whsec_` followed by the base64 of 24 to 64 random bytes (we issue 32). Every delivery carries

    webhook-id: <message id, the CloudEvent id, the same on every retry>
    webhook-timestamp: <unix seconds of this attempt>
    webhook-signature: v1,<base64 HMAC-SHA256(key, f"{id}.{timestamp}." + body)> [v1,<...> ...]

The signature header holds one `v1,` signature per active secret, separated by spaces: while a secret is being
rotated the old and the new secret both sign, so a receiver that still has the old one, and one that already has
the new one, both accept the message. A receiver checks the timestamp against its clock (a tolerance both ways
blocks replays of captured messages) and accepts when any listed signature matches; signatures are compared in
constant time. Decoded keys are cached, since the same few secrets sign thousands of messages a second.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from collections.abc import Iterable, Mapping
from functools import lru_cache

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32
MIN_KEY_BYTES = 24
MAX_KEY_BYTES = 64
SIGNATURE_VERSION = "v1"
DEFAULT_TOLERANCE_S = 300
HEADER_ID = "webhook-id"
HEADER_TIMESTAMP = "webhook-timestamp"
HEADER_SIGNATURE = "webhook-signature"


class SignatureError(ValueError):
    """A message that does not verify; `reason` says why in words fit for a log line or a CLI."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class SecretError(ValueError):
    """A string that is not a usable `whsec_` signing secret."""


def new_secret(nbytes: int = SECRET_BYTES) -> str:
    """A fresh signing secret: `whsec_` + base64 of `nbytes` bytes from the OS random source."""
    if not MIN_KEY_BYTES <= nbytes <= MAX_KEY_BYTES:
        raise SecretError(f"a secret needs {MIN_KEY_BYTES} to {MAX_KEY_BYTES} random bytes, not {nbytes}")
    return SECRET_PREFIX + base64.b64encode(os.urandom(nbytes)).decode("ascii")


@lru_cache(maxsize=4096)
def decode_secret(secret: str) -> bytes:
    """The HMAC key of a `whsec_` secret; raises SecretError for anything else."""
    if not isinstance(secret, str) or not secret.startswith(SECRET_PREFIX):
        raise SecretError(f"a signing secret starts with {SECRET_PREFIX!r}")
    try:
        key = base64.b64decode(secret[len(SECRET_PREFIX):], validate=True)
    except (binascii.Error, ValueError) as exc:
        raise SecretError("a signing secret is base64 after its prefix") from exc
    if not MIN_KEY_BYTES <= len(key) <= MAX_KEY_BYTES:
        raise SecretError(f"a signing secret holds {MIN_KEY_BYTES} to {MAX_KEY_BYTES} bytes, not {len(key)}")
    return key


def _digest(key: bytes, msg_id: str, timestamp: int, body: bytes) -> bytes:
    mac = hmac.new(key, f"{msg_id}.{timestamp}.".encode(), hashlib.sha256)
    mac.update(body)
    return mac.digest()


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """`v1,<base64 signature>` of one message under one secret."""
    digest = _digest(decode_secret(secret), msg_id, int(timestamp), body)
    return f"{SIGNATURE_VERSION}," + base64.b64encode(digest).decode("ascii")


def headers(secrets: Iterable[str], msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The three Standard Webhooks headers, signed by every active secret (at least one)."""
    signatures = [sign(s, msg_id, timestamp, body) for s in secrets]
    if not signatures:
        raise SecretError("a message needs at least one signing secret")
    return {HEADER_ID: msg_id, HEADER_TIMESTAMP: str(int(timestamp)), HEADER_SIGNATURE: " ".join(signatures)}


def _lower(received: Mapping[str, str]) -> dict[str, str]:
    return {str(k).lower(): v for k, v in received.items()}


def verify(secret: str, headers: Mapping[str, str], body: bytes, *, now: int,
           tolerance_s: int = DEFAULT_TOLERANCE_S) -> None:
    """Check a received message; returns None when it is authentic, else raises SignatureError(reason).

    Header names are matched without regard to case. `now` is the receiver's unix time; the timestamp must be
    within `tolerance_s` of it either way. Any one of the space-separated `v1,` signatures may match.
    """
    got = _lower(headers)
    missing = [h for h in (HEADER_ID, HEADER_TIMESTAMP, HEADER_SIGNATURE) if not str(got.get(h) or "").strip()]
    if missing:
        raise SignatureError(f"missing header{'s' if len(missing) > 1 else ''}: {', '.join(missing)}")
    msg_id = str(got[HEADER_ID]).strip()
    raw_ts = str(got[HEADER_TIMESTAMP]).strip()
    if not raw_ts.isascii() or not raw_ts.isdigit():
        raise SignatureError(f"{HEADER_TIMESTAMP} is not unix seconds: {raw_ts[:40]!r}")
    timestamp = int(raw_ts)
    if timestamp < now - tolerance_s:
        raise SignatureError(f"timestamp too old: {now - timestamp} s before now (tolerance {tolerance_s} s)")
    if timestamp > now + tolerance_s:
        raise SignatureError(f"timestamp too new: {timestamp - now} s after now (tolerance {tolerance_s} s)")
    try:
        key = decode_secret(secret)
    except SecretError as exc:
        raise SignatureError(f"unusable secret: {exc}") from exc
    expected = _digest(key, msg_id, timestamp, body)
    matched = False
    for token in str(got[HEADER_SIGNATURE]).split():
        version, _, value = token.partition(",")
        if version != SIGNATURE_VERSION or not value:
            continue
        try:
            candidate = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            continue
        matched |= hmac.compare_digest(candidate, expected)  # no early exit: every candidate costs the same
    if not matched:
        raise SignatureError("no matching signature")
