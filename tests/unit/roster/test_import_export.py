"""Bulk import reports bad rows (row, field, reason) and returns the valid ones; export round-trips."""

from __future__ import annotations

import io

import pytest

from responders.matching import RosterIndex, rank
from responders.roster.exceptions import UnknownFormat, UnreadableImport
from responders.roster.exporter import export_experts_csv, export_jsonl, export_partners_csv
from responders.roster.generator import generate_roster
from responders.roster.importer import ImportIssue, import_experts, import_partners

from ..matching.factories import make_role

HEADER = ("expert_id,name,email,phone,webhook_url,skills,languages,regions,countries,duty_country,duty_city,"
          "availability,deployments,cleared,clearance_level,max_deployment_days,rest_days,seniority,active\n")
GOOD = ("a1,Ana Cruz,ana@example.org,,,employment_intensive_investment:4;cash_for_work:2,es:5;en:4,americas,"
        "MEX;SLV,MEX,Mexico City,2025-01-01/2025-12-31,d1|c9|2024-10-01|2024-11-01|completed,true,2,90,14,senior,"
        "true\n")


@pytest.fixture(scope="module")
def roster():
    return generate_roster(1500, 60, seed=7)


def test_csv_round_trip(roster, tmp_path):
    experts, partners = roster
    path = tmp_path / "experts.csv"
    export_experts_csv(experts, path)
    got = import_experts(path)
    assert got.issues == [] and got.records == experts
    text = export_partners_csv(partners)
    got = import_partners(io.StringIO(text), format="csv")
    assert got.issues == [] and got.records == partners


@pytest.mark.parametrize("suffix", ["json", "jsonl"])
def test_json_round_trip(roster, tmp_path, suffix):
    experts, partners = roster
    text = export_jsonl(experts)
    if suffix == "json":
        text = "[" + ",".join(text.splitlines()) + "]"
    path = tmp_path / f"experts.{suffix}"
    path.write_text(text, encoding="utf-8")
    assert import_experts(path) == (experts, [])
    assert import_partners(export_jsonl(partners).encode()) == (partners, [])


def test_bad_csv_rows_are_reported_and_good_ones_applied():
    rows = [
        GOOD,
        GOOD.replace("a1,Ana Cruz", "a2,Bad Skill").replace("cash_for_work:2", "juggling:2"),
        GOOD.replace("a1,Ana Cruz", "a3,Bad Level").replace("cash_for_work:2", "cash_for_work:x"),
        GOOD.replace("a1,Ana Cruz", "a4,Bad Country").replace("MEX;SLV", "MEX;QQQ"),
        GOOD.replace("a1,Ana Cruz", "a5,Bad Window").replace("2025-01-01/2025-12-31", "2025-12-31/2025-01-01"),
        GOOD.replace("a1,Ana Cruz", "a6,Bad Date").replace("2025-01-01/2025-12-31", "2025-13-01/2025-12-31"),
        GOOD.replace("a1,Ana Cruz", "a7,Bad Email").replace("ana@example.org", "ana-at-example"),
        GOOD.replace("a1,Ana Cruz", "a8,Bad Duty").replace("MEX,Mexico City", "XXX,Mexico City"),
        GOOD.replace("true,2,90", "true,0,90").replace("a1,Ana Cruz", "a9,Bad Clearance"),
        GOOD,  # duplicate of a1
        GOOD.replace("a1,Ana Cruz", "b1,Bea Díaz").replace("senior,true", "principal,true"),
        GOOD.replace("a1,Ana Cruz", "b2,Too Many") .rstrip("\n") + ",extra\n",
    ]
    result = import_experts(io.StringIO(HEADER + "".join(rows)))
    assert [e.expert_id for e in result.records] == ["a1", "b1"]
    issues = {(i.row, i.field) for i in result.issues}
    assert issues == {(3, "skills"), (4, "skills"), (5, "countries"), (6, "availability"), (7, "availability"),
                      (8, "email"), (9, "duty_country"), (10, "cleared"), (11, "expert_id"), (13, "")}
    reasons = {(i.row, i.field): i.reason for i in result.issues}
    assert "juggling" in reasons[(3, "skills")] and "'x' is not a whole number" in reasons[(4, "skills")]
    assert "first at row 2" in reasons[(11, "expert_id")]
    assert all(isinstance(i, ImportIssue) for i in result.issues)

    index = RosterIndex.from_experts(result.records)
    role = make_role(countries=["MEX"], start=result.records[0].availability[0].start.replace(month=3))
    assert [c.expert_id for c in rank(index, role).candidates] == ["b1", "a1"]


def test_bad_json_records_name_the_path():
    good = export_jsonl(generate_roster(2, 0, seed=1)[0]).splitlines()
    lines = [good[0], "{not json", good[1].replace('"skills":{', '"skills":{"nope":2,'), "[1, 2]", ""]
    result = import_experts(("\n".join(lines)).encode(), format="jsonl")
    assert len(result.records) == 1
    assert [(i.row, i.field) for i in result.issues] == [(2, ""), (3, "skills.nope"), (4, "")]


def test_unreadable_sources():
    with pytest.raises(UnreadableImport, match="unknown CSV columns"):
        import_experts(b"expert_id,shoe_size\nx,42\n")
    with pytest.raises(UnreadableImport, match="broken JSON"):
        import_experts(b"[{", format="json")
    with pytest.raises(UnreadableImport, match="UTF-8"):
        import_experts(b"\xff\xfe\x00x")
    with pytest.raises(UnknownFormat):
        import_experts(b"   ")
    with pytest.raises(UnknownFormat):
        import_experts(b"a,b", format="xlsx")
