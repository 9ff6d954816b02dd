"""Rank experts for one role on a RosterIndex: vectorised selection, explanations only for those returned."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from responders.matching.constraints import NEAR_MISS_MAX_FAILS, failed_names
from responders.matching.evaluate import Evaluation, PreparedReservations, evaluate, prepare_reservations
from responders.matching.index import RosterIndex
from responders.matching.requests import Reservation, RoleRequest
from responders.matching.results import Candidate, NearMiss, Ranking
from responders.matching.weights import PART_NAMES


def top_positions(ev: Evaluation, positions: np.ndarray, k: int) -> np.ndarray:
    """The k best of the given positions of `ev` by score, ties broken by row (roster order)."""
    if k <= 0 or not len(positions):
        return positions[:0]
    scores = ev.score[positions]
    if len(positions) > k:
        threshold = np.partition(scores, len(scores) - k)[len(scores) - k]
        keep = scores >= threshold
        positions, scores = positions[keep], scores[keep]
    order = np.lexsort((ev.rows[positions], -scores))
    return positions[order[:k]]


def eligible_positions(ev: Evaluation) -> np.ndarray:
    return np.flatnonzero(ev.nfail == 0)


def near_miss_positions(ev: Evaluation) -> np.ndarray:
    return np.flatnonzero((ev.nfail >= 1) & (ev.nfail <= NEAR_MISS_MAX_FAILS))


def _explained(index: RosterIndex, ev: Evaluation, positions: np.ndarray) -> list[tuple[str, float, dict]]:
    parts = {name: ev.parts[name][positions].tolist() for name in PART_NAMES}
    ids = [index.ids[r] for r in ev.rows[positions].tolist()]
    scores = ev.score[positions].tolist()
    return [(ids[i], scores[i], {name: parts[name][i] for name in PART_NAMES}) for i in range(len(positions))]


def candidates(index: RosterIndex, ev: Evaluation, positions: np.ndarray) -> list[Candidate]:
    """Candidate records (with score parts) for positions of an evaluation."""
    return [Candidate.model_construct(expert_id=i, score=s, score_parts=p) for i, s, p in _explained(index, ev, positions)]


def near_misses(index: RosterIndex, ev: Evaluation, positions: np.ndarray) -> list[NearMiss]:
    """Near-miss records (with score parts and failed constraints) for positions of an evaluation.

    Every field is given: for a field left out, pydantic 2.14's model_construct asks `inspect.signature` whether
    its default factory takes the validated data, each time; for `blocked_by`'s `list` that parse of a builtin's
    text signature was a quarter of the planning owner's time (py-spy, bench/latency.py at 100 plans/s)."""
    masks = ev.fails[positions].tolist()
    return [NearMiss.model_construct(expert_id=i, score=s, score_parts=p, failed=failed_names(mask, ev.skills),
                                     blocked_by=[])
            for (i, s, p), mask in zip(_explained(index, ev, positions), masks)]


def rank(index: RosterIndex, role: RoleRequest, reservations: Iterable[Reservation | tuple] | PreparedReservations = (),
         k: int = 10, near_miss_count: int = 5) -> Ranking:
    """The k best eligible experts for the role (best first) and the best near misses.

    Eligible means meeting every hard constraint (responders.matching.constraints); the order is by
    soft score (responders.matching.weights), ties by roster order. Reservations are (expert_id, start,
    end) days already promised; they block like deployments, rest days included."""
    ev = evaluate(index, role, prepare_reservations(index, reservations))
    elig = eligible_positions(ev)
    return Ranking.model_construct(
        role=role.role,
        candidates=candidates(index, ev, top_positions(ev, elig, k)),
        near_misses=near_misses(index, ev, top_positions(ev, near_miss_positions(ev), near_miss_count)),
        eligible=len(elig),
        considered=ev.considered,
    )
