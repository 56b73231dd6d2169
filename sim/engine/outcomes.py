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
from dataclasses import dataclass, fields

import numpy as np

from sim.engine.learners import BEFORE, NEVER, Learners
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
    need = np.maximum(np.ceil(share * np.asarray(staff) - 1e-9), 1)
    out = np.where(np.asarray(staff) > 0, need, 0).astype(np.int64)
    return int(out) if out.ndim == 0 else out


def _kth(values: np.ndarray, fraction: float) -> int | None:
    """The day by which ``fraction`` of ``values`` (days, NEVER = not within horizon) is reached."""
    if values.size == 0:
        return None  # nobody was required: there is no completion to date
    k = required_count(fraction, values.size)
    day = int(np.partition(values, k - 1)[k - 1])
    return None if day >= NEVER else day


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
    model, world, L = engine.model, engine.world, engine.learners
    n_sites, n_days = len(world.sites), world.n_days
    grace = model.operations.new_hire_grace_days
    valid_by_group = np.array([model.valid_days(model.site(g.site), model.curriculum(g.curriculum)) for g in model.groups],
                              dtype=np.int64)
    go_live = np.array([sw.go_live_day for sw in world.sites], dtype=np.int64)[L.site]
    valid = valid_by_group[L.group]
    r0 = required_from(L, grace)
    r1 = L.leave_day

    def fades(start: np.ndarray) -> np.ndarray:
        # Current through start + valid; only training already stale on the eve fades.
        return np.where((start != NEVER) & (start + valid < go_live - 1), start + valid + 1, NEVER)

    T, R = L.trained_day, L.refresh_day
    spells = [(T, np.minimum(fades(T), R)), (R, fades(R))]

    def count(pairs: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
        # +1 where a spell starts, -1 where it ends, per site; a running sum gives the count.
        width = n_days + 1
        delta = np.zeros(n_sites * width, dtype=np.int64)
        for a, b in pairs:
            a, b = np.maximum(a, r0), np.minimum(b, r1)
            keep = (a < b) & (a < n_days)
            base = L.site[keep].astype(np.int64) * width
            delta += np.bincount(base + a[keep], minlength=delta.size)
            delta -= np.bincount(base + np.minimum(b[keep], n_days), minlength=delta.size)
        return np.cumsum(delta.reshape(n_sites, width), axis=1)[:, :n_days]

    eve = go_live - 1
    met = np.full(L.count, NEVER, dtype=np.int64)
    for a, b in spells:
        met = np.where((a <= eve) & (eve < b), a, met)
    after = np.minimum(np.where(T >= go_live, T, NEVER), np.where(R >= go_live, R, NEVER))
    met = np.where(met == NEVER, np.minimum(after, r1), met)
    # Each site is followed to its own go-live plus the horizon, no further.
    end = np.array([sw.end_day for sw in world.sites], dtype=np.int64)[L.site]
    met = np.where(met > end, NEVER, met)
    return count([(r0, r1)]), count(spells), met


def site_outcomes(engine: Engine) -> tuple[list[SiteOutcome], np.ndarray]:
    """Outcome records per site and the daily trained share, shape (sites, days).

    The staff required at go-live are those required on its eve; the completion date is
    the day by which the readiness threshold of them had their requirement met.
    """
    model, world, L = engine.model, engine.world, engine.learners
    required, trained, met = trained_curves(engine)
    share = np.where(required > 0, trained / np.maximum(required, 1), 1.0)
    r0 = required_from(L, model.operations.new_hire_grace_days)
    new_hires = np.bincount(L.site[L.hire_day != BEFORE], minlength=len(world.sites)).tolist()
    is_super = np.array([model.curriculum(g.curriculum).kind == "super_user" for g in model.groups])[L.group]
    unit_of = engine.group_unit[L.group]
    out = []
    for sw in world.sites:
        s, G = sw.index, sw.go_live_day
        eve = G - 1
        crit = sw.site.readiness
        here = (L.site == s) & (L.leave_day > eve)
        cohort = here & (r0 <= eve)
        away = int(np.count_nonzero(here & (L.return_day > eve)))
        req, got = int(required[s, eve]), int(trained[s, eve])
        met_cohort = met[cohort]
        done = _kth(met_cohort, crit.share)
        d95 = _kth(met_cohort, 0.95)
        c = engine.counters[s]
        now_trained = cohort & (met <= eve)
        su_req = int(np.count_nonzero(cohort & is_super))
        su_got = int(np.count_nonzero(now_trained & is_super))
        su_ready = crit.super_users <= 0 or su_got >= required_count(crit.super_users, su_req)
        unit_req = np.bincount(unit_of[cohort], minlength=engine.unit_cap.size)
        unit_got = np.bincount(unit_of[now_trained], minlength=engine.unit_cap.size)
        staffed = unit_req > 0
        lowest = float(np.min(unit_got[staffed] / unit_req[staffed])) if staffed.any() else 1.0
        units_ready = crit.unit_share is None or bool(np.all(
            unit_got[staffed] >= required_count(crit.unit_share, unit_req[staffed])))
        self_got = int(np.count_nonzero(now_trained & (L.self_trained_day <= eve)))

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
            on_long_term_leave=away,
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
