"""Experts, partners, matching and deployment requests: the responders side of rrc."""
