"""Errors of the broker layer; each carries a one-line, user-facing message."""


class BrokerError(RuntimeError):
    """The local broker could not be set up, started or reached."""


class MissingTool(BrokerError):
    """A program the local broker needs (java, mvn) is not installed."""


class BrokerStartTimeout(BrokerError):
    """The broker process started but never answered metadata requests."""
