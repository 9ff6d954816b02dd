"""Commands from the API to the owners of state: send on rrc.commands keyed by crisis id, wait for the result.

The owner (the response owner holding the crisis) applies or refuses the command by the domain's rules and
publishes a `rrc.command.result` on rrc.plans; the plans view hands it to the waiting call. The command's time is
the runtime's clock, the same clock the owner and the expiry sweep use.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from api.auth.roles import Principal
from api.publish import Unavailable, require_running
from responders.messages import Command
from streams.agents.records import send_records

log = logging.getLogger("rrc.api.commands")


async def send_command(runtime, worker, principal: Principal, command_type: type[Command], crisis_id: str,
                       command_id: str | None = None, **fields) -> dict[str, Any]:
    """Send a `command_type` command to the owner of its state (a crisis command, a report to delivery control, a
    commitment to a partner's capacity ledger) and wait for the owner's result, which comes back on rrc.plans.
    With a `command_id` of the caller's (an idempotency key's), a command already answered is not sent again: the
    first result is the answer."""
    require_running(worker)
    if command_id is not None:
        known = runtime.views.plans.results.get(command_id)
        if known is not None:
            return known
    command = command_type(command_id=command_id or f"cmd-{uuid.uuid4().hex}", crisis_id=crisis_id,
                           actor=principal.token_id, role=principal.role.value, issued_at=runtime.clock(), **fields)
    try:
        await send_records(runtime.app, runtime.settings, [command.record()])
    except TimeoutError as exc:
        raise Unavailable(str(exc)) from exc
    result = await runtime.views.plans.wait_result(command.command_id, runtime.settings.command_wait_s)
    if result is None:
        raise Unavailable(f"the owner of crisis {crisis_id} did not answer within {runtime.settings.command_wait_s:g}s;"
                          f" command {command.command_id} will still be applied")
    return result


async def applied_in_view(runtime, intervention_id: str, command_id: str) -> None:
    """Return once the delivery view shows the intervention as the owner left it after `command_id`: a caller
    that reads right after a 201 reads what it wrote. Past RRC_COMMAND_WAIT_S it returns anyway (the command was
    applied; only the view is behind) and says so in the log."""
    view, wait = runtime.views.delivery, runtime.settings.command_wait_s
    if not await view.wait_applied(intervention_id, command_id, wait):
        log.warning("applied, but not yet in the delivery view", extra={"intervention_id": intervention_id,
                                                                       "command_id": command_id})
