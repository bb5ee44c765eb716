"""python -m bench: the benchmark (bench/run.py, docs/performance.md)."""

from bench.run import main

main()
