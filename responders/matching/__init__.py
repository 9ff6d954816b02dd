"""Matching: rank experts for a role on a columnar RosterIndex, fill whole plans optimally, rank partners."""

from responders.matching.bulk import index_from_columns
from responders.matching.constraints import Constraint
from responders.matching.evaluate import prepare_reservations
from responders.matching.index import RosterIndex
from responders.matching.naive import rank_naive
from responders.matching.partners import rank_partner_asks, rank_partners
from responders.matching.plan import fill_plan
from responders.matching.ranking import rank
from responders.matching.requests import PartnerAsk, Reservation, RoleRequest
from responders.matching.results import (
    Candidate,
    NearMiss,
    PartnerCandidate,
    PartnerRanking,
    PlanFill,
    Ranking,
    RoleFill,
)
from responders.matching.weights import PARTNER_WEIGHTS, WEIGHTS

__all__ = [
    "Candidate", "Constraint", "NearMiss", "PARTNER_WEIGHTS", "PartnerAsk", "PartnerCandidate", "PartnerRanking",
    "PlanFill", "Ranking", "Reservation", "RoleFill", "RoleRequest", "RosterIndex", "WEIGHTS", "fill_plan",
    "index_from_columns", "prepare_reservations", "rank", "rank_naive", "rank_partner_asks", "rank_partners",
]
