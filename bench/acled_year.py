"""A seeded year of conflict events shaped like ACLED: about 150,000 events over 40 countries, in daily bursts.

Each country has a few hotspots (a city or a front line, with a base intensity) and a trend: some conflicts
flare, some calm down, a few start mid-year. Every day each country gets a burst of events drawn around its
active hotspots (within about 30 km), with fatalities from a heavy-tailed distribution that maps to severity the
way the ACLED parser does (0 minor, 1+ moderate, 25+ severe, 100+ extreme). The output is normalised signals, as
the ACLED parser makes them (`source` "acled", `source_id` the ACLED event id), in time order.

    python bench/acled_year.py --seed 7 > year.jsonl      # or import acled_year() from a bench
"""

from __future__ import annotations

import json
import math
import random
import sys
from datetime import datetime, timedelta, timezone

COUNTRIES = ["SYR", "YEM", "UKR", "MMR", "SDN", "SSD", "COD", "NGA", "MLI", "BFA", "NER", "SOM", "ETH", "AFG",
             "PAK", "IRQ", "LBY", "MOZ", "CMR", "CAF", "TCD", "HTI", "COL", "MEX", "VEN", "IND", "BGD", "PHL",
             "PSE", "LBN", "ISR", "TUR", "KEN", "UGA", "BDI", "ZWE", "EGY", "DZA", "PER", "BRA"]
# Rough centres (lat, lon) for each country's hotspots; hotspots spread 1-4 degrees around them.
CENTRES = {"SYR": (35.0, 38.5), "YEM": (15.5, 47.5), "UKR": (48.5, 35.0), "MMR": (21.0, 96.0), "SDN": (14.0, 30.0),
           "SSD": (7.5, 30.5), "COD": (-2.0, 28.5), "NGA": (10.0, 8.0), "MLI": (15.0, -3.0), "BFA": (12.5, -1.5),
           "NER": (14.5, 6.0), "SOM": (4.0, 45.5), "ETH": (10.0, 39.5), "AFG": (34.0, 66.0), "PAK": (31.0, 70.0),
           "IRQ": (34.0, 43.5), "LBY": (31.0, 16.0), "MOZ": (-13.0, 39.5), "CMR": (6.0, 12.5), "CAF": (6.5, 20.5),
           "TCD": (13.5, 18.5), "HTI": (18.7, -72.5), "COL": (4.5, -74.0), "MEX": (20.0, -101.0),
           "VEN": (8.0, -66.0), "IND": (24.0, 80.0), "BGD": (23.7, 90.3), "PHL": (8.0, 124.5), "PSE": (31.6, 34.7),
           "LBN": (33.8, 35.8), "ISR": (32.0, 34.9), "TUR": (38.5, 38.0), "KEN": (0.5, 37.5), "UGA": (1.5, 32.5),
           "BDI": (-3.4, 29.9), "ZWE": (-19.0, 30.0), "EGY": (27.0, 31.0), "DZA": (32.0, 3.0), "PER": (-10.0, -75.0),
           "BRA": (-15.0, -50.0)}
DAYS = 365


def year_start(days: int = DAYS) -> datetime:
    """The year that ends today (midnight UTC): a backfill, mostly history by the time it is read, its last weeks news."""
    today = datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    return today - timedelta(days=days)


def _fatalities(rnd: random.Random) -> int:
    roll = rnd.random()
    if roll < 0.55:
        return 0
    return min(500, int(rnd.paretovariate(1.6)))  # heavy tail: most 1-3, a few in the hundreds


def _severity(fatalities: int) -> str:
    return "extreme" if fatalities >= 100 else "severe" if fatalities >= 25 else "moderate" if fatalities else "minor"


def acled_year(seed: int = 7, total: int = 150_000, days: int = DAYS) -> list[dict]:
    rnd = random.Random(seed)
    start = year_start(days)
    countries = []
    for code in COUNTRIES:
        lat0, lon0 = CENTRES[code]
        hotspots = [(lat0 + rnd.uniform(-2, 2), lon0 + rnd.uniform(-2, 2), rnd.uniform(0.3, 1.5))
                    for _ in range(rnd.randint(2, 6))]
        start_day = 0 if rnd.random() < 0.85 else rnd.randint(60, 250)
        trend = rnd.uniform(-1.0, 1.5)  # flaring (> 0) or calming (< 0) over the year
        weight = rnd.lognormvariate(0, 1.0)  # a few countries carry most events, as in ACLED
        countries.append((code, hotspots, start_day, trend, weight))
    norm = sum(w for *_, w in countries)
    per_day = total / days
    out: list[dict] = []
    n = 0
    for day in range(days):
        for code, hotspots, start_day, trend, weight in countries:
            if day < start_day:
                continue
            level = per_day * weight / norm * math.exp(trend * (day / days - 0.5))
            count = _poisson(rnd, level)
            for _ in range(count):
                lat, lon, _intensity = rnd.choices(hotspots, weights=[h[2] for h in hotspots])[0]
                fatalities = _fatalities(rnd)
                at = start + timedelta(days=day, seconds=rnd.randrange(86_400))
                n += 1
                event_id = f"{code}{n:07d}"
                hazard = "armed_conflict" if rnd.random() < 0.7 else "civil_unrest"
                out.append({"signal_id": f"sig-acled-{event_id.lower()}", "source": "acled", "source_id": event_id,
                            "kind": "conflict", "hazard": hazard,
                            "title": f"{'Battles' if hazard == 'armed_conflict' else 'Protests'} in {code} "
                                     f"({fatalities} fatalities)",
                            "countries": [code], "location": {"lat": round(lat + rnd.gauss(0, 0.15), 4),
                                                              "lon": round(lon + rnd.gauss(0, 0.15), 4)},
                            "severity": _severity(fatalities), "observed_at": at.isoformat(),
                            "affected_population": None, "references": [f"acled:{event_id}"]})
    out.sort(key=lambda s: s["observed_at"])
    return out


def _poisson(rnd: random.Random, lam: float) -> int:
    if lam > 30:  # normal approximation for large rates
        return max(0, int(round(rnd.gauss(lam, math.sqrt(lam)))))
    threshold, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rnd.random()
        if p <= threshold:
            return k
        k += 1


if __name__ == "__main__":
    seed = int(sys.argv[sys.argv.index("--seed") + 1]) if "--seed" in sys.argv else 7
    for signal in acled_year(seed):
        print(json.dumps(signal))
