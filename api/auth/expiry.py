"""Parse a token expiry given as a duration (`30d`, `12h`, `15m`, `2w`) or an ISO 8601 datetime."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from api.auth.exceptions import TokenSpecError

_DURATION = re.compile(r"(\d+)\s*([smhdw])", re.IGNORECASE)
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_expiry(text: str, now: datetime) -> datetime:
    """The UTC instant `text` names, relative to `now`; naive datetimes are taken as UTC; must lie ahead."""
    text = text.strip()
    duration = _DURATION.fullmatch(text)
    if duration:
        amount, unit = int(duration.group(1)), duration.group(2).lower()
        if amount <= 0:
            raise TokenSpecError(f"expiry {text!r} must be a positive duration", field="expires")
        try:
            return now + timedelta(**{_UNITS[unit]: amount})
        except OverflowError as exc:
            raise TokenSpecError(f"expiry {text!r} is too far ahead", field="expires") from exc
    try:
        at = datetime.fromisoformat(text)
    except ValueError as exc:
        raise TokenSpecError(f"expiry {text!r} is neither a duration like 30d/12h/15m nor an ISO 8601 datetime",
                             field="expires") from exc
    at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    if at <= now:
        raise TokenSpecError(f"expiry {text!r} is in the past", field="expires")
    return at
