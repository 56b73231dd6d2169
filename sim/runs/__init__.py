"""Running many replications: executors, the Monte Carlo runner and the results folder.

Writes folders that no reader ever sees half-written, resumes them, and reports
progress through a callback; it never prints or exits.
"""
