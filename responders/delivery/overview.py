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


WAITED = ("first_expert_accepted", "team_on_site")


def standing(delivery: Mapping[str, Any]) -> dict[str, Any]:
    """What the overview reads of a delivery state besides its ids, countries and launch: its targets counted by
    status, its objectives and the facts it times (the view keeps this in memory for every intervention, so the
    overview reads no state from disk)."""
    facts = delivery.get("facts") or {}
    statuses: dict[str, int] = {}
    for target in delivery["targets"]:  # a Counter, without its cost (the view does this for every state it reads)
        statuses[target["status"]] = statuses.get(target["status"], 0) + 1
    return {"statuses": statuses,
            "objectives": list(delivery.get("objectives") or []),
            "facts": {name: facts[name] for name in WAITED if name in facts}}


def overview(deliveries: Iterable[Mapping[str, Any]], region_of: Callable[[str], str | None]) -> dict[str, Any]:
    """`deliveries` are delivery states, or their ids, countries and launch with their `standing`; `region_of`
    names a country's region (or None)."""
    groups: dict[str, dict[str, Counter]] = {k: defaultdict(Counter) for k in ("country", "region", "objective")}
    per_intervention, waits = [], {name: [] for name in WAITED}
    for delivery in deliveries:
        if "statuses" not in delivery:
            delivery = {**delivery, **standing(delivery)}
        counts = Counter(delivery["statuses"])
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
