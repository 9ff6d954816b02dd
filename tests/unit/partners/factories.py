"""Events and subscriptions for the partner tests."""

from __future__ import annotations

from datetime import datetime, timezone
from itertools import count

from responders.partners.filters import SubscriptionFilter
from responders.partners.subscriptions import SubscriptionCreate, create_subscription
from vocabulary.cloudevents import CloudEvent

T0 = datetime(2024, 5, 1, 12, 0, 0, tzinfo=timezone.utc)
_ids = count(1)


def event(type_: str = "rrc.crisis.opened", *, exercise: bool = False, crisis_id: str = "C-1",
          **facts) -> CloudEvent:
    return CloudEvent(id=f"evt-{next(_ids)}", type=type_, time=T0, subject=crisis_id, data=dict(facts),
                      extensions={"rrcexercise": "true" if exercise else "false", "rrccrisisid": crisis_id})


def subscription(url: str = "https://partner.example/hook", event_types=("rrc.*",), secret: str | None = None,
                 **filters):
    body = SubscriptionCreate(url=url, event_types=list(event_types), filters=SubscriptionFilter(**filters))
    return create_subscription("P-1", body, T0, secret=secret)
