"""Funding and expenditure of an intervention, and its delivery rate (spent over allocated).

An intervention's budget is split by funding source: a partner that funds (the `funding` capability, or a partner
of type `donor`) or `regular_budget`. Each line carries its amount and currency as the donor agreed it, its value in
the intervention's budget currency (the same number when the currencies match), and optionally an earmark: a
country, a strategic objective or a hazard. Expenditure comes as dated lines charged to one source.

Rates are spent over allocated, in the budget currency, by intervention, source, country, region and strategic
objective. Where a line or expense says nothing about a country (or objective), it counts equally toward each of
the intervention's countries (or objectives): a single-country intervention's whole budget is that country's.

The lag check compares the rate with the elapsed share of the intervention's time (launch to planned end): the
rate lags when it trails that share by more than a margin.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from config.taxonomy import Objective

REGULAR_BUDGET = "regular_budget"
MAX_LINES = 200
Currency = str


def _currency() -> Any:
    return Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code, e.g. USD, EUR, CHF")


class Earmark(BaseModel):
    """What a donor tied its money to: exactly one of a country, a strategic objective or a hazard."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    country: str | None = Field(default=None, pattern=r"^[A-Z]{3}$", description="ISO 3166-1 alpha-3")
    objective: Objective | None = None
    hazard: str | None = Field(default=None, min_length=1, max_length=40)

    @model_validator(mode="after")
    def _exactly_one(self) -> Earmark:
        named = [k for k in ("country", "objective", "hazard") if getattr(self, k) is not None]
        if len(named) != 1:
            raise ValueError("an earmark names exactly one of country, objective, hazard")
        return self


class _Money(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    amount: float = Field(gt=0, allow_inf_nan=False, le=1e13)
    currency: Currency = _currency()
    budget_amount: float | None = Field(default=None, gt=0, allow_inf_nan=False, le=1e13,
                                        description="the value in the intervention's budget currency; required when "
                                                    "`currency` differs from it")


class FundingLineInput(_Money):
    """A funding commitment as a coordinator records it (`POST /v1/interventions/{id}/funding`)."""

    source: str = Field(min_length=1, max_length=64, description="a funding partner's id, or `regular_budget`")
    earmark: Earmark | None = None
    reference: str | None = Field(default=None, max_length=100, description="the donor's agreement or grant id")
    committed_on: date | None = Field(default=None, description="when the donor committed it (default: today)")


class FundingLine(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    line_id: str
    source: str
    organisation: str = Field(description="the source's name (ILO for the regular budget)")
    amount: float
    currency: Currency
    budget_amount: float
    earmark: Earmark | None = None
    reference: str | None = None
    committed_on: date
    recorded_at: AwareDatetime
    recorded_by: str


class ExpenditureInput(_Money):
    spent_on: date
    source: str = Field(min_length=1, max_length=64, description="the funding source it is charged to")
    country: str | None = Field(default=None, pattern=r"^[A-Z]{3}$", description="where it was spent, if one country")
    objective: Objective | None = None
    description: str = Field(min_length=1, max_length=500)


class ExpenditureReport(BaseModel):
    """Expenditure lines reported together (`POST /v1/interventions/{id}/expenditures`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    lines: list[ExpenditureInput] = Field(min_length=1, max_length=MAX_LINES)
    note: str | None = Field(default=None, max_length=2000)


class Expenditure(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    report_id: str
    line: int = Field(ge=1)
    spent_on: date
    source: str
    amount: float
    currency: Currency
    budget_amount: float
    country: str | None = None
    objective: Objective | None = None
    description: str
    recorded_at: AwareDatetime
    recorded_by: str


def funds(partner: Any) -> bool:
    """Whether a directory partner may be a funding source: active, with the `funding` capability or of type donor."""
    return partner is not None and partner.active and ("funding" in partner.capabilities or partner.type == "donor")


class FundingRefused(ValueError):
    """A funding or expenditure line the owner cannot take; `field` names the part of the body at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


def in_budget_currency(money: _Money, budget_currency: str, field: str) -> float:
    if money.currency == budget_currency:
        if money.budget_amount is not None and abs(money.budget_amount - money.amount) > 1e-6 * money.amount:
            raise FundingRefused(f"{field}.budget_amount", f"the amount is already in {budget_currency}; "
                                                           f"leave budget_amount out or equal to amount")
        return money.amount
    if money.budget_amount is None:
        raise FundingRefused(f"{field}.budget_amount", f"required: {money.currency} is not the budget currency "
                                                       f"({budget_currency}); give the value in {budget_currency}")
    return money.budget_amount


def check_earmark(earmark: Earmark | None, countries: list[str], objectives: list[str], hazard: str | None,
                  field: str) -> None:
    if earmark is None:
        return
    if earmark.country is not None and earmark.country not in countries:
        raise FundingRefused(f"{field}.earmark.country", f"{earmark.country} is not a country of this intervention "
                                                         f"({', '.join(countries) or 'none'})")
    if earmark.objective is not None and earmark.objective.value not in objectives:
        raise FundingRefused(f"{field}.earmark.objective", f"{earmark.objective.value} is not an objective of this "
                                                           f"intervention ({', '.join(objectives) or 'none'})")
    if earmark.hazard is not None and earmark.hazard != hazard:
        raise FundingRefused(f"{field}.earmark.hazard", f"{earmark.hazard} is not this intervention's hazard "
                                                        f"({hazard or 'none'})")


# --- rates ------------------------------------------------------------------------------------------------------

@dataclass
class Tally:
    allocated: float = 0.0
    spent: float = 0.0

    @property
    def rate(self) -> float | None:
        return self.spent / self.allocated if self.allocated > 0 else None

    def as_dict(self) -> dict[str, Any]:
        return {"allocated": round(self.allocated, 2), "spent": round(self.spent, 2),
                "delivery_rate": None if self.rate is None else round(self.rate, 4)}


def _split(named: str | None, among: list[str]) -> list[tuple[str, float]]:
    if named is not None:
        return [(named, 1.0)]
    return [(k, 1.0 / len(among)) for k in among] if among else []


def tallies(delivery: Mapping[str, Any], region_of: Callable[[str], str | None] = lambda _: None
            ) -> dict[str, dict[str, Tally]]:
    """One intervention's allocated and spent amounts (budget currency) by intervention, source, country, region and
    objective. `delivery` is the delivery state as JSON (the view's form) or its model dump."""
    out: dict[str, dict[str, Tally]] = {k: defaultdict(Tally) for k in
                                        ("intervention", "source", "country", "region", "objective")}
    countries, objectives = list(delivery.get("countries", [])), list(delivery.get("objectives", []))
    iid = delivery["intervention_id"]

    def add(kind: str, amount: float, source: str, country: str | None, objective: str | None) -> None:
        for bucket in (out["intervention"][iid], out["source"][source]):
            setattr(bucket, kind, getattr(bucket, kind) + amount)
        for c, share in _split(country, countries):
            tally = out["country"][c]
            setattr(tally, kind, getattr(tally, kind) + amount * share)
            region = region_of(c)
            if region is not None:
                tally = out["region"][region]
                setattr(tally, kind, getattr(tally, kind) + amount * share)
        for o, share in _split(objective, objectives):
            tally = out["objective"][o]
            setattr(tally, kind, getattr(tally, kind) + amount * share)

    for line in delivery.get("funding", []):
        earmark = line.get("earmark") or {}
        add("allocated", line["budget_amount"], line["source"], earmark.get("country"), earmark.get("objective"))
    for spent in delivery.get("expenditures", []):
        add("spent", spent["budget_amount"], spent["source"], spent.get("country"), spent.get("objective"))
    return out


def merge(into: dict[str, dict[str, Tally]], more: dict[str, dict[str, Tally]]) -> None:
    for kind, groups in more.items():
        for key, tally in groups.items():
            total = into.setdefault(kind, defaultdict(Tally))[key]
            total.allocated += tally.allocated
            total.spent += tally.spent


def rates_by(deliveries: Iterable[Mapping[str, Any]], region_of: Callable[[str], str | None]) -> dict[str, Any]:
    """Delivery rates summed over interventions: `by_intervention`, `by_source`, `by_country`, `by_region`,
    `by_objective`, each key -> allocated, spent and rate (budget currencies are not mixed: see `currencies`)."""
    total: dict[str, dict[str, Tally]] = {}
    currencies: set[str] = set()
    for delivery in deliveries:
        if not delivery.get("funding"):
            continue
        currencies.add(delivery.get("budget_currency", "USD"))
        merge(total, tallies(delivery, region_of))
    return {"currencies": sorted(currencies),
            **{f"by_{kind}": {k: v.as_dict() for k, v in sorted(groups.items())} for kind, groups in total.items()}}


# --- the lag check ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Lag:
    lagging: bool
    rate: float | None
    elapsed_share: float | None
    margin: float
    allocated: float
    spent: float
    next_check_at: datetime | None  # when time alone makes it lag (None: it lags already, or never will)

    def figures(self) -> dict[str, Any]:
        return {"delivery_rate": None if self.rate is None else round(self.rate, 4),
                "elapsed_share": None if self.elapsed_share is None else round(self.elapsed_share, 4),
                "margin": self.margin, "allocated": round(self.allocated, 2), "spent": round(self.spent, 2),
                "lag": None if self.rate is None or self.elapsed_share is None
                else round(self.elapsed_share - self.rate, 4)}


def lag(allocated: float, spent: float, launched_at: datetime, ends_at: datetime | None, now: datetime,
        margin: float) -> Lag:
    """Does spending trail time? `elapsed_share` runs from 0 at launch to 1 at the planned end."""
    if allocated <= 0 or ends_at is None or ends_at <= launched_at:
        return Lag(False, None if allocated <= 0 else spent / allocated, None, margin, allocated, spent, None)
    span = (ends_at - launched_at).total_seconds()
    elapsed = min(1.0, max(0.0, (now - launched_at).total_seconds() / span))
    rate = spent / allocated
    lagging = elapsed - rate > margin
    next_check = None
    if not lagging and rate + margin < 1:
        next_check = launched_at + timedelta(seconds=span * (rate + margin)) + timedelta(seconds=1)
    return Lag(lagging, rate, elapsed, margin, allocated, spent, next_check)



def _at(value: str | None) -> datetime | None:
    return None if not value else datetime.fromisoformat(value.replace("Z", "+00:00"))


def lag_of(delivery: Mapping[str, Any], now: datetime, margin: float) -> Lag:
    """`lag` of a delivery state as JSON: its totals, its launch and its planned end (else its last due time)."""
    total = tallies(delivery)["intervention"].get(delivery["intervention_id"]) or Tally()
    ends = _at(delivery.get("ends_at")) or max(
        (at for t in delivery.get("targets", []) if (at := _at(t.get("due_at"))) is not None), default=None)
    return lag(total.allocated, total.spent, _at(delivery["launched_at"]), ends, now, margin)
