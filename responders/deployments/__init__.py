"""Deployment requests: the request state machine, experts' reservation ledgers and seat staffing with escalation.

Domain code only (no Kafka, no clock); the deployment agents of the worker are not built yet.
"""
