"""The delivery overview: target statuses summed per intervention, country, region and strategic objective, and
the median time from launch to first acceptance and to team on site (plain data in, plain data out)."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any


def _hours(later: str | None, earlier: str) -> float | None:
    if not later:
        return None
    return (datetime.fromisoformat(later.replace("Z", "+00:00"))
            - datetime.fromisoformat(earlier.replace("Z", "+00:00"))).total_seconds() / 3600


def overview(deliveries: Iterable[Mapping[str, Any]], region_of: Callable[[str], str | None]) -> dict[str, Any]:
    """`deliveries` are delivery states as the view keeps them; `region_of` names a country's region (or None)."""
    groups: dict[str, dict[str, Counter]] = {k: defaultdict(Counter) for k in ("country", "region", "objective")}
    per_intervention, waits = [], {"first_expert_accepted": [], "team_on_site": []}
    for delivery in deliveries:
        counts = Counter(t["status"] for t in delivery["targets"])
        per_intervention.append({"intervention_id": delivery["intervention_id"], "crisis_id": delivery["crisis_id"],
                                 "countries": delivery.get("countries", []), "statuses": dict(counts)})
        for country in delivery.get("countries", []):
            groups["country"][country].update(counts)
            region = region_of(country)
            if region is not None:
                groups["region"][region].update(counts)
        for objective in delivery.get("objectives", []):
            groups["objective"][objective].update(counts)
        for name, hours in waits.items():
            waited = _hours(delivery.get("facts", {}).get(name), delivery["launched_at"])
            if waited is not None:
                hours.append(waited)
    return {"interventions": sorted(per_intervention, key=lambda d: d["intervention_id"]),
            **{f"by_{k}": {key: dict(v) for key, v in sorted(groups[k].items())} for k in groups},
            "median_hours_to_first_acceptance": _median(waits["first_expert_accepted"]),
            "median_hours_to_team_on_site": _median(waits["team_on_site"])}


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None
