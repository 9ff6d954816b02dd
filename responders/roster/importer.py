"""Bulk import of experts or partners from CSV, a JSON list or JSON lines, with a per-row validation report.

`import_experts(source)` / `import_partners(source)` return `(records, issues)`: the valid records and
one `ImportIssue(row, field, reason)` per problem. Invalid rows are left out whole; valid rows are
returned for the caller to apply. `row` is the line of the file where the record starts for CSV (the
header is line 1, so it matches a spreadsheet's row number) and JSON lines, and the 1-based position
in the array for a JSON list. `field` is the CSV column, or the dotted path inside a JSON record
("availability.0.end"); "" when the problem concerns the whole record. A repeated id is reported on
its second occurrence and that record is dropped. CSV layout: responders.roster.csvformat.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, NamedTuple

from pydantic import BaseModel, ValidationError

from responders.roster import csvformat as cf
from responders.roster.exceptions import UnknownFormat, UnreadableImport
from responders.roster.gcpause import gc_paused
from responders.roster.models import Expert, Partner

FORMATS = ("auto", "csv", "json", "jsonl")
_SUFFIX = {".csv": "csv", ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl"}


class ImportIssue(NamedTuple):
    row: int
    field: str
    reason: str


class ImportResult(NamedTuple):
    records: list
    issues: list[ImportIssue]


def _read(source: Path | str | bytes | IO) -> tuple[str, str | None]:
    """The text of the source and the format its file name suggests."""
    if isinstance(source, (str, Path)):
        path = Path(source)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise UnreadableImport(f"cannot read {path}: {exc}") from exc
        hint = _SUFFIX.get(path.suffix.lower())
    elif isinstance(source, bytes):
        data, hint = source, None
    else:
        data, hint = source.read(), None
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise UnreadableImport(f"not UTF-8 text: {exc}") from exc
    return data.lstrip("\ufeff"), hint


def _guess(text: str) -> str:
    head = text.lstrip()[:1]
    if head == "[":
        return "json"
    if head == "{":
        try:
            json.loads(text)
            return "json"
        except ValueError:
            return "jsonl"
    if head:
        return "csv"
    raise UnknownFormat("the source is empty")


def _json_records(text: str, fmt: str) -> Iterator[tuple[int, object]]:
    if fmt == "json":
        try:
            doc = json.loads(text)
        except ValueError as exc:
            raise UnreadableImport(f"broken JSON document: {exc}") from exc
        doc = [doc] if isinstance(doc, dict) else doc
        if not isinstance(doc, list):
            raise UnreadableImport("a JSON import must be a list of objects (or one object)")
        stray = next((n for n, item in enumerate(doc, start=1) if not isinstance(item, dict)), None)
        if stray is not None:  # not a list of records at all (a record that fails validation is a row's issue)
            raise UnreadableImport(f"a JSON import must be a list of objects: item {stray} is "
                                   f"{type(doc[stray - 1]).__name__}")
        yield from enumerate(doc, start=1)
        return
    for line_no, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            try:
                yield line_no, json.loads(line)
            except ValueError as exc:
                yield line_no, ImportIssue(line_no, "", f"broken JSON line: {exc}")


def _loc(loc: tuple, csv_fields: dict[str, str] | None) -> str:
    path = ".".join(str(p) for p in loc if p != "[key]")
    if csv_fields is None:
        return path
    head = str(loc[0]) if loc else ""
    if head in ("contact", "duty_station") and len(loc) > 1:
        return csv_fields.get(f"{head}.{loc[1]}", head)
    return csv_fields.get(head, head)


def _validate(model: type[BaseModel], row: int, data: object, csv_fields: dict[str, str] | None,
              issues: list[ImportIssue]):
    if not isinstance(data, dict):
        issues.append(ImportIssue(row, "", "a record must be a JSON object"))
        return None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors(include_url=False):
            issues.append(ImportIssue(row, _loc(err["loc"], csv_fields), err["msg"]))
        return None


_EXPERT_FIELDS = {"contact.email": "email", "contact.phone": "phone", "contact.webhook_url": "webhook_url",
                  "duty_station.country": "duty_country", "duty_station.city": "duty_city",
                  "clearance": "cleared", "contact": "email", "duty_station": "duty_country"}
_PARTNER_FIELDS = {"contact.email": "email", "contact.phone": "phone", "contact.webhook_url": "webhook_url",
                   "contact": "email"}


def _expert_cells(cells: dict[str, str]) -> dict:
    """A CSV row as an Expert-shaped dict (cell errors raise CellError with the column in args[1])."""
    out: dict = {}
    contact = {k: cells[k].strip() for k in cf.CONTACT_COLUMNS if cells.get(k, "").strip()}
    out["contact"] = contact
    for col in ("expert_id", "name", "seniority"):
        if cells.get(col, "").strip():
            out[col] = cells[col].strip()
    parsers: dict[str, Callable[[str], object]] = {
        "skills": cf.parse_pairs, "languages": cf.parse_pairs, "regions": cf.items, "countries": cf.items,
        "availability": lambda c: [cf.parse_range(x) for x in cf.items(c)],
        "deployments": lambda c: [cf.parse_deployment(x) for x in cf.items(c)],
        "max_deployment_days": cf.parse_int, "rest_days": cf.parse_int, "active": cf.parse_bool}
    for col, parse in parsers.items():
        if cells.get(col, "").strip():
            out[col] = _cell(parse, cells[col], col)
    if cells.get("duty_country", "").strip() or cells.get("duty_city", "").strip():
        out["duty_station"] = {"country": cells.get("duty_country", "").strip(), "city": cells.get("duty_city", "").strip()}
    clearance = {}
    if cells.get("cleared", "").strip():
        clearance["cleared"] = _cell(cf.parse_bool, cells["cleared"], "cleared")
    if cells.get("clearance_level", "").strip():
        clearance["level"] = _cell(cf.parse_int, cells["clearance_level"], "clearance_level")
    if clearance:
        out["clearance"] = clearance
    return out


def _partner_cells(cells: dict[str, str]) -> dict:
    out: dict = {"contact": {k: cells[k].strip() for k in cf.CONTACT_COLUMNS if cells.get(k, "").strip()}}
    for col in ("partner_id", "organisation", "type"):
        if cells.get(col, "").strip():
            out[col] = cells[col].strip()
    parsers: dict[str, Callable[[str], object]] = {
        "capabilities": cf.items, "countries": cf.items, "regions": cf.items, "global_coverage": cf.parse_bool,
        "resources": lambda c: [cf.parse_resource(x) for x in cf.items(c)], "active": cf.parse_bool}
    for col, parse in parsers.items():
        if cells.get(col, "").strip():
            out[col] = _cell(parse, cells[col], col)
    return out


def _cell(parse: Callable[[str], object], cell: str, column: str) -> object:
    try:
        return parse(cell)
    except cf.CellError as exc:
        raise cf.CellError(str(exc), column) from None


def _csv_records(text: str, columns: tuple[str, ...], to_dict: Callable[[dict], dict],
                 issues: list[ImportIssue]) -> Iterator[tuple[int, object]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip() for h in (reader.fieldnames or [])]
    unknown = [h for h in header if h not in columns]
    if unknown:
        raise UnreadableImport(f"unknown CSV columns {unknown}; expected some of {list(columns)}")
    reader.fieldnames = header
    line = reader.line_num
    for cells in reader:
        row, line = line + 1, reader.line_num
        if None in cells:
            issues.append(ImportIssue(row, "", f"{len(cells[None])} more cells than columns"))
            continue
        try:
            yield row, to_dict({k: v or "" for k, v in cells.items()})
        except cf.CellError as exc:
            issues.append(ImportIssue(row, exc.args[1] if len(exc.args) > 1 else "", exc.args[0]))


Check = Callable[[BaseModel], list[tuple[str, str]]]


def _import(source, fmt: str, model: type[BaseModel], columns: tuple[str, ...], to_dict: Callable[[dict], dict],
            csv_fields: dict[str, str], id_field: str, check: Check | None = None) -> ImportResult:
    if fmt not in FORMATS:
        raise UnknownFormat(f"format {fmt!r} is not one of {FORMATS}")
    text, hint = _read(source)
    fmt = (hint or _guess(text)) if fmt == "auto" else fmt
    issues: list[ImportIssue] = []
    records, seen = [], {}
    raw = _csv_records(text, columns, to_dict, issues) if fmt == "csv" else _json_records(text, fmt)
    with gc_paused():
        for row, data in raw:
            if isinstance(data, ImportIssue):
                issues.append(data)
                continue
            record = _validate(model, row, data, csv_fields if fmt == "csv" else None, issues)
            if record is None:
                continue
            refused = check(record) if check is not None else []
            if refused:  # valid as a record, refused by the caller's policy (e.g. a private webhook target)
                for field, reason in refused:
                    issues.append(ImportIssue(row, _loc(tuple(field.split(".")), csv_fields if fmt == "csv"
                                                         else None), reason))
                continue
            key = getattr(record, id_field)
            if key in seen:
                issues.append(ImportIssue(row, id_field, f"duplicate id {key!r} (first at row {seen[key]})"))
                continue
            seen[key] = row
            records.append(record)
    return ImportResult(records, issues)


def import_experts(source: Path | str | bytes | IO, format: str = "auto", check: Check | None = None) -> ImportResult:
    """Experts from a CSV, JSON or JSON-lines source (a path, bytes or an open file); `check` may refuse
    otherwise valid records with (field, reason) pairs."""
    return _import(source, format, Expert, cf.EXPERT_COLUMNS, _expert_cells, _EXPERT_FIELDS, "expert_id", check)


def import_partners(source: Path | str | bytes | IO, format: str = "auto", check: Check | None = None) -> ImportResult:
    """Partners from a CSV, JSON or JSON-lines source (a path, bytes or an open file); see `import_experts`."""
    return _import(source, format, Partner, cf.PARTNER_COLUMNS, _partner_cells, _PARTNER_FIELDS, "partner_id",
                   check)
