"""``python -m sim`` is the ``rollout-sim`` command."""
from sim.cli import main

if __name__ == "__main__":
    main()
