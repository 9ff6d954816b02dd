"""Partners are ranked by coverage, capacity and lead time; inactive ones and those without the capability never."""

from __future__ import annotations

from responders.matching import rank_partner_asks, rank_partners
from responders.roster.generator import generate_roster

from .factories import make_ask, make_partner


def test_order_follows_coverage_capacity_and_lead_time():
    partners = [
        make_partner("far", countries=["BRA"]),
        make_partner("region", countries=["UKR"]),
        make_partner("global", countries=[], global_coverage=True),
        make_partner("country"),
        make_partner("small", resources=[{"capability": "logistics", "capacity": 5, "unit": "trucks",
                                          "lead_time_days": 3}]),
        make_partner("slow", resources=[{"capability": "logistics", "capacity": 10, "unit": "trucks",
                                         "lead_time_days": 30}]),
        make_partner("inactive", active=False),
        make_partner("no_capability", capabilities=["funding"], resources=[]),
        make_partner("declared_only", resources=[]),
    ]
    ranking = rank_partners(partners, make_ask())
    ids = [p.partner_id for p in ranking.partners]
    # country .4+.35+.225, region .24+.35+.225, small .4+.175+.225, global .2+.35+.225, slow .4+.35+0, ...
    assert ids == ["country", "region", "small", "global", "slow", "far", "declared_only"]
    by_id = {p.partner_id: p for p in ranking.partners}
    assert by_id["country"].meets_quantity and not by_id["small"].meets_quantity
    assert by_id["slow"].score_parts["lead_time"] == 0.0
    assert by_id["declared_only"].capacity == 0.0 and by_id["declared_only"].unit is None
    for p in ranking.partners:
        assert abs(sum(p.score_parts.values()) - p.score) <= 1e-9


def test_deadline_and_unit():
    partners = [make_partner("a", resources=[{"capability": "logistics", "capacity": 10, "unit": "trucks",
                                              "lead_time_days": 8}]),
                make_partner("b", resources=[{"capability": "logistics", "capacity": 10, "unit": "tonnes",
                                              "lead_time_days": 1}])]
    ranking = rank_partners(partners, make_ask(needed_within_days=7, unit="trucks"))
    a, b = ranking.partners
    assert (a.partner_id, a.meets_deadline, a.score_parts["lead_time"]) == ("a", False, 0.0)
    assert (b.partner_id, b.capacity, b.meets_deadline) == ("b", 0.0, None)


def test_generated_partners_rank_for_several_asks():
    _, partners = generate_roster(0, 200, seed=3)
    asks = [make_ask(capability="funding", quantity=1_000_000, countries=["SDN"]),
            make_ask(capability="logistics", quantity=20, countries=["HTI"], needed_within_days=10),
            make_ask(capability="cash_for_work", quantity=500, countries=["AFG"])]
    rankings = rank_partner_asks(partners, asks, k=5)
    assert [len(r.partners) for r in rankings] == [5, 5, 5]
    for r in rankings:
        assert [p.score for p in r.partners] == sorted((p.score for p in r.partners), reverse=True)
        for p in r.partners:
            assert abs(sum(p.score_parts.values()) - p.score) <= 1e-9
