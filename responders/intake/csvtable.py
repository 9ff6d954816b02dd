"""CSV reading shared by the tabular parsers: decode, sniff the header, yield rows with line numbers."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from responders.intake.exceptions import UnreadableInput
from responders.intake.text import decode_text

csv.field_size_limit(10 * 1024 * 1024)


def read_csv(data: bytes) -> tuple[list[str], Iterator[tuple[int, dict[str, str]]]]:
    """The header and an iterator of (row number, row) where the header is row 1."""
    text = decode_text(data)
    if "\x00" in text:
        raise UnreadableInput("not CSV text (NUL bytes)")
    sample = text[:4096]
    delimiter = ","
    first_line = sample.splitlines()[0] if sample.splitlines() else ""
    if first_line.count(";") > first_line.count(",") and first_line.count(";") >= 1:
        delimiter = ";"
    elif first_line.count("\t") > first_line.count(","):
        delimiter = "\t"
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise UnreadableInput("empty CSV") from None
    except csv.Error as exc:
        raise UnreadableInput(f"CSV header cannot be read: {exc}") from exc
    header = [h.strip() for h in header]
    if len(header) < 2 or not any(header):
        raise UnreadableInput("CSV header has fewer than two columns")

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        number = 1
        while True:
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise UnreadableInput(f"CSV broken after row {number}: {exc}") from exc
            number += 1
            if not any(v.strip() for v in values):
                continue
            yield number, {h: (values[i].strip() if i < len(values) else "") for i, h in enumerate(header)}

    return header, rows()


def column(header: list[str], *names: str) -> str | None:
    """The header entry matching one of `names`, case-insensitively (first name wins)."""
    lowered = {h.lower(): h for h in header}
    return next((lowered[n.lower()] for n in names if n.lower() in lowered), None)
