"""Stateless Kafka stages run as aiokafka batch loops inside the worker."""
