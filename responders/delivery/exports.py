"""Exports donors and the UN system read, written row by row from delivery states (the view's JSON):

- 3W ("who does what where") as an HXL-tagged table: a header row, then the HXL hashtag row, then one row per
  intervention, country and target. A multi-country intervention's targets and results are split evenly over its
  countries (reports do not say where), as its unearmarked funding is (`responders.delivery.funding`).
- IATI 2.03 activities (one `iati-activity` per intervention): the ILO as reporting and implementing organisation,
  the funders, the humanitarian flag, recipient countries, DAC sectors from the strategic objectives, a budget,
  incoming commitments and expenditure transactions, and each target as a result indicator with its baseline,
  period, target and actual (disaggregated by sex, age group and disability where reported).
- One row per intervention with its targets' statuses and delivery rate.

Every writer is a generator: nothing holds more than one intervention's rows at a time.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import pycountry

from responders.delivery.funding import REGULAR_BUDGET, tallies

ILO = "International Labour Organization (ILO)"
ILO_IATI_REF = "XM-DAC-41302"  # the ILO's organisation identifier in the IATI registry
ROWS_PER_CHUNK = 500

# ILO strategic objectives -> OECD DAC 5-digit purpose codes (IATI sector vocabulary 1).
DAC_SECTORS = {"employment": "16020", "social_protection": "16011", "rights_at_work": "15160",
               "social_dialogue": "15150"}
OBJECTIVE_LABELS = {"employment": "Employment and enterprise", "social_protection": "Social protection",
                    "rights_at_work": "Fundamental principles and rights at work", "social_dialogue": "Social dialogue"}
CLUSTER = "Early Recovery"  # the IASC cluster ILO works in for employment and livelihoods
# Partner types -> IATI OrganisationType codes.
ORG_TYPES = {"donor": "10", "un_agency": "40", "development_bank": "40", "regional_body": "40", "ngo": "21",
             "employers_organisation": "22", "workers_organisation": "22", "government": "10"}

Org = tuple[str, str | None]  # (name, partner type) of a funding source
OrgLookup = Callable[[str], Org]

THREE_W: list[tuple[str, str]] = [
    ("Organisation", "#org+impl"), ("Funding organisations", "#org+funder"), ("Sector", "#sector"),
    ("Objective", "#subsector"), ("Activity", "#activity"), ("Intervention", "#activity+id"),
    ("Crisis", "#crisis+id"), ("Country code", "#country+code"), ("Country", "#country+name"),
    ("Admin 1", "#adm1+name"), ("Start", "#date+start"), ("End", "#date+end"), ("Status", "#status"),
    ("Target status", "#status+target"), ("Targeted", "#targeted"), ("Reached", "#reached"), ("Unit", "#meta+unit"),
    ("Budget", "#value+funding+total"), ("Spent", "#value+spent"), ("Currency", "#currency"),
    ("Delivery rate", "#indicator+delivery_rate"),
]
NUMERIC_3W = ("Targeted", "Reached", "Budget", "Spent", "Delivery rate")
INTERVENTIONS: list[str] = [
    "intervention_id", "crisis_id", "title", "countries", "hazard", "objectives", "exercise", "launched_at", "ends_at",
    "status", "currency", "allocated", "spent", "delivery_rate", "rate_lagging", "targets", "on_track", "at_risk",
    "off_track", "met", "missed", "unknown", "target_statuses",
]


def country_name(iso3: str) -> str:
    country = pycountry.countries.get(alpha_3=iso3)
    return getattr(country, "common_name", None) or (country.name if country else iso3)


def _day(value: str | None) -> str:
    return (value or "")[:10]


def _num(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.4f}".rstrip("0").rstrip(".")


def _funders(delivery: Mapping[str, Any]) -> list[str]:
    return sorted({line["organisation"] for line in delivery.get("funding", [])})


def _status(delivery: Mapping[str, Any]) -> str:
    return "Completed" if delivery.get("closed") else "Ongoing"


# --- 3W ---------------------------------------------------------------------------------------------------------

def three_w_rows(deliveries: Iterable[Mapping[str, Any]]) -> Iterator[list[str]]:
    """The header row, the HXL hashtag row, then one row per intervention, country and target."""
    yield [label for label, _ in THREE_W]
    yield [tag for _, tag in THREE_W]
    for delivery in deliveries:
        countries = delivery.get("countries") or [""]
        share = 1 / len(countries)
        money = tallies(delivery)["intervention"].get(delivery["intervention_id"])
        funders = "; ".join(_funders(delivery))
        objectives = "; ".join(OBJECTIVE_LABELS.get(o, o) for o in delivery.get("objectives", []))
        for country in countries:
            for target in delivery.get("targets", []):
                counted = target["kind"] == "quantity"
                reached = target.get("reported")
                yield [ILO, funders, CLUSTER, objectives, target["label"], delivery["intervention_id"],
                       delivery["crisis_id"], country, country_name(country) if country else "", "",
                       _day(delivery.get("launched_at")), _day(delivery.get("ends_at") or target.get("due_at")),
                       _status(delivery), target["status"],
                       _num(target["value"] * share) if counted else _num(target["value"]),
                       "" if reached is None else _num(reached * share) if counted else _num(reached),
                       target["unit"],
                       "" if money is None else _num(round(money.allocated * share, 2)),
                       "" if money is None else _num(round(money.spent * share, 2)),
                       delivery.get("budget_currency", "USD"),
                       "" if money is None or money.rate is None else _num(round(money.rate, 4))]


def csv_chunks(rows: Iterable[list[str]]) -> Iterator[str]:
    """CSV text in chunks of ROWS_PER_CHUNK rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    n = 0
    for row in rows:
        writer.writerow(row)
        n += 1
        if n % ROWS_PER_CHUNK == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue()


def xlsx_file(rows: Iterable[list[str]], path: str, numeric: Iterable[str] = NUMERIC_3W, sheet: str = "3W") -> None:
    """The rows as an XLSX workbook at `path` (openpyxl's write-only mode: rows go to disk as they come). The
    `numeric` columns (by header label) hold numbers; the HXL row is the second row, as HXL tools expect."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(sheet)
    columns: set[int] = set()
    for n, row in enumerate(rows):
        if n == 0:
            columns = {i for i, label in enumerate(row) if label in set(numeric)}
        worksheet.append(row if n < 2 else [float(v) if i in columns and v != "" else v for i, v in enumerate(row)])
    workbook.save(path)


# --- interventions ----------------------------------------------------------------------------------------------

def intervention_rows(deliveries: Iterable[Mapping[str, Any]]) -> Iterator[list[str]]:
    yield list(INTERVENTIONS)
    for delivery in deliveries:
        money = tallies(delivery)["intervention"].get(delivery["intervention_id"])
        counts = Counter(t["status"] for t in delivery.get("targets", []))
        yield [delivery["intervention_id"], delivery["crisis_id"], delivery.get("title", ""),
               " ".join(delivery.get("countries", [])), delivery.get("hazard") or "",
               " ".join(delivery.get("objectives", [])), "true" if delivery.get("exercise") else "false",
               delivery.get("launched_at", ""), delivery.get("ends_at") or "", _status(delivery).lower(),
               delivery.get("budget_currency", "USD"),
               "" if money is None else _num(round(money.allocated, 2)),
               "" if money is None else _num(round(money.spent, 2)),
               "" if money is None or money.rate is None else _num(round(money.rate, 4)),
               "true" if delivery.get("rate_lagging") else "false", str(len(delivery.get("targets", []))),
               *(str(counts.get(s, 0)) for s in ("on_track", "at_risk", "off_track", "met", "missed", "unknown")),
               "; ".join(f"{t['target_id']}={t['status']}" for t in delivery.get("targets", []))]


# --- IATI 2.03 --------------------------------------------------------------------------------------------------

def _el(name: str, attrs: Mapping[str, Any] | None = None, body: str | None = None) -> str:
    attr = "".join(f" {k}={quoteattr(str(v))}" for k, v in (attrs or {}).items() if v is not None)
    return f"<{name}{attr}/>" if body is None else f"<{name}{attr}>{body}</{name}>"


def _narrative(text: str) -> str:
    return _el("narrative", None, escape(text))


def _shares(keys: list[str]) -> list[tuple[str, str]]:
    """Whole percentages that add up to 100 (IATI's rule for countries and sectors of one vocabulary)."""
    if not keys:
        return []
    base, extra = divmod(100, len(keys))
    return [(k, str(base + (1 if i < extra else 0))) for i, k in enumerate(keys)]


def _iso2(iso3: str) -> str | None:
    country = pycountry.countries.get(alpha_3=iso3)
    return country.alpha_2 if country else None


def iati_chunks(deliveries: Iterable[Mapping[str, Any]], orgs: OrgLookup, generated_at: datetime,
                reporting_ref: str = ILO_IATI_REF) -> Iterator[str]:
    yield ('<?xml version="1.0" encoding="UTF-8"?>\n'
           f'<iati-activities version="2.03" generated-datetime={quoteattr(generated_at.isoformat(timespec="seconds"))}>\n')
    for delivery in deliveries:
        yield iati_activity(delivery, orgs, reporting_ref) + "\n"
    yield "</iati-activities>\n"


def iati_activity(delivery: Mapping[str, Any], orgs: OrgLookup, reporting_ref: str = ILO_IATI_REF) -> str:
    iid = delivery["intervention_id"]
    currency = delivery.get("budget_currency", "USD")
    launched = _day(delivery["launched_at"])
    ends = _day(delivery.get("ends_at")) or max((_day(t.get("due_at")) for t in delivery.get("targets", [])),
                                                default=launched)
    title = delivery.get("title") or f"Crisis response {iid}"
    parts = [_el("iati-identifier", None, escape(f"{reporting_ref}-{iid}")),
             _el("reporting-org", {"ref": reporting_ref, "type": "40"}, _narrative(ILO)),
             _el("title", None, _narrative(title)),
             _el("description", {"type": "1"}, _narrative(
                 f"ILO crisis response to {delivery.get('hazard') or 'a crisis'} ({delivery['crisis_id']}) in "
                 f"{', '.join(country_name(c) for c in delivery.get('countries', [])) or 'no country named'}: "
                 f"{', '.join(OBJECTIVE_LABELS.get(o, o) for o in delivery.get('objectives', [])) or 'no objective'}."))]
    funders: dict[str, str] = {}
    for line in delivery.get("funding", []):
        funders.setdefault(line["source"], line["organisation"])
    for source, name in sorted(funders.items()):
        if source == REGULAR_BUDGET:
            parts.append(_el("participating-org", {"ref": reporting_ref, "type": "40", "role": "1"}, _narrative(name)))
        else:
            parts.append(_el("participating-org", {"type": ORG_TYPES.get(orgs(source)[1] or "", "90"), "role": "1"},
                             _narrative(name)))
    parts.append(_el("participating-org", {"ref": reporting_ref, "type": "40", "role": "4"}, _narrative(ILO)))
    parts.append(_el("activity-status", {"code": "3" if delivery.get("closed") else "2"}))
    parts.append(_el("activity-date", {"iso-date": launched, "type": "2"}))  # actual start
    parts.append(_el("activity-date", {"iso-date": ends, "type": "3"}))  # planned end
    for country, pct in _shares([c for c in delivery.get("countries", []) if _iso2(c)]):
        parts.append(_el("recipient-country", {"code": _iso2(country), "percentage": pct}))
    for objective, pct in _shares([o for o in delivery.get("objectives", []) if o in DAC_SECTORS]):
        parts.append(_el("sector", {"vocabulary": "1", "code": DAC_SECTORS[objective], "percentage": pct}))
    money = tallies(delivery)["intervention"].get(iid)
    if money is not None and money.allocated > 0:
        parts.append(_el("budget", {"type": "1", "status": "2"},
                         _el("period-start", {"iso-date": launched}) + _el("period-end", {"iso-date": ends})
                         + _el("value", {"currency": currency, "value-date": launched}, _num(round(money.allocated, 2)))))
    for line in delivery.get("funding", []):
        provider = ({"ref": reporting_ref} if line["source"] == REGULAR_BUDGET else {})
        parts.append(_el("transaction", {"ref": line["line_id"], "humanitarian": "1"},
                         _el("transaction-type", {"code": "11"})  # incoming commitment
                         + _el("transaction-date", {"iso-date": str(line["committed_on"])})
                         + _el("value", {"currency": line["currency"], "value-date": str(line["committed_on"])},
                               _num(line["amount"]))
                         + _el("description", None, _narrative(
                             f"Funding from {line['organisation']}" + (f" ({line['reference']})"
                                                                      if line.get("reference") else "")))
                         + _el("provider-org", provider, _narrative(line["organisation"]))))
    for spent in delivery.get("expenditures", []):
        parts.append(_el("transaction", {"ref": f"{spent['report_id']}-{spent['line']}", "humanitarian": "1"},
                         _el("transaction-type", {"code": "4"})  # expenditure
                         + _el("transaction-date", {"iso-date": str(spent["spent_on"])})
                         + _el("value", {"currency": spent["currency"], "value-date": str(spent["spent_on"])},
                               _num(spent["amount"]))
                         + _el("description", None, _narrative(spent["description"]))))
    parts += [_result(delivery, target, launched, ends) for target in delivery.get("targets", [])]
    return _el("iati-activity", {"humanitarian": "1", "default-currency": currency,
                                 "last-updated-datetime": delivery.get("evaluated_at") or delivery["launched_at"]},
               "".join(parts))


def _parts(delivery: Mapping[str, Any], target_id: str) -> list[tuple[str, str, float]]:
    """Reported parts summed per dimension and value: (sex, female, 120.0), (age_group, 18-24, 40.0), ..."""
    sums: Counter = Counter()
    for versions in delivery.get("reports", {}).values():
        for value in versions[-1]["values"]:
            if value["target_id"] == target_id:
                for part in value.get("parts", []):
                    for name in ("sex", "age_group", "disability"):
                        if part.get(name) is not None:
                            sums[(name, str(part[name]).lower())] += part["value"]
    return [(name, value, total) for (name, value), total in sorted(sums.items())]


def _result(delivery: Mapping[str, Any], target: Mapping[str, Any], start: str, end: str) -> str:
    measure = "2" if target["kind"] == "share" else "1"
    scale = 100 if target["kind"] == "share" else 1
    actual = target.get("reported")
    period_end = _day(target.get("due_at")) or end
    period = (_el("period-start", {"iso-date": start}) + _el("period-end", {"iso-date": max(period_end, start)})
              + _el("target", {"value": _num(target["value"] * scale)})
              + ("" if actual is None else _el("actual", {"value": _num(actual * scale)}))
              + ("" if actual is None or target["kind"] != "quantity" else "".join(
                  _el("actual", {"value": _num(total)}, _el("dimension", {"name": name, "value": value}))
                  for name, value, total in _parts(delivery, target["target_id"]))))
    indicator = _el("indicator", {"measure": measure, "ascending": "1"},
                    _el("title", None, _narrative(f"{target['label']} ({target['unit']})"))
                    + _el("description", None, _narrative(f"status: {target['status']}"
                                                          + (f"; {target['reason']}" if target.get("reason") else "")))
                    + _el("baseline", {"year": start[:4], "iso-date": start, "value": "0"})
                    + _el("period", None, period))
    return _el("result", {"type": "1", "aggregation-status": "1"},
               _el("title", None, _narrative(target["label"])) + indicator)
