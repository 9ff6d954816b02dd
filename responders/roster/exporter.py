"""Write experts and partners as CSV (layout in responders.roster.csvformat) or JSON lines."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from pydantic import BaseModel

from responders.roster.csvformat import (
    EXPERT_COLUMNS,
    FIELD,
    ITEM,
    PAIR,
    PARTNER_COLUMNS,
    RANGE,
    fmt_bool,
    safe,
)
from responders.roster.models import Expert, Partner


def expert_row(e: Expert) -> dict[str, str]:
    """One expert as a CSV row (cells as strings)."""
    return {
        "expert_id": e.expert_id, "name": e.name, "email": e.contact.email or "", "phone": e.contact.phone or "",
        "webhook_url": str(e.contact.webhook_url or ""),
        "skills": ITEM.join(f"{s}{PAIR}{lvl}" for s, lvl in e.skills.items()),
        "languages": ITEM.join(f"{lang}{PAIR}{int(p)}" for lang, p in e.languages.items()),
        "regions": ITEM.join(e.regions), "countries": ITEM.join(e.countries),
        "duty_country": e.duty_station.country, "duty_city": e.duty_station.city,
        "availability": ITEM.join(f"{w.start.isoformat()}{RANGE}{w.end.isoformat()}" for w in e.availability),
        "deployments": ITEM.join(FIELD.join([safe(d.deployment_id, ITEM, FIELD), safe(d.crisis_id, ITEM, FIELD),
                                             d.start.isoformat(), d.end.isoformat(), d.status.value])
                                 for d in e.deployments),
        "cleared": fmt_bool(e.clearance.cleared), "clearance_level": str(e.clearance.level),
        "max_deployment_days": str(e.max_deployment_days), "rest_days": str(e.rest_days),
        "seniority": e.seniority.value, "active": fmt_bool(e.active),
    }


def partner_row(p: Partner) -> dict[str, str]:
    """One partner as a CSV row (cells as strings)."""
    return {
        "partner_id": p.partner_id, "organisation": p.organisation, "type": p.type.value,
        "capabilities": ITEM.join(p.capabilities), "countries": ITEM.join(p.countries), "regions": ITEM.join(p.regions),
        "global_coverage": fmt_bool(p.global_coverage),
        "resources": ITEM.join(PAIR.join([r.capability, repr(r.capacity), r.unit, str(r.lead_time_days)])
                               for r in p.resources),
        "email": p.contact.email or "", "phone": p.contact.phone or "", "webhook_url": str(p.contact.webhook_url or ""),
        "active": fmt_bool(p.active),
    }


def _write(rows: Iterable[dict[str, str]], columns: tuple[str, ...], dest: Path | TextIO | None) -> str | None:
    buffer = io.StringIO() if dest is None else None
    handle = open(dest, "w", newline="", encoding="utf-8") if isinstance(dest, Path) else (dest or buffer)
    try:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    finally:
        if isinstance(dest, Path):
            handle.close()
    return buffer.getvalue() if buffer is not None else None


def export_experts_csv(experts: Iterable[Expert], dest: Path | TextIO | None = None) -> str | None:
    """Write experts as CSV to a path or an open text file; with no destination, return the text."""
    return _write(map(expert_row, experts), EXPERT_COLUMNS, dest)


def export_partners_csv(partners: Iterable[Partner], dest: Path | TextIO | None = None) -> str | None:
    """Write partners as CSV to a path or an open text file; with no destination, return the text."""
    return _write(map(partner_row, partners), PARTNER_COLUMNS, dest)


def export_jsonl(records: Iterable[BaseModel], dest: Path | TextIO | None = None) -> str | None:
    """Write records as JSON lines (one object per line); with no destination, return the text."""
    text = "".join(r.model_dump_json() + "\n" for r in records)
    if dest is None:
        return text
    if isinstance(dest, Path):
        dest.write_text(text, encoding="utf-8")
    else:
        dest.write(text)
    return None
