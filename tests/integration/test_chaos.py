"""The short chaos run of `make test` (bench/chaos.py is the long one, with the broker restart): three workers on
the session broker under a mixed load, one SIGKILLed mid-burst and one SIGSTOPped past the session timeout; then the
end state, read from the topics, has lost nothing, duplicated nothing, double-booked nobody, and every webhook
event reached the partner."""

from __future__ import annotations

import pytest

from bench.chaos import run

pytestmark = pytest.mark.integration


def test_three_workers_survive_a_sigkill_and_a_sigstop_with_nothing_lost_or_doubled(kafka_bootstrap):
    figures = run(seed=11, rate=4, phase_s=10, warmup_s=8, broker=kafka_bootstrap)
    assert figures["faults"] == ["sigkill", "sigstop"]
    assert figures["recovery_s_sigkill"] >= 0 and figures["recovery_s_sigstop"] >= 0, figures
    assert figures["signals_accepted"] > 50 and figures["malformed_sent"] >= 2, figures
    assert figures["signals_lost"] == 0, figures
    assert figures["duplicated_effects"] == 0, figures
    assert figures["double_booked_experts"] == 0, figures
    assert figures["webhook_events_expected"] > 0 and figures["webhook_events_missing"] == 0, figures
    assert figures["webhook_ids_unknown"] == 0, figures
    assert figures["dead_letters_malformed"] == figures["malformed_sent"], figures
    assert figures["unexpected_dead_letters"] == 0, figures
    assert figures["plans_approved"] >= 1 and figures["interventions_checked"] >= 1, figures
