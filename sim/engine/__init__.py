"""One replication: the spec's random world drawn, then the rollout played in SimPy.

A replication is a pure function of (model, seed, index); nothing here reads or writes
files, prints, or knows how many replications there will be.
"""
