"""One replication's world: the spec with its random delays and rates drawn, in day numbers.

Everything that is drawn once per replication (delays, per-site rates) is drawn here,
before the engine starts, so the engine only reads plain numbers.
"""
from __future__ import annotations

import datetime as dt
import functools
import math
from dataclasses import dataclass

import numpy as np

from sim import limits
from sim.engine.streams import Key, RandomStreams
from sim.model.calendar import Closure, WorkingCalendar
from sim.model.distributions import Distribution
from sim.model.spec import CalendarSpec, ModelSpec, Site


@dataclass(frozen=True)
class SiteWorld:
    """A site in one replication. Days count from the world's epoch."""

    index: int
    site: Site
    calendar: WorkingCalendar
    # (from_day, go_live_day): the go-live the site aims at from that day on.
    targets: tuple[tuple[int, int], ...]
    env_ready_day: int
    end_day: int  # the last day simulated for this site: go-live plus the horizon
    no_show_p: float
    learner_sick_p: float
    instructor_sick_p: float
    turnover_per_year: float
    long_term_leave_p: float = 0.0  # share of staff away on long-term leave at go-live

    @property
    def go_live_day(self) -> int:
        """The go-live that finally happens."""
        return self.targets[-1][1]



@dataclass(frozen=True)
class World:
    """All sites of one replication on one clock."""

    epoch: dt.date
    end: dt.date
    n_days: int
    sites: tuple[SiteWorld, ...]
    certified_day: dict[str, int]  # pool id -> first day its instructors may teach


@functools.lru_cache(maxsize=64)
def _calendar(epoch: dt.date, end: dt.date, spec: CalendarSpec, closures: tuple[Closure, ...]) -> WorkingCalendar:
    return WorkingCalendar(epoch, end, country=spec.country, summer_weeks=spec.summer_weeks,
                           christmas=spec.christmas, closures=closures)


def _site_closures(spec: CalendarSpec, site_id: str) -> tuple[Closure, ...]:
    return tuple(c.closure for c in spec.closures if not c.sites or site_id in c.sites)


def epoch_of(model: ModelSpec) -> dt.date:
    """The first day anything can happen: e-learning opening, certification or a window."""
    first = [p.certification_start for p in model.pools] + [site.training_environment_ready for site in model.sites]
    sites = {site.id: site for site in model.sites}
    for g in model.groups:  # one pass over the groups, not one per site
        if (site := sites.get(g.site)) is not None:
            c = model.curriculum(g.curriculum)
            days = max(model.elearning_opens_days(site, c), model.window_days(site, c))
            first.append(site.planned_go_live - dt.timedelta(days=days))
    return min(first)


def common_delay_days(model: ModelSpec, streams: RandomStreams) -> dict[tuple[str, str], int]:
    """Days each common-cause delay adds, by (kind of delay, site id).

    A shared cause is drawn once for all its sites; an ``independent`` one once per
    site, from that site's own stream, so both have the same chance and size per site.
    The delays of one kind at one site add up to at most ``sim.limits.MAX_DAYS``.
    """
    extra: dict[tuple[str, str], int] = {}

    def draw(c, name: str) -> int:
        struck = streams.get("delays", "common", c.id, f"strikes:{name}").random() < c.probability
        days = round(float(c.days.sample(streams.get("delays", "common", c.id, f"days:{name}"), 1)[0]))
        return days if struck else 0

    for c in model.common_delays:
        shared = None if c.independent else draw(c, "")  # drawn once: every site gets the same
        for site in c.sites:
            days = draw(c, site) if c.independent else shared
            if days:
                # Each delay is bounded, but many could add up past the calendar's end:
                # together they are cut at the bound on one delay (sim.limits.MAX_DAYS).
                extra[c.delays, site] = min(extra.get((c.delays, site), 0) + days, limits.MAX_DAYS)
    return extra


_SITE_DRAWS = (("delays", "environment"), ("delays", "go_live"), ("rates", "no_show"), ("rates", "learner_sick"),
               ("rates", "instructor_sick"), ("rates", "turnover"), ("rates", "long_term_leave"))


def _world_streams(model: ModelSpec) -> list[Key]:
    """Every stream draw_world may draw from (a common cause's per-site streams whether
    or not it is independent)."""
    keys: list[Key] = [(stream, "site", site.id, name) for site in model.sites for stream, name in _SITE_DRAWS]
    keys += [("delays", "pool", pool.id, "") for pool in model.pools]
    for c in model.common_delays:
        for name in ("", *c.sites):
            keys += [("delays", "common", c.id, f"strikes:{name}"), ("delays", "common", c.id, f"days:{name}")]
    return keys


def draw_world(model: ModelSpec, streams: RandomStreams) -> World:
    """Draw one replication's delays and rates and put every date on one day clock."""
    u = model.uncertainty
    # The streams made in one batch, several times cheaper than one by one (the draws
    # below then find them made); which are used, and how, is unchanged.
    streams.get_many(_world_streams(model))
    epoch = epoch_of(model)
    drawn = []
    common = common_delay_days(model, streams)

    def once(stream: str, site: Site, name: str, dist: Distribution) -> float:
        # Each drawn quantity has its own stream, so switching one between a fixed value
        # and a distribution leaves every other draw unchanged.
        return float(dist.sample(streams.get(stream, "site", site.id, name), 1)[0])

    for site in model.sites:
        env_delay = round(once("delays", site, "environment", u.training_environment_delay_days))
        env_delay += common.get(("training_environment", site.id), 0)
        go_delay = round(once("delays", site, "go_live", u.go_live_delay_days))
        go_delay += common.get(("go_live", site.id), 0)
        targets = [(site.planned_go_live, None)] + [(p.go_live, p.decided) for p in site.postponements]
        if go_delay > 0:
            decided = site.go_live - dt.timedelta(days=round(u.go_live_delay_decided_weeks_before * 7))
            # A slip is decided no earlier than the previous decision.
            if targets[-1][1] is not None:
                decided = max(decided, targets[-1][1])
            targets.append((site.go_live + dt.timedelta(days=go_delay), decided))
        rates = [once("rates", site, name, dist) for name, dist in (
            ("no_show", u.no_show_probability), ("learner_sick", u.learner_sick_probability),
            ("instructor_sick", u.instructor_sick_probability), ("turnover", u.turnover_per_year),
            ("long_term_leave", u.long_term_leave_share))]
        drawn.append((site, targets, site.training_environment_ready + dt.timedelta(days=env_delay), rates))
    last = max(t[-1][0] for _, t, _, _ in drawn)
    horizon = dt.timedelta(days=math.ceil(model.horizon_weeks_after_go_live * 7))
    end = last + horizon
    sites = []
    for i, (site, targets, ready, rates) in enumerate(drawn):
        cal = _calendar(epoch, end, model.calendar, _site_closures(model.calendar, site.id))
        # A move decided before the simulation starts is in force from its first day.
        day_targets = tuple(
            (0 if decided is None else max((decided - epoch).days, 0), (go - epoch).days) for go, decided in targets)
        site_end = (targets[-1][0] + horizon - epoch).days
        sites.append(SiteWorld(i, site, cal, day_targets, (ready - epoch).days, site_end, *rates))
    certified = {}
    for pool in model.pools:
        delay = round(float(u.certification_delay_days.sample(streams.get("delays", "pool", pool.id), 1)[0]))
        delay += common.get(("certification", pool.home_site), 0)
        cal = _calendar(epoch, end, model.calendar, _site_closures(model.calendar, pool.home_site))
        start = np.array([(pool.certification_start - epoch).days])
        done = int(cal.add_working_days(start, np.array([pool.certification_days]))[0]) if pool.certification_days else int(start[0]) - 1
        certified[pool.id] = done + 1 + delay
    return World(epoch, end, (end - epoch).days + 1, tuple(sites), certified)
