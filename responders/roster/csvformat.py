"""The roster CSV layout: columns of the expert and partner files and how list cells are written and read.

Lists use ';' between items; pairs use ':' ("skill:level"); date ranges use '/' ("start/end", ISO dates);
records inside a cell use '|' between their fields. An empty cell means "not given" (the default).

Experts (one row per expert, header required, column order free, unknown columns rejected):
    expert_id, name, email, phone, webhook_url,
    skills              cash_for_work:4;gender_equality:2           (taxonomy skill id : level 1-5)
    languages           en:5;fr:3                                   (ISO 639-1 : proficiency 1-5)
    regions             arab_states;europe_central_asia             (taxonomy region ids)
    countries           SYR;TUR                                     (ISO3 countries of experience)
    duty_country, duty_city                                         (ISO3, city name)
    availability        2025-01-01/2025-06-30;2025-09-01/2025-12-31 (inclusive windows)
    deployments         d-1|crisis-7|2025-02-01|2025-03-15|planned  (id|crisis id|start|end|status)
    cleared             true | false
    clearance_level     0-3
    max_deployment_days, rest_days                                  (days)
    seniority           junior | mid | senior | principal
    active              true | false

Partners:
    partner_id, organisation,
    type                un_agency | development_bank | donor | regional_body | ngo |
                        employers_organisation | workers_organisation | government
    capabilities        funding;logistics;cash_for_work
    countries, regions  as for experts (areas covered)
    global_coverage     true | false
    resources           funding:2500000:USD:30;logistics:12:trucks:5 (capability:capacity:unit:lead days)
    email, phone, webhook_url, active
"""

from __future__ import annotations

from datetime import date

EXPERT_COLUMNS = ("expert_id", "name", "email", "phone", "webhook_url", "skills", "languages", "regions",
                  "countries", "duty_country", "duty_city", "availability", "deployments", "cleared",
                  "clearance_level", "max_deployment_days", "rest_days", "seniority", "active")
PARTNER_COLUMNS = ("partner_id", "organisation", "type", "capabilities", "countries", "regions",
                   "global_coverage", "resources", "email", "phone", "webhook_url", "active")
CONTACT_COLUMNS = ("email", "phone", "webhook_url")
ITEM, PAIR, RANGE, FIELD = ";", ":", "/", "|"
_TRUE = {"true", "1", "yes", "y"}
_FALSE = {"false", "0", "no", "n"}


class CellError(ValueError):
    """A cell that cannot be read; the message says why."""


def items(cell: str) -> list[str]:
    return [x.strip() for x in cell.split(ITEM) if x.strip()]


def parse_bool(cell: str) -> bool:
    v = cell.strip().lower()
    if v in _TRUE:
        return True
    if v in _FALSE:
        return False
    raise CellError(f"{cell!r} is not true or false")


def parse_int(cell: str) -> int:
    try:
        return int(cell.strip())
    except ValueError:
        raise CellError(f"{cell!r} is not a whole number") from None


def parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise CellError(f"{text!r} is not an ISO date (YYYY-MM-DD)") from None


def parse_pairs(cell: str) -> dict[str, int]:
    """'a:3;b:2' -> {'a': 3, 'b': 2}."""
    out: dict[str, int] = {}
    for item in items(cell):
        key, sep, value = item.rpartition(PAIR)
        if not sep or not key.strip():
            raise CellError(f"{item!r} is not key{PAIR}level")
        if key.strip() in out:
            raise CellError(f"{key.strip()!r} is listed twice")
        out[key.strip()] = parse_int(value)
    return out


def parse_range(text: str) -> dict[str, date]:
    start, sep, end = text.partition(RANGE)
    if not sep:
        raise CellError(f"{text!r} is not start{RANGE}end")
    return {"start": parse_date(start), "end": parse_date(end)}


def parse_deployment(text: str) -> dict:
    parts = [p.strip() for p in text.split(FIELD)]
    if len(parts) != 5:
        raise CellError(f"{text!r} is not id{FIELD}crisis{FIELD}start{FIELD}end{FIELD}status")
    did, crisis, start, end, status = parts
    return {"deployment_id": did, "crisis_id": crisis, "start": parse_date(start), "end": parse_date(end),
            "status": status}


def parse_resource(text: str) -> dict:
    parts = [p.strip() for p in text.split(PAIR)]
    if len(parts) != 4:
        raise CellError(f"{text!r} is not capability{PAIR}capacity{PAIR}unit{PAIR}lead_days")
    cap, capacity, unit, lead = parts
    try:
        value = float(capacity)
    except ValueError:
        raise CellError(f"{capacity!r} is not a number") from None
    return {"capability": cap, "capacity": value, "unit": unit, "lead_time_days": parse_int(lead)}


def safe(value: object, *forbidden: str) -> str:
    """A value for a list cell; refuses one that contains a separator it would be split on."""
    text = str(value)
    bad = [s for s in forbidden if s in text]
    if bad:
        raise ValueError(f"{text!r} contains {bad[0]!r}, a separator of the roster CSV layout")
    return text


def fmt_bool(v: bool) -> str:
    return "true" if v else "false"
