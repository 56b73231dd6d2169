"""The inputs: model, experiment and study files read and checked into a frozen spec.

Everything a run depends on is validated here, before anything runs; every problem
names the file, the key and what was expected.
"""
