"""Benchmarks and the seeded data they run on (not tests): see bench/README.md."""
