"""Checks at the edges that protect the system itself (outbound targets)."""
