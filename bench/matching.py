"""Matching engine speed: rank one role and fill a 10-role plan on 10k / 100k / 1M experts.

For each size: generate the synthetic roster as columns (seeded), build the RosterIndex, then time
`rank` (one role, top 10 + 5 near misses, explanations included) and `fill_plan` (10 roles, 1-3 seats
each, optimal assignment, assigned + 3 alternates + 3 near misses per role explained) over --repeat
runs with varying roles, crisis countries, dates and reservations; p50 and p99 in milliseconds.
The naive per-expert Python loop (`rank_naive` over Expert records, and a plan built from it with the
same assignment step) is timed in the same run on fewer repetitions (10k: 20 roles / 4 plans, 100k:
3 roles / 2 plans), and only up to 100k experts: 1M Expert records would take about 40 s and several
GB just to build. Its results are checked against the vectorised ones. Peak RSS is the process's
ru_maxrss (monotonic; the 100k Expert records for the naive loop are the biggest item before 1M).
No broker is needed.
Usage: python bench/matching.py [--sizes 10000,100000,1000000] [--repeat 100] [--naive-max 100000]
"""

from __future__ import annotations

import argparse
import gc
import random
import time
from datetime import timedelta

import numpy as np
from common import emit, peak_rss_mb, percentile
from scipy.optimize import linear_sum_assignment

from responders.matching import RosterIndex, RoleRequest, fill_plan, index_from_columns, rank, rank_naive
from responders.roster.columns import EPOCH, generate_columns
from responders.roster.generator import experts_from_columns

# (role, {skill: minimum level}) as a crisis response plan would ask for them
TEMPLATES = [
    ("EIIP engineer", {"employment_intensive_investment": 3}),
    ("Cash-for-work coordinator", {"cash_for_work": 3, "occupational_safety_health": 2}),
    ("Debris removal OSH specialist", {"debris_removal_safety": 2, "occupational_safety_health": 3}),
    ("Emergency employment services officer", {"emergency_employment_services": 3}),
    ("TVET specialist", {"skills_vocational_training": 3}),
    ("Enterprise recovery specialist", {"enterprise_recovery": 3, "access_to_finance": 2}),
    ("LED adviser", {"local_economic_development": 3}),
    ("PDNA employment sector lead", {"post_disaster_needs_assessment": 3, "labour_market_assessment": 2}),
    ("Labour market analyst", {"labour_market_assessment": 3}),
    ("Social protection specialist", {"social_protection_systems": 3, "cash_transfers": 2}),
    ("Cash transfer officer", {"cash_transfers": 3}),
    ("Child labour specialist", {"child_labour_prevention": 3}),
    ("Forced labour and trafficking specialist", {"forced_labour_prevention": 2}),
    ("Labour migration specialist", {"labour_migration": 3}),
    ("Social dialogue specialist", {"social_dialogue": 3}),
    ("Labour administration adviser", {"labour_administration": 3}),
    ("Conflict-sensitivity adviser", {"conflict_sensitive_programming": 3}),
    ("Gender specialist", {"gender_equality": 3}),
    ("Livelihoods cluster coordinator", {"livelihoods_coordination": 2}),
]
COUNTRIES = {"AFG": "conflict", "TUR": "disaster", "SYR": "conflict", "PHL": "disaster", "MEX": "disaster",
             "SLV": "disaster", "PNG": "disaster", "ESP": "economic_shock", "GRC": "economic_shock",
             "UKR": "conflict", "SDN": "conflict", "HTI": "disaster", "BFA": "conflict", "TCD": "disaster",
             "NPL": "disaster", "BGD": "disaster", "MMR": "conflict", "MOZ": "disaster"}


def make_role(rnd: random.Random, country: str, start_day: int) -> RoleRequest:
    name, skills = rnd.choice(TEMPLATES)
    return RoleRequest(role=name, skills=skills, count=rnd.choice([1, 1, 2, 3]),
                       start=EPOCH + timedelta(days=start_day + rnd.randint(0, 14)),
                       duration_days=rnd.choice([14, 30, 45, 60, 90]), countries=[country],
                       kind=COUNTRIES[country], high_risk=rnd.random() < 0.15)


def make_plan(rnd: random.Random, ids: list[str]) -> tuple[list[RoleRequest], list[tuple]]:
    """10 roles for one crisis, and open offers of an earlier plan (about 0.5% of the roster)."""
    country, start = rnd.choice(list(COUNTRIES)), rnd.randint(0, 120)
    roles = [make_role(rnd, country, start) for _ in range(10)]
    offers = []
    for _ in range(max(1, len(ids) // 200)):
        s = EPOCH + timedelta(days=rnd.randint(0, 150))
        offers.append((ids[rnd.randrange(len(ids))], s, s + timedelta(days=rnd.randint(7, 60))))
    return roles, offers


def naive_plan(experts, roles, offers, alternates: int = 3) -> float:
    """The same plan from rank_naive (per-expert loops) and the same assignment step; returns the total."""
    seats = sum(r.count for r in roles)
    rankings = [rank_naive(experts, r, offers, k=seats + alternates, near_miss_count=3) for r in roles]
    tops = [rk.candidates[:seats] for rk in rankings]
    pool = sorted({c.expert_id for top in tops for c in top})
    col = {eid: i for i, eid in enumerate(pool)}
    benefit = np.zeros((seats, len(pool)))
    seat = 0
    for r, top in zip(roles, tops):
        for _ in range(r.count):
            for c in top:
                benefit[seat, col[c.expert_id]] = c.score + seats + 1.0
            seat += 1
    rows, cols = linear_sum_assignment(benefit, maximize=True) if pool else ([], [])
    return sum(benefit[r, c] - seats - 1.0 for r, c in zip(rows, cols) if benefit[r, c] > 0)


def timed(fn, reps: int) -> list[float]:
    gc.collect()
    out = []
    for i in range(reps):
        t = time.perf_counter()
        fn(i)
        out.append((time.perf_counter() - t) * 1000)
    return out


def label(n: int) -> str:
    return f"{n // 1_000_000}m" if n >= 1_000_000 else f"{n // 1000}k"


def bench_size(n: int, repeat: int, naive_max: int, figures: dict) -> None:
    tag = label(n)
    t = time.perf_counter()
    cols = generate_columns(n, seed=2025)
    figures[f"generate_s_{tag}"] = round(time.perf_counter() - t, 3)
    t = time.perf_counter()
    index = index_from_columns(cols)
    figures[f"build_s_{tag}"] = round(time.perf_counter() - t, 3)
    figures[f"index_mb_{tag}"] = round(index.nbytes / 2**20, 1)
    print(f"{n:>9,} experts: generated in {figures[f'generate_s_{tag}']:.2f} s, index built from columns in "
          f"{figures[f'build_s_{tag}']:.3f} s ({figures[f'index_mb_{tag}']} MB of arrays)")

    rnd = random.Random(n)
    plans = [make_plan(rnd, index.ids) for _ in range(repeat)]
    singles = [(p[0][0], p[1]) for p in plans]
    rank(index, *singles[0])  # warm-up
    ranks = timed(lambda i: rank(index, singles[i][0], singles[i][1], k=10, near_miss_count=5), repeat)
    fills = timed(lambda i: fill_plan(index, plans[i][0], plans[i][1]), repeat)
    for key, values in (("rank", ranks), ("plan10", fills)):
        figures[f"{key}_p50_ms_{tag}"] = round(percentile(values, 50), 3)
        figures[f"{key}_p99_ms_{tag}"] = round(percentile(values, 99), 3)
    filled = [fill_plan(index, *plans[i]) for i in range(min(repeat, 20))]
    print(f"  rank one role:    p50 {figures[f'rank_p50_ms_{tag}']:8.3f} ms   p99 {figures[f'rank_p99_ms_{tag}']:8.3f} ms"
          f"   ({repeat} roles)")
    print(f"  fill 10-role plan: p50 {figures[f'plan10_p50_ms_{tag}']:7.3f} ms   p99 {figures[f'plan10_p99_ms_{tag}']:8.3f} ms"
          f"   ({repeat} plans; {sum(f.filled for f in filled)}/{sum(f.seats for f in filled)} seats filled in the first 20)")

    figures[f"peak_rss_mb_after_{tag}"] = round(peak_rss_mb(), 1)
    if n > naive_max:
        print(f"  naive loop: skipped above {naive_max:,} experts; peak RSS so far {peak_rss_mb():.0f} MB")
        return
    t = time.perf_counter()
    experts = experts_from_columns(cols)
    figures[f"records_s_{tag}"] = round(time.perf_counter() - t, 3)
    t = time.perf_counter()
    RosterIndex.from_experts(experts)
    figures[f"build_records_s_{tag}"] = round(time.perf_counter() - t, 3)
    print(f"  {n:,} Expert records built in {figures[f'records_s_{tag}']:.2f} s; index from records in "
          f"{figures[f'build_records_s_{tag}']:.3f} s")
    naive_reps = max(3, min(repeat, 200_000 // n))
    plan_reps = max(2, naive_reps // 5)
    naive = timed(lambda i: rank_naive(experts, singles[i][0], singles[i][1], k=10, near_miss_count=5), naive_reps)
    naive_fills = timed(lambda i: naive_plan(experts, *plans[i]), plan_reps)
    for i in range(min(naive_reps, 5)):  # same answers as the vectorised engine
        assert rank(index, *singles[i]).model_dump() == rank_naive(experts, *singles[i]).model_dump()
    for i in range(plan_reps):
        assert abs(naive_plan(experts, *plans[i]) - fill_plan(index, *plans[i]).total_score) < 1e-9
    figures[f"naive_rank_p50_ms_{tag}"] = round(percentile(naive, 50), 1)
    figures[f"naive_plan10_p50_ms_{tag}"] = round(percentile(naive_fills, 50), 1)
    figures[f"naive_rank_reps_{tag}"] = naive_reps
    figures[f"naive_plan10_reps_{tag}"] = plan_reps
    figures[f"speedup_rank_x_{tag}"] = round(figures[f"naive_rank_p50_ms_{tag}"] / figures[f"rank_p50_ms_{tag}"])
    figures[f"speedup_plan10_x_{tag}"] = round(figures[f"naive_plan10_p50_ms_{tag}"] / figures[f"plan10_p50_ms_{tag}"])
    print(f"  naive loop: rank p50 {figures[f'naive_rank_p50_ms_{tag}']:.1f} ms ({naive_reps} roles), "
          f"10-role plan p50 {figures[f'naive_plan10_p50_ms_{tag}']:.1f} ms ({plan_reps} plans); "
          f"vectorised is {figures[f'speedup_rank_x_{tag}']}x / {figures[f'speedup_plan10_x_{tag}']}x faster; "
          f"same rankings and plan totals")
    del experts
    gc.collect()
    figures[f"peak_rss_mb_after_{tag}_naive"] = round(peak_rss_mb(), 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--repeat", type=int, default=100)
    parser.add_argument("--naive-max", type=int, default=100_000)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    figures: dict = {"repeat": args.repeat}
    for n in sizes:
        bench_size(n, args.repeat, args.naive_max, figures)
    tags = [label(n) for n in sizes]
    for a, b, na, nb in zip(tags, tags[1:], sizes, sizes[1:]):
        for key in ("rank", "plan10"):
            growth = figures[f"{key}_p50_ms_{b}"] / figures[f"{key}_p50_ms_{a}"]
            print(f"{key} p50 grows {growth:.1f}x from {a} to {b} experts ({nb / na:.0f}x more)")
    figures["peak_rss_mb"] = round(peak_rss_mb(), 1)
    print(f"peak RSS {figures['peak_rss_mb']} MB")
    emit(figures)


if __name__ == "__main__":
    main()
