"""What /health/ready answers: every stage's last word (busy since when, failed with what, crashed), and rebalances.

Stages, owners and views report here as they work; nothing is sampled from Faust's internals. A stage is not
ready when it has crashed, when it has held one batch longer than `RRC_STAGE_STALL_S`, or when its last attempt
failed and it is retrying; the worker is not ready when it has been rebalancing longer than the same limit. The
same facts go to /metrics (`rrc_stage_ready`, `rrc_stage_batch_held_seconds`, `rrc_worker_rebalancing_seconds`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from streams import metrics

log = logging.getLogger("rrc.health")


@dataclass
class StageState:
    busy_since: float | None = None
    failing: str | None = None
    crashed: str | None = None
    batches: int = 0
    last_done: float | None = None


@dataclass(frozen=True)
class Problem:
    stage: str
    reason: str

    def to_json(self) -> dict[str, str]:
        return {"stage": self.stage, "reason": self.reason}


@dataclass
class Health:
    stall_s: float
    clock: Callable[[], float] = time.monotonic
    stages: dict[str, StageState] = field(default_factory=dict)
    rebalancing_since: float | None = None
    assigned: bool = False  # the first partition assignment (and table recovery) has completed

    def _state(self, stage: str) -> StageState:
        return self.stages.setdefault(stage, StageState())

    def register(self, stage: str) -> None:
        self._state(stage)

    def busy(self, stage: str) -> None:
        """The stage took up a batch (or started waiting for something it needs to go on)."""
        self._state(stage).busy_since = self.clock()

    def done(self, stage: str) -> None:
        state = self._state(stage)
        state.busy_since, state.failing = None, None
        state.batches += 1
        state.last_done = self.clock()

    def failing(self, stage: str, error: BaseException | str) -> None:
        """The stage's attempt failed and it will retry (it stays busy with the same batch)."""
        self._state(stage).failing = _describe(error)

    def crashed(self, stage: str, error: BaseException | str) -> None:
        self._state(stage).crashed = _describe(error)

    def watch(self, stage: str, task) -> None:
        """Report the stage crashed when its task ends with an error (a stage's loop never ends on its own)."""
        self.register(stage)

        def ended(t) -> None:
            if not t.cancelled() and t.exception() is not None:
                self.crashed(stage, t.exception())
                log.error("stage crashed", exc_info=t.exception(), extra={"stage": stage})

        task.add_done_callback(ended)

    def rebalance_started(self) -> None:
        if self.rebalancing_since is None:
            self.rebalancing_since = self.clock()

    def rebalance_done(self) -> None:
        self.rebalancing_since = None

    def first_assignment_done(self) -> None:
        self.assigned = True

    def problems(self) -> list[Problem]:
        now = self.clock()
        out: list[Problem] = []
        for name, state in sorted(self.stages.items()):
            held = now - state.busy_since if state.busy_since is not None else 0.0
            if state.crashed:
                out.append(Problem(name, f"crashed: {state.crashed}"))
            elif state.failing:
                out.append(Problem(name, f"failing for {held:.0f} s, retrying: {state.failing}"))
            elif held > self.stall_s:
                out.append(Problem(name, f"has held one batch for {held:.0f} s (limit {self.stall_s:g} s)"))
        if not self.assigned:
            out.append(Problem("worker", "starting: its first partition assignment has not completed yet"))
        elif self.rebalancing_since is not None and now - self.rebalancing_since > self.stall_s:
            out.append(Problem("worker", f"rebalancing for {now - self.rebalancing_since:.0f} s "
                                         f"(limit {self.stall_s:g} s)"))
        return out

    def export(self) -> None:
        """The same facts as Prometheus gauges."""
        now = self.clock()
        bad = {p.stage for p in self.problems()}
        for name, state in self.stages.items():
            metrics.STAGE_READY.labels(name).set(0 if name in bad else 1)
            metrics.STAGE_BATCH_HELD.labels(name).set(now - state.busy_since if state.busy_since is not None else 0)
        since = self.rebalancing_since
        metrics.REBALANCING_SECONDS.set(now - since if since is not None else 0)


def detached() -> Health:
    """A Health nobody reads (parts built outside a worker, e.g. in benches and unit tests)."""
    return Health(stall_s=float("inf"))


def _describe(error: BaseException | str) -> str:
    if isinstance(error, BaseException):
        return f"{type(error).__name__}: {error}"[:500]
    return error[:500]
