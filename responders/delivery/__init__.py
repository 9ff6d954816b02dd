"""Delivery control: targets tracked against reports and events, early warning (see owner.py)."""
