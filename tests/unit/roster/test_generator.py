"""The synthetic roster is reproducible from its seed, valid and varied."""

from __future__ import annotations

from collections import Counter
from datetime import date

import numpy as np

from config.taxonomy import load_taxonomy
from responders.roster.columns import generate_columns
from responders.roster.generator import ascii_slug, generate_roster
from responders.roster.models import Expert, Partner


def test_same_seed_same_roster_and_other_seed_other_roster():
    a = generate_roster(500, 30, seed=42)
    b = generate_roster(500, 30, seed=42)
    c = generate_roster(500, 30, seed=43)
    assert [e.model_dump() for e in a[0]] == [e.model_dump() for e in b[0]]
    assert [p.model_dump() for p in a[1]] == [p.model_dump() for p in b[1]]
    assert [e.model_dump() for e in a[0]] != [e.model_dump() for e in c[0]]
    assert [p.model_dump() for p in a[1]] != [p.model_dump() for p in c[1]]


def test_columns_are_reproducible_across_chunks():
    a, b = generate_columns(70_000, 9), generate_columns(70_000, 9)
    for name in ("skills", "lang_code", "win_start", "dep_end", "station", "active"):
        assert np.array_equal(getattr(a, name), getattr(b, name))


def test_records_are_valid_and_varied():
    experts, partners = generate_roster(3000, 100, seed=1, epoch=date(2026, 6, 1))
    assert len(experts) == 3000 and len(partners) == 100
    assert len({e.expert_id for e in experts}) == 3000
    for e in experts[::97]:
        assert Expert.model_validate(e.model_dump()) == e
    for p in partners[::7]:
        assert Partner.model_validate(p.model_dump()) == p
    duty = Counter(e.duty_station.country for e in experts)
    first_languages = Counter(next(iter(e.languages)) for e in experts)
    assert len(duty) > 60 and len(first_languages) > 30
    assert len({e.name for e in experts}) > 2600
    skills = Counter(s for e in experts for s in e.skills)
    assert set(skills) == set(load_taxonomy().skill_ids)
    assert 0.85 < sum(e.active for e in experts) / 3000 < 0.99
    assert any(d.status == "planned" for e in experts for d in e.deployments)
    assert any(d.status == "completed" for e in experts for d in e.deployments)
    assert min(w.start for e in experts for w in e.availability) >= date(2026, 5, 1)
    assert Counter(p.type for p in partners).most_common(1)[0][1] < 60


def test_empty_roster():
    assert generate_roster(0, 0, seed=0) == ([], [])


def test_ascii_slug():
    assert ascii_slug("Öztürk") == "ozturk" and ascii_slug("Yılmaz") == "yilmaz"
    assert ascii_slug("O'Brien") == "obrien" and ascii_slug("dos Santos") == "dossantos"
