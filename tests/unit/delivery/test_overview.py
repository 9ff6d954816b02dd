"""The delivery overview sums statuses per intervention, country, region and objective, with median waits."""

from __future__ import annotations

from responders.delivery.overview import overview, standing

UNCOVERED = "XZZ"  # a code no office covers (in ISO 3166's user-assigned range XAA-XZZ): counted by country, in no region


def delivery(iid: str, countries: list[str], statuses: list[str], **facts: str) -> dict:
    return {"intervention_id": iid, "crisis_id": f"cri-{iid}", "countries": countries, "objectives": ["employment"],
            "launched_at": "2026-03-02T00:00:00Z", "facts": facts,
            "targets": [{"status": s} for s in statuses]}


def test_statuses_add_up_by_place_and_objective_and_waits_are_medians():
    out = overview([delivery("a", ["IDN"], ["met", "at_risk"], first_expert_accepted="2026-03-02T02:00:00Z"),
                    delivery("b", ["IDN", UNCOVERED], ["met"], first_expert_accepted="2026-03-02T06:00:00Z",
                             team_on_site="2026-03-04T00:00:00Z")],
                   lambda c: "ro-asia-pacific" if c == "IDN" else None)
    assert [i["intervention_id"] for i in out["interventions"]] == ["a", "b"]
    assert out["by_country"] == {"IDN": {"met": 2, "at_risk": 1}, UNCOVERED: {"met": 1}}
    assert out["by_region"] == {"ro-asia-pacific": {"met": 2, "at_risk": 1}}
    assert out["by_objective"] == {"employment": {"met": 2, "at_risk": 1}}
    assert out["median_hours_to_first_acceptance"] == 4 and out["median_hours_to_team_on_site"] == 48
    assert overview([], lambda c: None)["median_hours_to_team_on_site"] is None


def test_the_overview_of_what_the_view_keeps_in_memory_is_the_overview_of_the_states():
    states = [delivery("a", ["IDN"], ["met", "at_risk"], first_expert_accepted="2026-03-02T02:00:00Z"),
              delivery("b", ["IDN", UNCOVERED], ["met", "met", "unknown"], team_on_site="2026-03-04T00:00:00Z",
                       other_fact="2026-03-03T00:00:00Z")]
    kept = [{k: d[k] for k in ("intervention_id", "crisis_id", "countries", "launched_at")} | standing(d)
            for d in states]
    assert "targets" not in kept[0] and kept[1]["statuses"] == {"met": 2, "unknown": 1}
    assert kept[1]["facts"] == {"team_on_site": "2026-03-04T00:00:00Z"}  # only the facts it times
    region = lambda c: "ro-asia-pacific" if c == "IDN" else None  # noqa: E731
    assert overview(kept, region) == overview(states, region)
