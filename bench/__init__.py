"""Benchmarks: ``make bench`` prints the figures (tests never assert speed)."""
