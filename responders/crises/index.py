"""CrisisIndex: per-partition lookup of open crises by strong reference, country, time and place."""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone
from typing import Protocol

from responders.crises.exceptions import CrisisAlreadyIndexed, UnknownCrisis
from responders.crises.geo import GeoGrid
from responders.crises.keys import correlation_key
from responders.crises.matching import shared_refs
from responders.crises.models import Crisis
from responders.crises.refs import strong_refs
from responders.crises.rules import MATCH_RULES, MatchRule
from vocabulary.signals import Signal

Candidate = tuple[Crisis, int]  # an open crisis and the number of strong references it shares


class CrisisLookup(Protocol):
    """What ``apply_signal`` needs from the crisis state of one partition."""

    def owner_of(self, signal_id: str) -> str | None: ...

    def candidates(self, signal: Signal) -> Iterable[Candidate]: ...


class _TimeList:
    """(last_signal_at, crisis_id) pairs kept sorted: "crises active since t" by bisection."""

    __slots__ = ("items",)

    def __init__(self) -> None:
        self.items: list[tuple[float, str]] = []

    def add(self, ts: float, crisis_id: str) -> None:
        insort(self.items, (ts, crisis_id))

    def remove(self, ts: float, crisis_id: str) -> None:
        i = bisect_left(self.items, (ts, crisis_id))
        if i < len(self.items) and self.items[i] == (ts, crisis_id):
            del self.items[i]

    def since(self, ts: float) -> Iterator[str]:
        for i in range(bisect_left(self.items, (ts,)), len(self.items)):
            yield self.items[i][1]


class _Shard:
    """The open crises of one correlation key."""

    __slots__ = ("rule", "by_ref", "by_country", "unlocated_by_country", "grid_all", "grid_countryless", "size")

    def __init__(self, rule: MatchRule) -> None:
        self.rule = rule
        self.by_ref: dict[str, str | set[str]] = {}  # a ref nearly always names one crisis: no set
        self.by_country: dict[str, _TimeList] = {}
        self.unlocated_by_country: dict[str, _TimeList] = {}  # crises with countries but no location
        km = rule.countryless_km
        self.grid_all = GeoGrid(km) if km else None  # located crises, for signals without country
        self.grid_countryless = GeoGrid(km) if km else None  # located crises without country
        self.size = 0

    def since_ts(self, signal: Signal) -> float:
        if self.rule.window is None:  # same calendar year
            return datetime(signal.observed_at.year, 1, 1, tzinfo=timezone.utc).timestamp()
        return (signal.observed_at - self.rule.window).timestamp()

    def link_place(self, c: Crisis) -> None:
        ts = c.last_signal_at.timestamp()
        for country in c.countries:
            self.by_country.setdefault(country, _TimeList()).add(ts, c.crisis_id)
            if c.location is None:
                self.unlocated_by_country.setdefault(country, _TimeList()).add(ts, c.crisis_id)
        if c.location is not None and self.grid_all is not None:
            self.grid_all.add(c.crisis_id, c.location)
            if not c.countries:
                self.grid_countryless.add(c.crisis_id, c.location)

    def unlink_place(self, c: Crisis) -> None:
        ts = c.last_signal_at.timestamp()
        for country in c.countries:
            for buckets in (self.by_country, self.unlocated_by_country):
                bucket = buckets.get(country)
                if bucket is not None:
                    bucket.remove(ts, c.crisis_id)
                    if not bucket.items:
                        del buckets[country]
        if c.location is not None and self.grid_all is not None:
            self.grid_all.remove(c.crisis_id, c.location)
            if not c.countries:
                self.grid_countryless.remove(c.crisis_id, c.location)

    def crises_with_ref(self, ref: str) -> Iterable[str]:
        ids = self.by_ref.get(ref)
        if ids is None:
            return ()
        return (ids,) if isinstance(ids, str) else ids

    def link_refs(self, crisis_id: str, refs: Iterable[str]) -> None:
        by_ref = self.by_ref
        for ref in refs:
            ids = by_ref.get(ref)
            if ids is None:
                by_ref[ref] = crisis_id
            elif isinstance(ids, str):
                if ids != crisis_id:
                    by_ref[ref] = {ids, crisis_id}
            else:
                ids.add(crisis_id)

    def unlink_refs(self, crisis_id: str, refs: Iterable[str]) -> None:
        by_ref = self.by_ref
        for ref in refs:
            ids = by_ref.get(ref)
            if ids is None:
                continue
            if isinstance(ids, str):
                if ids == crisis_id:
                    del by_ref[ref]
                continue
            ids.discard(crisis_id)
            if len(ids) == 1:
                by_ref[ref] = next(iter(ids))


def _appended(old: list[str], new: list[str]) -> list[str] | None:
    """The items appended to ``old`` to give ``new``, or None when ``new`` does not extend ``old``."""
    n = len(old)
    if len(new) < n or (n and new[n - 1] != old[-1]) or (n and new[0] != old[0]):
        return None
    return new[n:]


class CrisisIndex:
    """The crises of one partition, indexed for ``candidates(signal)`` without scanning them all.

    Open crises are indexed by correlation key, then by strong reference, by country (sorted by
    last signal time, so only crises active within the time window are read) and, for matches
    that rely on location alone, on a lat/lon grid. With ``track_members`` (standalone use) it also
    remembers which crisis holds each signal it has seen, closed crises included, so a redelivered
    signal is recognised; the crisis owner keeps that in its members table instead and indexes open
    crises only, so its memory follows the open crises, not the signals ever seen.
    Build it from the table's crises after partition assignment, then keep it in step with
    ``upsert`` for every crisis written (``correlate`` does both).
    """

    def __init__(self, crises: Iterable[Crisis] = (), track_members: bool = True) -> None:
        self.track_members = track_members
        self._open: dict[str, Crisis] = {}
        self._owner: dict[str, str] = {}
        self._closed: set[str] = set()
        self._shards: dict[str, _Shard] = {}
        for crisis in crises:
            self.add(crisis)

    @classmethod
    def from_crises(cls, crises: Iterable[Crisis]) -> CrisisIndex:
        return cls(crises)

    # -- queries ---------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._open)

    def __contains__(self, crisis_id: object) -> bool:
        return crisis_id in self._open or crisis_id in self._closed

    def get(self, crisis_id: str) -> Crisis | None:
        """The open crisis with this id (closed crises are not kept)."""
        return self._open.get(crisis_id)

    def open_crises(self) -> Iterator[Crisis]:
        return iter(list(self._open.values()))

    def owner_of(self, signal_id: str) -> str | None:
        """The id of the crisis (open or closed) that already holds this signal."""
        return self._owner.get(signal_id)

    def candidates(self, signal: Signal) -> list[Candidate]:
        """Open crises of the signal's correlation key that may match it, with shared ref counts.

        A superset of the crises ``matching.evaluate`` accepts; never all crises.
        """
        shard = self._shards.get(correlation_key(signal))
        if shard is None:
            return []
        found: dict[str, int] = {}
        for ref in strong_refs(signal.references):
            for cid in shard.crises_with_ref(ref):
                found[cid] = found.get(cid, 0) + 1
        since = shard.since_ts(signal)
        rule = shard.rule
        if (signal.location is not None and signal.countries and rule.max_km is not None
                and shard.grid_all is not None and shard.grid_all.radius_km >= rule.max_km):
            # A located crisis can only match a located signal within max_km (sharing a country, or having
            # none: then within countryless_km), so the grid replaces the country's time list; crises without
            # a location still come by country.
            countries = set(signal.countries)
            for cid in shard.grid_all.near(signal.location):
                crisis = self._open[cid]
                if crisis.last_signal_at.timestamp() < since:
                    continue  # quiet for longer than the window before this signal: cannot match
                if not crisis.countries or not countries.isdisjoint(crisis.countries):
                    found.setdefault(cid, 0)
            for country in signal.countries:
                bucket = shard.unlocated_by_country.get(country)
                if bucket is not None:
                    for cid in bucket.since(since):
                        found.setdefault(cid, 0)
            return [(self._open[cid], n) for cid, n in found.items()]
        for country in signal.countries:
            bucket = shard.by_country.get(country)
            if bucket is not None:
                for cid in bucket.since(since):
                    found.setdefault(cid, 0)
        if signal.location is not None and shard.grid_all is not None:
            grid = shard.grid_countryless if signal.countries else shard.grid_all
            for cid in grid.near(signal.location):
                found.setdefault(cid, 0)
        return [(self._open[cid], n) for cid, n in found.items()]

    # -- changes ---------------------------------------------------------------------------
    def add(self, crisis: Crisis) -> None:
        """Index a crisis not yet known (open, or closed: then only its signal ids are kept)."""
        if crisis.crisis_id in self:
            raise CrisisAlreadyIndexed(crisis.crisis_id)
        if self.track_members:
            for sid in crisis.signal_ids:
                self._owner[sid] = crisis.crisis_id
        if not crisis.joinable:
            if self.track_members:
                self._closed.add(crisis.crisis_id)
            return
        shard = self._shards.get(crisis.correlation_key)
        if shard is None:
            shard = self._shards[crisis.correlation_key] = _Shard(MATCH_RULES[crisis.hazard_family])
        self._open[crisis.crisis_id] = crisis
        shard.size += 1
        shard.link_place(crisis)
        shard.link_refs(crisis.crisis_id, crisis.strong_references)

    def update(self, crisis: Crisis) -> None:
        """Replace the indexed version of a crisis (a closed one leaves the matching structures)."""
        cid = crisis.crisis_id
        old = self._open.get(cid)
        if old is None:
            if cid in self._closed:
                return  # closed crises never change
            raise UnknownCrisis(cid)
        if self.track_members:
            new_sids = _appended(old.signal_ids, crisis.signal_ids)
            for sid in crisis.signal_ids if new_sids is None else new_sids:
                self._owner[sid] = cid
        if not crisis.joinable:
            self._drop(old)
            if self.track_members:
                self._closed.add(cid)
            return
        shard = self._shards[old.correlation_key]
        if (old.countries, old.last_signal_at, old.location) != (
            crisis.countries, crisis.last_signal_at, crisis.location
        ):
            shard.unlink_place(old)
            shard.link_place(crisis)
        new_refs = _appended(old.strong_references, crisis.strong_references)
        if new_refs is None:
            shard.unlink_refs(cid, old.strong_references)
            shard.link_refs(cid, crisis.strong_references)
        else:
            shard.link_refs(cid, new_refs)
        self._open[cid] = crisis

    def upsert(self, crisis: Crisis) -> None:
        """``update`` when the crisis is known, else ``add``."""
        if crisis.crisis_id in self:
            self.update(crisis)
        else:
            self.add(crisis)

    def remove(self, crisis_id: str) -> None:
        """Forget a crisis entirely, including which signals it held."""
        crisis = self._open.get(crisis_id)
        if crisis is None:
            if crisis_id not in self._closed:
                raise UnknownCrisis(crisis_id)
            self._closed.discard(crisis_id)  # its signal list is not kept: scan the owners (rare)
            self._owner = {s: c for s, c in self._owner.items() if c != crisis_id}
            return
        for sid in crisis.signal_ids:
            if self._owner.get(sid) == crisis_id:
                del self._owner[sid]
        self._drop(crisis)

    def _drop(self, crisis: Crisis) -> None:
        shard = self._shards[crisis.correlation_key]
        shard.unlink_place(crisis)
        shard.unlink_refs(crisis.crisis_id, crisis.strong_references)
        del self._open[crisis.crisis_id]
        shard.size -= 1
        if shard.size == 0:
            del self._shards[crisis.correlation_key]


class ListLookup:
    """A brute-force CrisisLookup over a list of crises: the reference the index must agree with."""

    def __init__(self, crises: Iterable[Crisis]) -> None:
        self.crises = list(crises)

    def owner_of(self, signal_id: str) -> str | None:
        for c in self.crises:
            if signal_id in c.signal_ids:
                return c.crisis_id
        return None

    def candidates(self, signal: Signal) -> list[Candidate]:
        refs = strong_refs(signal.references)
        return [(c, shared_refs(c, refs)) for c in self.crises if c.joinable]
