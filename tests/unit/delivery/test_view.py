"""The delivery view reads rrc.delivery.state: each state as the owner stored it (its table's changelog), the
envelope of earlier versions, and tombstones; an older state never replaces a newer one."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

from responders.delivery.models import TargetSpecIn, TrackIntervention
from responders.delivery.owner import on_track
from responders.delivery.targets import Rules
from streams.views.delivery import DeliveryView
from streams.views.store import DiskStore
from tests.factories import T0

H = timedelta(hours=1)


def state(at):
    message = TrackIntervention(intervention_id="int-1", crisis_id="cri-1", countries=["IDN"], launched_at=T0,
                                targets=[TargetSpecIn(target_id="first_expert_accepted", label="First accepted",
                                                      kind="deadline", value=1, unit="event", due_at=T0 + 24 * H)])
    return on_track(None, message, at, Rules())[0]


def test_a_stored_state_an_old_envelope_and_a_tombstone(tmp_path):
    view = DeliveryView(DiskStore(tmp_path, "delivery"))
    first, later = state(T0), state(T0 + 20 * H)
    view.apply_message(later.model_dump_json().encode())  # as the owner stores it
    assert view.interventions["int-1"]["targets"][0]["status"] == "at_risk"
    assert view.due(T0 + 24 * H) == [("int-1", T0 + 24 * H)]
    meta = view.interventions.meta["int-1"]  # what the overview and the filters read without the disk
    assert meta["crisis_id"] == "cri-1" and meta["countries"] == ["IDN"] and meta["statuses"] == {"at_risk": 1}
    assert meta["sources"] == [] and list(view.chosen(lambda m: m["crisis_id"] == "cri-1")) == [view.interventions["int-1"]]
    assert list(view.chosen(lambda m: "donor-1" in m["sources"])) == []
    envelope = {"type": "rrc.delivery.updated", "occurred_at": "2026-03-01T00:00:00Z",
                "delivery": json.loads(first.model_dump_json())}
    view.apply_message(json.dumps(envelope).encode())  # an earlier version's message, and older: ignored
    assert view.interventions["int-1"]["evaluated_at"] == later.model_dump(mode="json")["evaluated_at"]
    view.apply_message(None)
    assert list(view.interventions) == ["int-1"]
    fresh = DeliveryView(DiskStore(tmp_path, "delivery-fresh"))
    fresh.apply_message(json.dumps(envelope).encode())
    assert fresh.interventions["int-1"]["targets"][0]["status"] == "on_track"


async def test_a_caller_waits_until_the_view_holds_the_state_its_command_made(tmp_path):
    view = DeliveryView(DiskStore(tmp_path, "delivery"))
    view.apply_message(state(T0).model_dump_json().encode())
    assert not await view.wait_applied("int-1", "cmd-1", timeout=0.05)  # not applied yet: False after the timeout
    waiting = asyncio.create_task(view.wait_applied("int-1", "cmd-1", timeout=5))
    await asyncio.sleep(0)
    other = state(T0 + H).model_copy(update={"commands_seen": ["cmd-0"]})
    view.apply_message(other.model_dump_json().encode())  # another command's state: still waiting
    await asyncio.sleep(0)
    assert not waiting.done()
    applied = state(T0 + 2 * H).model_copy(update={"commands_seen": ["cmd-0", "cmd-1"]})
    view.apply_message(applied.model_dump_json().encode())
    assert await waiting and view.applied("int-1", "cmd-1")
    assert await view.wait_applied("int-1", "cmd-1", timeout=0)  # already there: at once
