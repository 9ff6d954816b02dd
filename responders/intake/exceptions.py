"""Errors raised out of the intake layer: an unknown format or a body that cannot be read at all."""

from __future__ import annotations


class IntakeError(Exception):
    """Base class for whole-input intake failures (per-record failures are Rejections instead)."""


class UnknownFormat(IntakeError):
    """The format name is not supported, or the content matches no supported format."""


class UnreadableInput(IntakeError):
    """The whole input cannot be read as the requested (or detected) format."""
