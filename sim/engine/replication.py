"""One replication as a pure function: (validated model, seed, index) -> outcome records."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from sim.engine.learners import draw_learners
from sim.engine.outcomes import SiteOutcome, site_outcomes
from sim.engine.rollout import Engine
from sim.engine.streams import RandomStreams
from sim.engine.world import draw_world
from sim.model.spec import ModelSpec


@dataclass(frozen=True)
class ReplicationResult:
    """What one replication produced.

    ``daily_share`` has one row per site (model order) and one column per day from
    ``epoch``; ``sessions`` has one row per class session with :data:`SESSION_FIELDS`.
    """

    replication: int
    outcomes: tuple[SiteOutcome, ...]
    epoch: dt.date
    daily_share: np.ndarray
    sessions: np.ndarray
    events: int
    weekly: np.ndarray  # sites x WEEKLY_FIELDS x weeks from the epoch's Monday


def run_replication(model: ModelSpec, seed: int, replication: int, sessions: bool = True) -> ReplicationResult:
    """Simulate one replication; the same arguments always give the same result.

    ``sessions=False`` leaves out the table of class sessions (the runner does not need
    it, and building it costs time).
    """
    # An overflow or a NaN is an error, never a warning: a warning printed once and a
    # number carried on gave a risk of 0% for a delay of 10^19 days. Bounds on the inputs
    # (sim.limits) keep this from happening; this makes sure it cannot pass unseen.
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        streams = RandomStreams(seed, replication)
        world = draw_world(model, streams)
        learners = draw_learners(model, world, streams)
        engine = Engine(model, world, learners, streams)
        engine.run(sessions=sessions)
        outcomes, share = site_outcomes(engine)
    return ReplicationResult(replication, tuple(outcomes), world.epoch, share,
                             engine.session_table(),
                             engine.env.scheduled, engine.weekly)
