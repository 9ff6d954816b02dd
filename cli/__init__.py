"""The rrc command line."""
