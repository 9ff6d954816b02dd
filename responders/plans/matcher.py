"""The roster as the planner needs it: a columnar RosterIndex kept in step with the roster read model, and the
partners list. Updates are incremental (one upsert per changed expert), so a roster of 100,000 experts is
encoded once at start-up and then follows the compacted topic."""

from __future__ import annotations

from responders.matching import PartnerAsk, PartnerRanking, rank, rank_partner_asks
from responders.matching.evaluate import ScreenCache
from responders.matching.requests import RoleRequest
from responders.matching.index import RosterIndex
from responders.plans.models import Intervention, PlanRole
from responders.roster.models import Expert, Partner
from responders.roster.store import RosterStore
from vocabulary.signals import Hazard, kind_of


class RosterMatcher:
    def __init__(self, roster: RosterStore) -> None:
        self.roster = roster
        self.index = RosterIndex.from_experts(list(roster.experts.records.values()))
        self.screens = ScreenCache()  # follows the index's version: a changed expert starts it afresh
        roster.experts.listeners.append(self._on_expert)
        self._rankings: dict[tuple, PartnerRanking] = {}
        self._rankings_version = -1
        self.partners_per_ask = 5

    def _on_expert(self, expert_id: str, expert: Expert | None) -> None:
        if expert is None:
            if expert_id in self.index:
                self.index.remove(expert_id)
        else:
            self.index.upsert(expert)

    def partners(self) -> list[Partner]:
        return [p for p in self.roster.partners.records.values() if p.active]

    def rank_asks(self, asks: list[PartnerAsk]) -> list[PartnerRanking]:
        """Partner rankings per ask, cached until the partner directory changes (asks repeat across crises of a
        template and country, partners change rarely)."""
        version = self.roster.partners.version
        if version != self._rankings_version:
            self._rankings.clear()
            self._rankings_version = version
        out = []
        for ask in asks:
            key = (ask.capability, ask.quantity, ask.unit, tuple(ask.countries), ask.needed_within_days)
            ranking = self._rankings.get(key)
            if ranking is None:
                if len(self._rankings) > 10_000:
                    self._rankings.clear()
                ranking = self._rankings[key] = rank_partner_asks(self.partners(), [ask], k=self.partners_per_ask)[0]
            out.append(ranking)
        return out

    def relaxed_candidates(self, intervention: Intervention, role: PlanRole, exclude: tuple[str, ...],
                           k: int = 50) -> list[str]:
        """Experts for a seat whose list ran out, found with the role's soft criteria relaxed (see
        `relaxed_request`), best first, without those already tried."""
        request = relaxed_request(intervention, role)
        if request is None or not len(self.index):
            return []
        skip = set(exclude)
        ranking = rank(self.index, request, k=k + len(skip), near_miss_count=0)
        return [c.expert_id for c in ranking.candidates if c.expert_id not in skip][:k]


def relaxed_request(intervention: Intervention, role: PlanRole) -> RoleRequest | None:
    """The role asked again with its soft criteria relaxed: every skill one level lower (not below 1) and no
    language preference. Availability, other deployments and holds, rest, duration and clearance stay hard: they
    protect the expert and the mission. None when the crisis names no country (nothing to match against)."""
    plan = intervention.plan
    if not plan.countries:
        return None
    return RoleRequest(role=role.role, skills={k: max(1, v - 1) for k, v in role.skills.items()}, count=role.count,
                       start=role.start, duration_days=role.duration_days, countries=list(plan.countries),
                       kind=kind_of(Hazard(plan.hazard)), hazard=Hazard(plan.hazard), high_risk=role.high_risk,
                       preferred_languages=[])
