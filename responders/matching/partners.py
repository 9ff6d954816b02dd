"""Rank partners for a partner ask by coverage of the crisis countries, capacity and lead time.

Hard constraints: the partner is active and lists the asked capability. Soft parts (weights in
responders.matching.weights.PARTNER_WEIGHTS), each `weight * fraction`:

- coverage:  1 when the partner covers a crisis country, 0.6 a crisis region, 0.5 when it works
             globally, 0 otherwise
- capacity:  capacity of its best resource for the capability (in the ask's unit when one is given)
             / quantity asked, at most 1
- lead_time: 1 - lead time / horizon, floored at 0; the horizon is the ask's deadline
             (needed_within_days) or 30 days; beyond a deadline the part is 0
The best resource is the one with the highest capacity + lead-time parts. A partner without a resource
for the capability gets 0 for both. Ties are broken by the order of the partners given.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from config.taxonomy import Taxonomy, load_taxonomy
from responders.matching.requests import PartnerAsk
from responders.matching.results import PartnerCandidate, PartnerRanking
from responders.matching.weights import LEAD_HORIZON_DAYS, PARTNER_COVERAGE, PARTNER_WEIGHTS
from responders.roster.models import Partner, Resource


def coverage_of(partner: Partner, ask: PartnerAsk, taxonomy: Taxonomy | None = None) -> str:
    """How well a partner's declared coverage reaches the crisis: country, region, global or none."""
    tax = taxonomy or load_taxonomy()
    if set(partner.countries) & set(ask.countries):
        return "country"
    regions = set(partner.regions) | {tax.region_of(c) for c in partner.countries}
    if regions & set(ask.regions(tax)):
        return "region"
    return "global" if partner.global_coverage else "none"


def _resource_parts(resource: Resource, ask: PartnerAsk) -> tuple[float, float]:
    horizon = ask.needed_within_days if ask.needed_within_days is not None else LEAD_HORIZON_DAYS
    capacity = PARTNER_WEIGHTS["capacity"] * min(1.0, resource.capacity / ask.quantity)
    if horizon <= 0:
        lead = 1.0 if resource.lead_time_days == 0 else 0.0
    else:
        lead = max(0.0, 1.0 - resource.lead_time_days / horizon)
    return capacity, PARTNER_WEIGHTS["lead_time"] * lead


def score_partner(partner: Partner, ask: PartnerAsk, taxonomy: Taxonomy | None = None) -> PartnerCandidate | None:
    """The partner's score for the ask, or None when a hard constraint fails."""
    if not partner.active or ask.capability not in partner.capabilities:
        return None
    coverage = coverage_of(partner, ask, taxonomy)
    best, best_parts = None, (0.0, 0.0)
    for res in partner.resources:
        if res.capability == ask.capability and (ask.unit is None or res.unit == ask.unit):
            parts = _resource_parts(res, ask)
            if best is None or sum(parts) > sum(best_parts):
                best, best_parts = res, parts
    score_parts = {"coverage": PARTNER_WEIGHTS["coverage"] * PARTNER_COVERAGE[coverage],
                   "capacity": best_parts[0], "lead_time": best_parts[1]}
    deadline = None
    if best is not None and ask.needed_within_days is not None:
        deadline = best.lead_time_days <= ask.needed_within_days
    return PartnerCandidate(
        partner_id=partner.partner_id, organisation=partner.organisation, score=sum(score_parts.values()),
        score_parts=score_parts, coverage=coverage, capacity=best.capacity if best else 0.0,
        unit=best.unit if best else None, lead_time_days=best.lead_time_days if best else None,
        meets_quantity=best is not None and best.capacity >= ask.quantity, meets_deadline=deadline)


def rank_partners(partners: Sequence[Partner], ask: PartnerAsk, k: int | None = None,
                  taxonomy: Taxonomy | None = None) -> PartnerRanking:
    """Partners offering the capability, best first (at most k when given)."""
    scored = [(c, i) for i, p in enumerate(partners) if (c := score_partner(p, ask, taxonomy)) is not None]
    scored.sort(key=lambda t: (-t[0].score, t[1]))
    ranked = [c for c, _ in scored]
    return PartnerRanking(capability=ask.capability, quantity=ask.quantity,
                          partners=ranked if k is None else ranked[:k])


def rank_partner_asks(partners: Sequence[Partner], asks: Iterable[PartnerAsk], k: int | None = 5,
                      taxonomy: Taxonomy | None = None) -> list[PartnerRanking]:
    """One ranking per ask, in the order of the asks."""
    return [rank_partners(partners, ask, k, taxonomy) for ask in asks]
