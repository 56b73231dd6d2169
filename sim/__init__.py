"""rollout-sim: will staff be trained before an EHR go-live, and what if something slips?

A discrete-event simulation (SimPy) of a regional EHR training rollout, with Monte
Carlo replications that estimate, per site, the risk that staff are not trained by
go-live. Start at :mod:`sim.cli.main`; one replication is :func:`sim.engine.replication.run_replication`.
"""

__version__ = "0.1.0"
