"""Crisis models: trusted construction equals validation, JSON round trips, summaries."""

import pytest

from responders.crises import Crisis, CrisisEvent, CrisisIndex, correlate
from responders.crises.models import HistoryEntry, trusted
from vocabulary.signals import Severity

from .factories import T0, days, make_signal, usgs_signals


def test_trusted_models_equal_their_validated_dump():
    index = CrisisIndex()
    outcomes = [correlate(index, s, s.observed_at) for s in usgs_signals()]
    outcomes.append(correlate(index, make_signal("x", severity=Severity.EXTREME, population=50_000), T0))
    outcomes.append(correlate(index, make_signal("y", at=T0 + days(1)), T0 + days(1)))
    for out in outcomes:
        for crisis in out.crises_to_write:
            again = Crisis.model_validate(crisis.model_dump(mode="json"))
            assert again == crisis
            assert again.model_dump(mode="json") == crisis.model_dump(mode="json")
        for event in out.events:
            again = CrisisEvent.model_validate(event.model_dump(mode="json"))
            assert again.model_dump(mode="json") == event.model_dump(mode="json")


def test_trusted_refuses_missing_fields():
    with pytest.raises(TypeError):
        trusted(HistoryEntry, at=T0)


def test_summary_is_the_public_shape_without_signal_ids_and_history():
    index = CrisisIndex()
    crisis = correlate(index, make_signal("a"), T0).crises_to_write[0]
    summary = crisis.summary().model_dump(mode="json")
    for key in ("crisis_id", "kind", "hazard", "title", "countries", "location", "severity", "status",
                "exercise", "signal_count", "references", "opened_at", "updated_at"):
        assert key in summary
    assert "signal_ids" not in summary and "history" not in summary
