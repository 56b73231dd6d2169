"""The ``rollout-sim`` command line: options parsed, the layers below called, results printed.

The only package that prints, exits or uses click; everything below raises exceptions
carrying :class:`~sim.errors.Problem` records and reports progress through callbacks.
"""
