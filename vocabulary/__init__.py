"""The ground floor: words every layer shares (hazards, kinds, severities, the normalised signal, CloudEvent,
pagination). Imports nothing else of rrc."""
