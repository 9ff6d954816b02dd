"""Target status: where each target of an intervention stands, why, and when time alone could move it.

Pure functions of the target, what was reported or observed, and the time (`evaluate`). The rules:

- **deadline** (something must happen within a window: `first_expert_accepted`, `team_on_site`, an assessment
  published): `met` when the event (or a report of it) came by the due time; `missed` at the due time without it;
  `at_risk` once `at_risk_share` of the window has passed without it; `on_track` before that. Its reason names
  the times (at risk from, due), not the share gone so far, so it stays true until the status moves.
- **quantity** (reach a value by the due time): the reports' values add up. With two reports or more, the
  observed pace is the least-squares slope of the running total over the reports' period ends, and the projection
  at the due time is the total now plus that pace over the time left; next to it, the pace still required.
  `met` when the total reaches the target; `missed` at the due time short of it; `on_track` when the projection
  reaches the target, `at_risk` when it reaches at least `1 - off_track_margin` of it, `off_track` below that.
  With fewer than two reports the status is `unknown`: no pace, so no made-up date.
- **share** (a share of a population, e.g. women among beneficiaries): the latest report counts; `on_track` at or
  above the target, `at_risk` within the margin below it, `off_track` further below, `unknown` with no report;
  at the due time `met` or `missed`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import NamedTuple

DAY_S = 86_400.0


class TargetStatus(StrEnum):
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"
    MET = "met"
    MISSED = "missed"
    UNKNOWN = "unknown"


FINAL = frozenset({TargetStatus.MET, TargetStatus.MISSED})
ANNOUNCED = frozenset({TargetStatus.AT_RISK, TargetStatus.OFF_TRACK, TargetStatus.MET, TargetStatus.MISSED})


@dataclass(frozen=True)
class Rules:
    at_risk_share: float = 0.75  # of a deadline's window passed without its event
    off_track_margin: float = 0.2  # projection (or share) more than this far below the target: off track
    rate_lag_margin: float = 0.15  # delivery rate more than this far below the elapsed share of time: lagging
    # the offices whose coordinators are told of warnings, by an intervention's countries (none: nobody is told)
    offices_for: Callable[[Sequence[str]], list[str]] | None = None
    digest_over: int = 10  # an office warned more often than this by one batch gets digests (`owner.digested`)


@dataclass(frozen=True)
class Point:
    """One report's contribution: its period end and its value (a quantity's increment, or a share)."""

    at: datetime
    value: float


class Verdict(NamedTuple):  # a tuple: made for every target at every evaluation, and cheaper to make than a dataclass
    status: TargetStatus
    reason: str
    reported: float | None = None
    projection: dict | None = None
    met_at: datetime | None = None
    next_check_at: datetime | None = None  # when time alone could change the status


def evaluate(kind: str, value: float, unit: str, launched_at: datetime, due_at: datetime | None,
             points: list[Point], happened_at: datetime | None, now: datetime, rules: Rules = Rules()) -> Verdict:
    if kind == "deadline":
        return _deadline(launched_at, due_at, happened_at, now, rules)
    if kind == "share":
        return _share(value, due_at, points, now, rules)
    return _quantity(value, unit, due_at, points, now, rules)


def _deadline(launched_at: datetime, due_at: datetime | None, happened_at: datetime | None, now: datetime,
              rules: Rules) -> Verdict:
    if happened_at is not None and (due_at is None or happened_at <= due_at):
        return Verdict(TargetStatus.MET, f"done at {_iso(happened_at)}", met_at=happened_at)
    if due_at is None:
        return Verdict(TargetStatus.UNKNOWN, "no due time and not done yet")
    if now >= due_at:
        late = f"; done late at {_iso(happened_at)}" if happened_at is not None else ""
        return Verdict(TargetStatus.MISSED, f"not done by {_iso(due_at)}{late}")
    window = (due_at - launched_at).total_seconds()
    risk_at = launched_at + timedelta(seconds=window * rules.at_risk_share)
    # The words hold until the status moves (no share of the window "gone so far", stale after the next hour), so
    # a deadline, like every target, changes with time alone only at its next check.
    if now >= risk_at:
        return Verdict(TargetStatus.AT_RISK, f"not done, and {rules.at_risk_share:.0%} of the window gone at "
                                             f"{_iso(risk_at)}; due {_iso(due_at)}", next_check_at=due_at)
    return Verdict(TargetStatus.ON_TRACK, f"not done yet; at risk from {_iso(risk_at)} ({rules.at_risk_share:.0%} of "
                                          f"the window gone), due {_iso(due_at)}", next_check_at=risk_at)


def _quantity(value: float, unit: str, due_at: datetime | None, points: list[Point], now: datetime,
              rules: Rules) -> Verdict:
    points = sorted(points, key=lambda p: p.at)
    total = sum(p.value for p in points)
    if points and total >= value:
        running, met_at = 0.0, points[-1].at
        for p in points:
            running += p.value
            if running >= value:
                met_at = p.at
                break
        return Verdict(TargetStatus.MET, f"{_n(total)} of {_n(value)} {unit} reported", reported=total, met_at=met_at)
    if due_at is not None and now >= due_at:
        return Verdict(TargetStatus.MISSED, f"{_n(total)} of {_n(value)} {unit} by {_iso(due_at)}", reported=total)
    if len(points) < 2:
        return Verdict(TargetStatus.UNKNOWN, f"{len(points)} report(s) so far: a pace needs two",
                       reported=total if points else None, next_check_at=due_at)
    if due_at is None:
        return Verdict(TargetStatus.UNKNOWN, "no due time to project to", reported=total)
    pace = _slope([(p.at, v) for p, v in zip(points, _running(points))])  # per day
    last = points[-1].at
    days_left = max((due_at - last).total_seconds() / DAY_S, 0.0)
    projected = total + pace * days_left
    required = (value - total) / days_left if days_left > 0 else float("inf")
    projection = {"method": "linear", "reports": len(points), "observed_pace_per_day": round(pace, 4),
                  "required_pace_per_day": round(required, 4) if required != float("inf") else None,
                  "projected_at_due": round(projected, 2), "as_of": _iso(last), "due_at": _iso(due_at)}
    share = projected / value if value else 1.0
    words = (f"at {_n(pace)} {unit}/day the projection is {_n(projected)} of {_n(value)} by {_iso(due_at)} "
             f"({share:.0%}); {_n(required)} {unit}/day needed")
    return Verdict(_by_share(share, rules), words, reported=total, projection=projection, next_check_at=due_at)


def _share(value: float, due_at: datetime | None, points: list[Point], now: datetime, rules: Rules) -> Verdict:
    if not points:
        if due_at is not None and now >= due_at:
            return Verdict(TargetStatus.MISSED, f"nothing reported by {_iso(due_at)}")
        return Verdict(TargetStatus.UNKNOWN, "no report yet", next_check_at=due_at)
    latest = max(points, key=lambda p: p.at)
    words = f"{latest.value:.0%} reported at {_iso(latest.at)} against {value:.0%}"
    if due_at is not None and now >= due_at:
        status = TargetStatus.MET if latest.value >= value else TargetStatus.MISSED
        return Verdict(status, words, reported=latest.value, met_at=latest.at if status is TargetStatus.MET else None)
    ratio = latest.value / value if value else 1.0
    return Verdict(_by_share(ratio, rules), words, reported=latest.value, next_check_at=due_at)


def _by_share(share: float, rules: Rules) -> TargetStatus:
    if share >= 1.0:
        return TargetStatus.ON_TRACK
    return TargetStatus.AT_RISK if share >= 1.0 - rules.off_track_margin else TargetStatus.OFF_TRACK


def _running(points: list[Point]) -> list[float]:
    out, total = [], 0.0
    for p in points:
        total += p.value
        out.append(total)
    return out


def _slope(series: list[tuple[datetime, float]]) -> float:
    """Least-squares slope of value over time, per day."""
    t0 = series[0][0]
    xs = [(t - t0).total_seconds() / DAY_S for t, _ in series]
    ys = [y for _, y in series]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    var = sum((x - mx) ** 2 for x in xs)
    if var == 0:
        return 0.0
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / var


def _iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


def _n(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:,.2f}".rstrip("0").rstrip(".")
