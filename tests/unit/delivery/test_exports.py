"""Exports of a funded, reported intervention: IATI 2.03 valid against the official schema with codes from its
codelists, 3W read back by libhxl with its hashtags, XLSX whose header rows match the CSV."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from datetime import date, timedelta

import hxl
import openpyxl

from responders.delivery.exports import csv_chunks, iati_chunks, intervention_rows, three_w_rows, xlsx_file
from responders.delivery.funding import Earmark
from responders.delivery.models import Part, ReportInput, ReportValue, SubmitReport
from tests.iati import activities_schema, codelist
from tests.factories import T0
from tests.unit.delivery.test_funding import IV, fund, run, spend, track
from responders.messages import MemoryTable

D = timedelta(days=1)


def reported_state() -> dict:
    table = MemoryTable()
    run(table, track(), T0)
    run(table, fund(1, "ptn-donor-a", 600_000), T0 + D)
    run(table, fund(2, "ptn-donor-b", 400_000, Earmark(objective="social_protection")), T0 + D)
    run(table, fund(3, "regular_budget", 50_000), T0 + D)
    run(table, spend(1, 10, ("ptn-donor-a", 100_000), ("ptn-donor-b", 20_000)), T0 + 10 * D)
    run(table, SubmitReport(intervention_id=IV, crisis_id="cri-f", command_id="rep-1", report_id="rpt-1",
                            actor="tok-c", role="coordinator", issued_at=T0 + 12 * D,
                            report=ReportInput(period_start=date(2026, 3, 2), period_end=(T0 + 12 * D).date(),
                                               values=[ReportValue(target_id="person_days", value=300, parts=[
                                                   Part(sex="female", value=180), Part(sex="male", value=120),
                                                   Part(age_group="18-24", value=90)])])), T0 + 12 * D)
    return table.rows[IV].model_dump(mode="json")


ORGS = {"ptn-donor-a": ("Donor A", "donor"), "ptn-donor-b": ("Bank B", "development_bank")}


def test_iati_export_is_valid_against_the_2_03_schema_and_uses_its_codelists():
    state = reported_state()
    xml = "".join(iati_chunks([state, {**state, "intervention_id": "int-g"}], lambda p: ORGS.get(p, (p, None)),
                              T0 + 20 * D))
    activities_schema().validate(xml)  # raises with the path of the first invalid element
    root = ET.fromstring(xml)
    activity = root.find("iati-activity")
    assert activity.get("humanitarian") == "1" and len(root) == 2
    assert {e.get("code") for e in activity.iter("recipient-country")} == {"TR", "SY"}
    assert {e.get("code") for e in activity.iter("recipient-country")} <= codelist("Country")
    assert {e.get("code") for e in activity.iter("sector")} <= codelist("Sector")
    funding = [e for e in activity.iter("participating-org") if e.get("role") == "1"]
    assert {e.get("type") for e in funding} <= codelist("OrganisationType") and len(funding) == 3
    kinds = Counter_of(activity, "transaction/transaction-type")
    assert kinds == {"11": 3, "4": 2}  # three commitments, two expenditure lines
    assert activity.find("budget/value").text == "1050000"
    period = activity.find("result/indicator/period")
    assert period.find("target").get("value") == "1000"
    actuals = {(a.find("dimension").get("value") if a.find("dimension") is not None else None): a.get("value")
               for a in period.findall("actual")}
    assert actuals == {None: "300", "female": "180", "male": "120", "18-24": "90"}


def Counter_of(element, path: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for e in element.findall(path):
        out[e.get("code")] = out.get(e.get("code"), 0) + 1
    return out


def test_3w_parses_with_libhxl_and_the_xlsx_header_matches_the_csv(tmp_path):
    state = reported_state()
    text = "".join(csv_chunks(three_w_rows([state])))
    source = hxl.data(io.BytesIO(text.encode()))
    tags = {column.get_display_tag(sort_attributes=True) for column in source.columns}
    for tag in ("#org", "#sector", "#activity", "#country+code", "#adm1", "#date+start", "#date+end", "#status",
                "#targeted", "#reached"):
        assert any(t == tag or t.startswith(tag + "+") for t in tags), (tag, tags)
    rows = list(source)
    assert {row.get("#country+code") for row in rows} == {"TUR", "SYR"}
    assert sum(float(row.get("#targeted")) for row in rows) == 1000  # split over the two countries, not doubled
    assert sum(float(row.get("#reached")) for row in rows) == 300
    path = tmp_path / "3w.xlsx"
    xlsx_file(three_w_rows([state]), str(path))
    sheet = openpyxl.load_workbook(path, read_only=True).active
    header, hashtags, first = [list(r) for r in sheet.iter_rows(min_row=1, max_row=3, values_only=True)]
    csv_rows = list(csv.reader(io.StringIO(text)))
    assert header == csv_rows[0] and hashtags == csv_rows[1]
    assert first[header.index("Targeted")] == 500 and first[header.index("Country code")] == "TUR"


def test_the_interventions_table_has_statuses_and_the_delivery_rate():
    rows = list(intervention_rows([reported_state()]))
    record = dict(zip(rows[0], rows[1], strict=True))
    assert record["allocated"] == "1050000" and record["spent"] == "120000"
    assert record["delivery_rate"] == "0.1143" and "person_days=" in record["target_statuses"]
