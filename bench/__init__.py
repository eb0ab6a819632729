"""`make bench`: the performance figures of issue 11 (see docs/performance.md).

Not part of `make test`. `python -m bench.run --help` lists the options.
"""
