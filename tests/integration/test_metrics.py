"""/metrics carries every stage's counters and consumer lag after real traffic."""

from __future__ import annotations

import json

import httpx
import pytest

from api.app import create_api
from tests.integration.test_pipeline_smoke import _signal
from tests.kafka_helpers import consume, produce

pytestmark = pytest.mark.integration


async def test_metrics_after_traffic(start_worker):
    runtime, worker = await start_worker()
    s = runtime.settings
    await produce(s.bootstrap_servers, s.topic_name("rrc.signals.raw"),
                  [(None, json.dumps(_signal(i, lat=i, lon=i, country="AFG")).encode(), [("rrc-format", b"json")])
                   for i in range(5)] + [(None, b"{broken", [("rrc-format", b"json")])])
    await consume(s.bootstrap_servers, s.topic_name("rrc.crises"), expect=5, timeout=60)
    api = create_api(s, runtime)
    api.state.worker = worker
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=api), base_url="http://t") as client:
        text = (await client.get("/metrics")).text
    for stage in ("normalise", "correlate"):
        assert f'rrc_stage_messages_in_total{{stage="{stage}"}}' in text
    assert 'rrc_stage_deadlettered_total{error_type="ValidationError",stage="normalise"}' in text
    assert 'rrc_stage_consumer_lag_messages{partition="0",stage="normalise"' in text
    assert 'stage="correlate"' in text.split("rrc_stage_consumer_lag_messages", 1)[1]
