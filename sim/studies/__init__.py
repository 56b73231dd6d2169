"""Studies of more than one run: sweeps, sensitivity, the capacity search and comparisons.

Each study is a set of design points run as scenarios on common random numbers.
"""
