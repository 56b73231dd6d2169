"""Independent checks of the engine: a one-process-per-learner reference and
closed-form queueing results. Tests compare the engine against them; nothing in a run
imports this package.
"""
