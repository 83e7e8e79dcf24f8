"""Benchmarks for newskg: a generator of synthetic corpora (`python -m benchmarks.generate`)."""
