"""Kafka plumbing: the local broker manager, a metadata probe and topic administration."""
