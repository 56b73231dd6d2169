"""Across replications, in memory: statistics, the summary, S-curves and bottlenecks.

Pure functions and accumulators of replication records; no folders, no printing.
"""
