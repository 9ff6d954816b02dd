"""Benchmarks: each script ends with one JSON line of its figures (units in the key names)."""
