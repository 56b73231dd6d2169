"""The model and experiment files shipped with rollout-sim.

At build time setup.cfg maps the repository's top-level ``models/`` and ``experiments/``
folders into ``sim/shipped/``; :mod:`sim.paths` finds them in a source checkout as well.
"""
