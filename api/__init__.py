"""HTTP edge of rrc: the FastAPI app, auth and one router per resource."""
