"""Timestamp parsing for feeds: ISO 8601, RFC 822 (RSS), epoch milliseconds and loose day formats."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

_COMPACT = re.compile(r"^(\d{8})T(\d{6})(\.\d+)?Z$")  # 20121014T224056.420Z (USGS CAP parameters)
_DAY_FORMATS = ("%Y-%m-%d", "%d %B %Y", "%d-%B-%Y", "%d %b %Y", "%d-%b-%Y", "%d/%m/%Y", "%B %d, %Y")


def as_utc(value: datetime) -> datetime:
    """Aware datetimes are converted to UTC; naive ones are taken to be UTC already."""
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def parse_datetime(text: str | None) -> datetime | None:
    """ISO 8601 or RFC 822 text to an aware UTC datetime; None if it is neither."""
    text = (text or "").strip()
    if not text:
        return None
    compact = _COMPACT.match(text)
    if compact:
        text = f"{compact.group(1)}T{compact.group(2)}{compact.group(3) or ''}+00:00"
    iso = text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text
    try:
        return as_utc(datetime.fromisoformat(iso))
    except ValueError:
        pass
    try:
        return as_utc(parsedate_to_datetime(text))
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def parse_day(text: str | None) -> datetime | None:
    """A calendar day in the common export spellings ('2023-10-07', '07 October 2023', '7/10/2023')."""
    text = re.sub(r"\s+", " ", (text or "").strip())
    if not text:
        return None
    for fmt in _DAY_FORMATS:
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=timezone.utc)
        except ValueError:
            continue
    return parse_datetime(text)


def from_epoch_ms(value: object) -> datetime | None:
    """Milliseconds since the epoch (USGS `time`) to UTC; None if not a sane number."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        return datetime.fromtimestamp(value / 1000.0, tz=timezone.utc)
    except (OverflowError, OSError, ValueError):
        return None
