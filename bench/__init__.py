"""Benchmarks: each module here is runnable alone (`python -m bench.<name>`); `make bench`
(`python -m bench`) runs them all in turn. Figures go to the README with the machine noted."""
