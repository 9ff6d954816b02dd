"""Commands from the API to the owners of state: send on rrc.commands keyed by crisis id, wait for the result.

The owner (the planning agent holding the crisis) applies or refuses the command by the domain's rules and
publishes a `rrc.command.result` on rrc.plans; the plans view hands it to the waiting call. The command's time is
the runtime's clock, the same clock the owner and the expiry sweep use.
"""

from __future__ import annotations

import uuid
from typing import Any

from api.auth.roles import Principal
from api.publish import Unavailable, require_running
from responders.plans.models import Command


async def send_command(runtime, worker, principal: Principal, type_: str, crisis_id: str, **fields) -> dict[str, Any]:
    require_running(worker)
    command = Command(command_id=f"cmd-{uuid.uuid4().hex}", type=type_, crisis_id=crisis_id, actor=principal.token_id,
                      role=principal.role.value, issued_at=runtime.clock(), **fields)
    topic = runtime.topics.commands.get_topic_name()
    fut = await runtime.app.producer.send(topic, crisis_id.encode(), command.model_dump_json().encode(), None, None,
                                          [("rrc-command", type_.encode())])
    await fut
    result = await runtime.views["plans"].wait_result(command.command_id, runtime.settings.command_wait_s)
    if result is None:
        raise Unavailable(f"the owner of crisis {crisis_id} did not answer within {runtime.settings.command_wait_s:g}s;"
                          f" command {command.command_id} will still be applied")
    return result
