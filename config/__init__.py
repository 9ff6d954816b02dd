"""Settings, topic definitions and reference data for rrc."""

from config.settings import Mode, Settings, get_settings

__all__ = ["Mode", "Settings", "get_settings"]
