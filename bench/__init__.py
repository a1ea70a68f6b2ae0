"""OrderHub benchmarks against real processes: ``make bench`` / ``python -m bench`` (see bench/README.md)."""
