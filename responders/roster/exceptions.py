"""Errors raised by roster models, import and export."""


class RosterError(Exception):
    """Base class of roster errors."""


class UnreadableImport(RosterError, ValueError):
    """An import source cannot be read at all (bad encoding, unknown format, broken JSON document)."""


class UnknownFormat(UnreadableImport):
    """The import format is neither csv, json nor jsonl and cannot be guessed from the content."""


class UnknownExpert(RosterError, KeyError):
    """An update names an expert id the roster does not hold."""
