"""Benchmark harness: a local server farm, a corpus generator and a runner."""
