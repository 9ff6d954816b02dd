"""Thin Faust agents and Kafka stage services; each decodes, calls domain code and emits."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from streams.app import Runtime


def register_all(runtime: "Runtime") -> None:
    """Register every agent and stage of the worker on the runtime's app."""
    for register in _registrars():
        register(runtime)


def _registrars():
    from streams.agents import crises, ledger, plans
    from streams.pollers.register import register as pollers
    from streams.stages import normalise, notify, webhooks
    from streams.views.register import register as views

    return [normalise.register, crises.register, plans.register, ledger.register, views, pollers, notify.register,
            webhooks.register]
