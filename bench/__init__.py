"""Benchmarks run by `make bench`: figures and ratios measured in one run, printed and optionally written as JSON."""
