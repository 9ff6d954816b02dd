"""Faust app, topics, intake adapters and the stream agents of rrc."""
