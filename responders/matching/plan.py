"""Fill a whole plan (several roles, each with a count of seats) with an optimal assignment of experts.

The objective is lexicographic: first fill as many seats as possible, then maximise the total score.
It is solved exactly by `scipy.optimize.linear_sum_assignment` on a seats x candidates benefit matrix
(benefit = score + BIG for an eligible pair, 0 otherwise; BIG = seats + 1 exceeds any total of scores,
which are at most 1 each, so one more filled seat always outweighs any score difference).

Why each role only needs its top-T candidates, T = total seats of the plan: take an optimal assignment
in which role r holds an expert x outside r's T best eligible experts L_r (when r has fewer than T
eligible experts, L_r holds them all and x cannot exist). The other seats hold T - 1 experts, fewer
than the T experts of L_r, so some y in L_r holds no seat. Giving x's seat to y keeps every seat
eligible, keeps the number of filled seats, and does not lower the total (score(r, y) >= score(r, x)).
Each such swap raises the number of seats held by a top-T expert of their role, so repeating it ends
in an optimal assignment that uses only top-T experts: restricting the matrix to the union of the
roles' top-T lists loses nothing. Ranking `T + alternates` per role also yields the alternates.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
from scipy.optimize import linear_sum_assignment

from responders.matching.evaluate import PreparedReservations, ScreenCache, evaluate, prepare_reservations
from responders.matching.exceptions import EmptyPlan
from responders.matching.index import RosterIndex
from responders.matching.ranking import (
    candidates,
    eligible_positions,
    near_miss_positions,
    near_misses,
    top_positions,
)
from responders.matching.requests import Reservation, RoleRequest
from responders.matching.results import PlanFill, RoleFill


def fill_plan(index: RosterIndex, roles: Sequence[RoleRequest],
              reservations: Iterable[Reservation | tuple] | PreparedReservations = (),
              alternates: int = 3, near_miss_count: int = 3, near_misses_when_filled: bool = True,
              screens: ScreenCache | None = None) -> PlanFill:
    """Seat experts in every role: no expert in two seats, reservations respected, as many seats as
    possible filled and, among those assignments, the highest total score (see the module docstring).
    With `near_misses_when_filled=False` near misses are only looked for in roles left with open seats.
    `screens` keeps the roles' screens between calls (for reservations given as a sequence, not prepared)."""
    if not roles:
        raise EmptyPlan("a plan needs at least one role")
    if screens is not None and not isinstance(reservations, PreparedReservations):
        reservations = tuple(reservations)
        screens.bind(index, reservations)
    else:
        screens = None
    prepared = prepare_reservations(index, reservations)
    seats = sum(r.count for r in roles)
    evals = [evaluate(index, role, prepared, screens) for role in roles]
    eligible = [eligible_positions(ev) for ev in evals]
    tops = [top_positions(ev, elig, seats + alternates) for ev, elig in zip(evals, eligible)]
    short = [top[:seats] for top in tops]
    pool = np.unique(np.concatenate([ev.rows[t] for ev, t in zip(evals, short)])) if seats else np.zeros(0, np.int64)

    big = seats + 1.0
    benefit = np.zeros((seats, len(pool)))
    seat_role = np.repeat(np.arange(len(roles)), [r.count for r in roles])
    for i, (ev, top) in enumerate(zip(evals, short)):
        if len(top):
            cols = np.searchsorted(pool, ev.rows[top])
            benefit[np.ix_(seat_role == i, cols)] = ev.score[top] + big
    seat_idx, col_idx = linear_sum_assignment(benefit, maximize=True) if len(pool) else ([], [])
    taken = {int(pool[c]): int(seat_role[s]) for s, c in zip(seat_idx, col_idx) if benefit[s, c] > 0}

    fills, total, filled = [], 0.0, 0
    for i, (role, ev, top) in enumerate(zip(roles, evals, tops)):
        rows = ev.rows[top]
        mine = top[np.array([taken.get(int(r)) == i for r in rows], bool)] if len(top) else top
        others = top[np.array([int(r) not in taken for r in rows], bool)] if len(top) else top
        assigned = candidates(index, ev, mine)
        total += sum(c.score for c in assigned)
        filled += len(assigned)
        fills.append(RoleFill.model_construct(
            role=role.role, skills=dict(role.skills), count=role.count, assigned=assigned,
            unfilled=role.count - len(assigned), alternates=candidates(index, ev, others[:alternates]),
            near_misses=near_misses(index, ev, top_positions(ev, near_miss_positions(ev), near_miss_count))
            if near_misses_when_filled or len(assigned) < role.count else [],
            eligible=len(eligible[i])))
    return PlanFill.model_construct(roles=fills, seats=seats, filled=filled, total_score=total)
