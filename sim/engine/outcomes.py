"""Outcome records of one replication: per site, readiness at go-live and over time.

A learner counts as *trained* on day d when they finished their curriculum on or before
d (e-learning, course(s) and the proficiency check; self-training too where the site's
readiness criteria say so) and that training is still current: it lasts ``valid_weeks``
(at least the site's window) before go-live (a postponement can make it stale, then a
refresher renews it) and never fades after go-live. A learner is *required* (active)
on day d when employed and at work that day: a new hire once ``new_hire_grace_days``
have passed since hiring (onboarding), someone back from long-term leave as long after
their return.

A site is *ready* when every criterion of its :class:`~sim.model.spec.Readiness` holds on the
eve of go-live.
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

import numpy as np

from sim.engine.learners import BEFORE, NEVER, Learners

if TYPE_CHECKING:  # the summaries read SiteOutcome and required_count without loading the engine
    from sim.engine.rollout import Engine


@dataclass(frozen=True)
class SiteOutcome:
    """One site in one replication; the columns of replications.csv."""

    site: str
    go_live: dt.date
    planned_go_live: dt.date
    staff_required: int
    trained_at_go_live: int
    untrained_at_go_live: int
    share_trained: float
    ready: bool
    super_users_required: int
    super_users_trained: int
    super_users_ready: bool
    lowest_unit_share: float
    units_ready: bool
    self_trained_at_go_live: int
    share_self_trained: float
    on_long_term_leave: int
    completion_date: dt.date | None
    slack_days: int | None
    date_95: dt.date | None
    first_class_date: dt.date | None
    sessions_run: int
    sessions_cancelled: int
    sessions_covered: int
    sessions_underfilled: int
    refresher_sessions: int
    no_shows: int
    sick_absences: int
    proficiency_failures: int
    new_hires: int
    instructor_utilisation: float
    room_utilisation: float

    @classmethod
    def columns(cls) -> tuple[str, ...]:
        """Field names in order."""
        return tuple(f.name for f in fields(cls))


def required_count(share: float, staff: np.ndarray | int) -> np.ndarray | int:
    """How many of ``staff`` people make ``share`` of them: at least one of a non-empty
    group however small the share (a tiny threshold must not count nobody as ready)."""
    if type(staff) is int:  # the same arithmetic on Python floats: a tenth of the time (site_outcomes' many calls)
        return max(math.ceil(share * staff - 1e-9), 1) if staff > 0 else 0
    need = np.maximum(np.ceil(share * np.asarray(staff) - 1e-9), 1)
    out = np.where(np.asarray(staff) > 0, need, 0).astype(np.int64)
    return int(out) if out.ndim == 0 else out


def _kth(values: np.ndarray, fraction: float) -> int | None:
    """The day by which ``fraction`` of ``values`` (days, NEVER = not within horizon) is reached."""
    return _kths(values, (fraction,))[0]


def _kths(values: np.ndarray, fractions: tuple[float, ...]) -> list[int | None]:
    """:func:`_kth` of each fraction, from one partial sort of ``values``."""
    if values.size == 0:
        return [None] * len(fractions)  # nobody was required: there is no completion to date
    ks = [int(required_count(f, values.size)) - 1 for f in fractions]
    parted = np.partition(values, sorted(set(ks)))  # each k-th in place, as a full sort would put it
    return [None if (day := int(parted[k])) >= NEVER else day for k in ks]


def required_from(L: Learners, grace: int) -> np.ndarray:
    """The day each learner becomes required: at once for staff at work from the start;
    ``grace`` days after a new hire starts or someone returns from long-term leave."""
    r0 = np.where(L.hire_day == BEFORE, 0, L.hire_day + grace)
    return np.maximum(r0, L.return_day + grace)  # BEFORE + grace is below any day


def trained_curves(engine: Engine) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Daily required and trained-and-required counts, shape (sites, days), and per
    learner the day their requirement was met for go-live.

    The last is, for each learner, the first day of the trained spell that covers the
    eve of go-live, or failing that the first day on or after go-live they were trained
    or left; NEVER if neither happened within the horizon.
    """
    go_live = np.array([sw.go_live_day for sw in engine.world.sites], dtype=np.int64)
    return _curves(engine, required_from(engine.learners, engine.model.operations.new_hire_grace_days), go_live)


def _curves(engine: Engine, r0: np.ndarray, go_live: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`trained_curves` given each learner's required-from day and each site's
    go-live day (which site_outcomes needs too, so it computes them once); counted in one
    compiled pass over the learners (kernel.trained_counts, which says how)."""
    # Imported here: the summaries import this module for SiteOutcome and
    # required_count, and need not load numba for that.
    from sim.engine import kernel

    world, L = engine.world, engine.learners
    n_sites, n_days = len(world.sites), world.n_days
    if r0.size and int(r0.min()) < 0:  # the kernel indexes days unchecked
        raise ValueError("a learner is required before the first day of the simulation")
    counts = np.zeros((2, n_sites, n_days + 1), dtype=np.int64)
    met = np.empty(L.count, dtype=np.int64)
    end = np.array([sw.end_day for sw in world.sites], dtype=np.int64)
    kernel.trained_counts(L.site, L.group, r0, L.leave_day, L.trained_day, L.refresh_day,
                          engine.layout.group_valid_days, go_live, end, int(NEVER), n_days, counts[0], counts[1], met)
    return counts[0, :, :n_days], counts[1, :, :n_days], met


def site_outcomes(engine: Engine) -> tuple[list[SiteOutcome], np.ndarray]:
    """Outcome records per site and the daily trained share, shape (sites, days).

    The staff required at go-live are those required on its eve; the completion date is
    the day by which the readiness threshold of them had their requirement met.

    Every count is taken for all sites at once, in compiled passes over the learners
    (kernel.trained_counts and kernel.site_counts), each on its own site's eve.
    """
    from sim.engine import kernel  # see _curves

    model, world, L = engine.model, engine.world, engine.learners
    n_sites = len(world.sites)
    r0 = required_from(L, model.operations.new_hire_grace_days)
    go_live = np.array([sw.go_live_day for sw in world.sites], dtype=np.int64)
    required, trained, met = _curves(engine, r0, go_live)
    share = np.where(required > 0, trained / np.maximum(required, 1), 1.0)
    # Staff by (site, unit): every group's unit is one of unit_cap's (layout.py numbers both).
    counts = np.zeros((n_sites, kernel.N_SITE_COUNTS), dtype=np.int64)
    units = np.zeros((2, n_sites, engine.unit_cap.size), dtype=np.int64)
    met_by_site, bounds = np.empty(L.count, dtype=np.int64), np.zeros(n_sites + 1, dtype=np.int64)
    kernel.site_counts(L.site, L.group, r0, L.leave_day, L.return_day, L.hire_day, L.self_trained_day, met,
                       engine.layout.group_super_users, engine.group_unit, go_live, int(BEFORE), counts, units,
                       met_by_site, bounds, np.empty(n_sites, dtype=np.int64))
    new_hires, away_n = counts[:, kernel.SC_NEW_HIRES].tolist(), counts[:, kernel.SC_AWAY].tolist()
    su_req_n, su_got_n = counts[:, kernel.SC_SUPER_REQUIRED].tolist(), counts[:, kernel.SC_SUPER_TRAINED].tolist()
    self_got_n = counts[:, kernel.SC_SELF_TRAINED].tolist()
    unit_req_all, unit_got_all = units
    out = []
    counters = engine.counters  # built from the engine's arrays on each access
    for sw in world.sites:
        s, G = sw.index, sw.go_live_day
        eve_s = G - 1
        crit = sw.site.readiness
        req, got = int(required[s, eve_s]), int(trained[s, eve_s])
        done, d95 = _kths(met_by_site[bounds[s]:bounds[s + 1]], (crit.share, 0.95))
        c = counters[s]
        su_req, su_got, self_got = su_req_n[s], su_got_n[s], self_got_n[s]
        su_ready = crit.super_users <= 0 or su_got >= required_count(crit.super_users, su_req)
        unit_req, unit_got = unit_req_all[s], unit_got_all[s]
        staffed = unit_req > 0
        lowest = float(np.min(unit_got[staffed] / unit_req[staffed])) if staffed.any() else 1.0
        units_ready = crit.unit_share is None or bool(np.all(
            unit_got[staffed] >= required_count(crit.unit_share, unit_req[staffed])))

        def date(day: int | None) -> dt.date | None:
            return None if day is None else world.epoch + dt.timedelta(days=day)

        out.append(SiteOutcome(
            site=sw.site.id, go_live=world.epoch + dt.timedelta(days=G), planned_go_live=sw.site.planned_go_live,
            staff_required=req, trained_at_go_live=got, untrained_at_go_live=req - got,
            share_trained=got / req if req else 1.0,
            ready=bool(got >= required_count(crit.share, req) and su_ready and units_ready),
            super_users_required=su_req, super_users_trained=su_got, super_users_ready=bool(su_ready),
            lowest_unit_share=round(lowest, 6), units_ready=units_ready,
            self_trained_at_go_live=self_got, share_self_trained=self_got / req if req else 1.0,
            on_long_term_leave=away_n[s],
            completion_date=date(done), slack_days=None if done is None else G - done, date_95=date(d95),
            first_class_date=None if c.first_class_slot is None else date(int(c.first_class_slot) // model.slots_per_day),
            sessions_run=c.sessions_run, sessions_cancelled=c.sessions_cancelled,
            sessions_covered=c.sessions_covered, sessions_underfilled=c.sessions_underfilled,
            refresher_sessions=c.refresher_sessions, no_shows=c.no_shows, sick_absences=c.sick_absences,
            proficiency_failures=c.proficiency_failures,
            new_hires=new_hires[s],
            instructor_utilisation=c.instructor_slots_taught / c.instructor_slots_on_duty if c.instructor_slots_on_duty else 0.0,
            room_utilisation=c.room_slots_used / c.room_slots_open if c.room_slots_open else 0.0,
        ))
    return out, share.astype(np.float32)
