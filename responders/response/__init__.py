"""The response to one crisis: its plans, interventions and their staffing, owned by one writer per crisis."""
