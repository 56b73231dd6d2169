"""The ``rollout-sim`` command line: options parsed, the layers below called, results printed.

The only package that prints, exits or uses click; everything below raises exceptions
carrying :class:`~sim.errors.Problem` records and reports progress through callbacks.
"""


def main() -> None:
    """Run the ``rollout-sim`` command.

    The command's modules are imported here rather than when this package is: worker
    processes (started by "spawn") import the script that started their parent, and
    that script imports only this function, so each worker starts without the command
    line's imports (SciPy, click, the studies: about a second each).
    """
    try:
        from sim.cli.main import main as command
    except KeyboardInterrupt:  # Ctrl-C while the command line loads: nothing has started yet
        import sys

        sys.stderr.write("Aborted!\n")  # as click says it once loaded
        sys.exit(130)
    command()
