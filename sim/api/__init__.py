"""The Python API, for notebooks and scripts: the same runs as the command line, as
pandas DataFrames, with nothing written unless asked.

Everything here is also reachable from the package itself (``sim.run``,
``sim.open_results``, ...); docs/api.md documents it with a worked example.
"""
