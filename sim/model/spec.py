"""The validated model and experiment: frozen dataclasses built once from TOML.

Nothing here is mutated during a run. Units are in the names (``_days``, ``_weeks``,
``_hours``); dates are :class:`datetime.date`. Uncertain quantities are
:mod:`sim.model.distributions` objects: *rates* (probabilities, turnover) are drawn once per
replication and site, *durations and paces* once per learner or event.
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from pathlib import Path

from sim.model.calendar import Closure
from sim.model.distributions import Distribution, Fixed
from sim.model.parameter_sets import ParameterSets

CURRICULUM_KINDS = ("super_user", "end_user")
SITE_KINDS = ("hospital", "municipality")
SCHEDULING_POLICIES = ("earliest_go_live", "largest_backlog", "site_order")
# How courses of several sites that the policy ranks equal share a venue: rooms split
# between the sites in proportion to what each can fill, or the courses taking turns.
VENUE_SHARING = ("by_site", "by_course")


@dataclass(frozen=True)
class Readiness:
    """When a site counts as ready on the eve of its go-live: every criterion holds.

    ``share`` of the active required staff trained (e-learning, classroom course(s) and
    the proficiency check); ``super_users`` of the active super-users trained;
    ``unit_share`` (None: not a criterion) in every unit; ``self_training``: whether a
    learner counts as trained only once self-training is done too (the check then
    follows self-training, as the project's first model had it).
    """

    share: float = 0.95
    super_users: float = 1.0
    unit_share: float | None = None
    self_training: bool = False

    def describe(self, active: int | None = None) -> str:
        """The criteria in words: 'at least 95% of active staff and every super-user'
        ('... of 3,140 active staff' given their number)."""
        staff = "active staff" if active is None else f"{active:,} active staff"
        parts = [f"all {staff}" if self.share >= 1 else f"at least {share_text(self.share)} of {staff}"]
        if self.super_users >= 1:
            parts.append("every super-user")
        elif self.super_users > 0:
            parts.append(f"{share_text(self.super_users)} of super-users")
        if self.unit_share is not None:
            parts.append(f"every unit at {share_text(self.unit_share)}")
        text = ", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else parts[0]
        return text + (" (self-training included)" if self.self_training else "")


def share_text(x: float) -> str:
    """A share as a criterion states it, unrounded: 0.95 -> '95%', 0.985 -> '98.5%'."""
    value = 100 * x
    return f"{value:.0f}%" if abs(value - round(value)) < 1e-9 else f"{value:g}%"


@dataclass(frozen=True)
class Course:
    """A classroom course: needs a room and a certified instructor for ``slots`` slots."""

    id: str
    hours: float
    slots: int
    min_class: int
    max_class: int


@dataclass(frozen=True)
class Proficiency:
    """A check after self-training; a learner who fails ``max_attempts`` times retakes the last course."""

    pass_probability: Distribution
    max_attempts: int
    retake_days: int


@dataclass(frozen=True)
class Curriculum:
    """What one staff group must complete, in order: e-learning, courses, self-training, check."""

    id: str
    kind: str
    elearning_hours: float
    elearning_opens_weeks_before_go_live: float
    window_weeks: float
    valid_weeks: float
    self_training_hours: float
    courses: tuple[Course, ...]
    proficiency: Proficiency | None
    refresher: Course | None


@dataclass(frozen=True)
class StaffGroup:
    """Staff of one role (and unit) at one site who follow one curriculum."""

    id: str
    site: str
    role: str
    unit: str
    headcount: int
    curriculum: str
    max_share_in_class_per_day: float


@dataclass(frozen=True)
class Postponement:
    """On ``decided`` the go-live was moved to ``go_live``."""

    decided: dt.date
    go_live: dt.date


@dataclass(frozen=True)
class Site:
    """A hospital or municipality with its go-live.

    ``planned_go_live`` is the date training was first aimed at; each postponement
    moves it, and the last one gives the go-live that happens.
    """

    id: str
    name: str
    kind: str
    wave: str
    planned_go_live: dt.date
    postponements: tuple[Postponement, ...]
    training_environment_ready: dt.date
    readiness: Readiness = field(default_factory=Readiness)
    # The first day classes of each curriculum kind may run for the planned go-live
    # (None: the curriculum's own window). The window keeps its length for a later go-live.
    classes_from: tuple[tuple[str, dt.date], ...] = ()

    @property
    def go_live(self) -> dt.date:
        """The go-live after every postponement."""
        return self.postponements[-1].go_live if self.postponements else self.planned_go_live


@dataclass(frozen=True)
class Loan:
    """``count`` instructors of a pool teach only at ``to_site`` from ``start`` to ``end`` inclusive."""

    to_site: str
    count: int
    start: dt.date
    end: dt.date


@dataclass(frozen=True)
class InstructorPool:
    """Instructors with a home site, certified by a train-the-trainer course before they teach."""

    id: str
    home_site: str
    count: int
    sites: tuple[str, ...]
    certification_start: dt.date
    certification_days: int
    prep_slots: int
    loans: tuple[Loan, ...]


@dataclass(frozen=True)
class Venue:
    """A training venue with ``rooms`` classrooms of ``seats`` seats, used by ``sites``."""

    id: str
    name: str
    sites: tuple[str, ...]
    rooms: int
    seats: int


@dataclass(frozen=True)
class SiteClosure:
    """Days on which the listed sites (all sites when empty) run no classes."""

    closure: Closure
    sites: tuple[str, ...]


@dataclass(frozen=True)
class CalendarSpec:
    """Which days are working days for classroom training."""

    country: str | None
    summer_weeks: tuple[int, ...]
    christmas: tuple[str, str] | None
    closures: tuple[SiteClosure, ...]


@dataclass(frozen=True)
class Operations:
    """Operational limits on scheduling."""

    booking_horizon_days: int
    new_hire_grace_days: int


@dataclass(frozen=True)
class Uncertainty:
    """Every source of randomness of the model, each a distribution."""

    elearning_pace_hours_per_day: Distribution
    self_training_pace_hours_per_day: Distribution
    no_show_probability: Distribution
    no_show_rebook_days: Distribution
    learner_sick_probability: Distribution
    learner_sick_days: Distribution
    instructor_sick_probability: Distribution
    turnover_per_year: Distribution
    hire_lag_days: Distribution
    training_environment_delay_days: Distribution
    certification_delay_days: Distribution
    go_live_delay_days: Distribution
    go_live_delay_decided_weeks_before: float
    # The share of a site's staff away on long-term (sick or parental) leave at go-live,
    # drawn per replication and site; each is back this many weeks after go-live.
    long_term_leave_share: Distribution = field(default_factory=lambda: Fixed(0.0))
    long_term_leave_return_weeks: Distribution = field(default_factory=lambda: Fixed(0.0))


COMMON_DELAY_KINDS = ("training_environment", "certification", "go_live")


@dataclass(frozen=True)
class CommonDelay:
    """A delay with one cause that can strike several sites in the same replication.

    With probability ``probability`` the cause strikes, and every listed site (for
    ``certification``: every pool whose home site is listed) is late by the same drawn
    ``days``. ``independent`` draws it for each site on its own instead, with the same
    probability and days: the same marginal risk without the correlation, to compare.
    """

    id: str
    delays: str
    sites: tuple[str, ...]
    probability: float
    days: Distribution
    independent: bool = False


@dataclass(frozen=True)
class ModelSpec:
    """The whole validated world of one model file (after any overrides)."""

    name: str
    description: str
    readiness: Readiness
    horizon_weeks_after_go_live: float
    scheduling_policy: str
    slot_hours: float
    slots_per_day: int
    calendar: CalendarSpec
    sites: tuple[Site, ...]
    groups: tuple[StaffGroup, ...]
    curricula: tuple[Curriculum, ...]
    pools: tuple[InstructorPool, ...]
    venues: tuple[Venue, ...]
    operations: Operations
    uncertainty: Uncertainty
    data_files: tuple[Path, ...] = ()  # files the model reads besides itself (headcount CSVs)
    common_delays: tuple[CommonDelay, ...] = ()
    venue_sharing: str = "by_site"

    def site(self, site_id: str) -> Site:
        """The site with this id."""
        return next(s for s in self.sites if s.id == site_id)

    def curriculum(self, curriculum_id: str) -> Curriculum:
        """The curriculum with this id."""
        return next(c for c in self.curricula if c.id == curriculum_id)

    def headcount(self, site_id: str) -> int:
        """Total staff of a site over all its groups."""
        return sum(g.headcount for g in self.groups if g.site == site_id)

    def daily_limit_headcount(self, group: StaffGroup) -> int:
        """The headcount a group's share of its unit's daily limit counts: its own, or
        for super-users without a unit of their own (their unit is their group id) the
        whole site's, since they come from every ward and each ward may send its share."""
        spread = group.unit == group.id and self.curriculum(group.curriculum).kind == "super_user"
        return self.headcount(group.site) if spread else group.headcount

    def window_days(self, site: Site, curriculum: Curriculum) -> int:
        """Days before a go-live that classes of ``curriculum`` may start at ``site``."""
        own = math.ceil(curriculum.window_weeks * 7)
        start = dict(site.classes_from).get(curriculum.kind)
        return own if start is None else (site.planned_go_live - start).days

    def valid_days(self, site: Site, curriculum: Curriculum) -> int:
        """How long training stays current at ``site``: the curriculum's validity, and at
        least the site's window (training inside the window must count at go-live)."""
        return max(math.ceil(curriculum.valid_weeks * 7), self.window_days(site, curriculum))

    def elearning_opens_days(self, site: Site, curriculum: Curriculum) -> int:
        """Days before a go-live that e-learning opens: the curriculum's, or as long before
        a site's earlier classes as the curriculum puts it before its own window."""
        own = math.ceil(curriculum.elearning_opens_weeks_before_go_live * 7)
        lead = own - math.ceil(curriculum.window_weeks * 7)
        return max(own, self.window_days(site, curriculum) + lead)


@dataclass(frozen=True)
class Scenario:
    """A named variant of the model: the overrides it applies and the model they give."""

    name: str
    description: str
    overrides: tuple[tuple[str, object], ...]
    model: ModelSpec
    # The model's raw tables after every override: what the results folder records.
    raw_model: dict = field(default_factory=dict, compare=False, hash=False, repr=False)
    # Targets whose measures each replication of this scenario reports (a calibration's).
    targets: tuple[TargetSpec, ...] = ()
    # With parameter sets (ExperimentSpec.parameter_sets): the model under each set, in
    # the sets' order; each replication runs the one its draw picks.
    variants: tuple[ModelSpec, ...] = field(default=(), compare=False, repr=False)


@dataclass(frozen=True)
class ExperimentSpec:
    """An experiment: which model, how many replications, which seed, which scenarios."""

    name: str
    description: str
    file: Path
    model_file: Path
    replications: int
    seed: int
    scenarios: tuple[Scenario, ...] = field(default_factory=tuple)
    studies: Studies = field(default_factory=lambda: Studies())
    targets: tuple[TargetSpec, ...] = ()
    parameter_sets: ParameterSets | None = None  # [experiment] parameters: inputs drawn per replication
    # The experiment's and the model's raw tables after --set (before scenarios): what
    # the results folder records, and what --resume reads back.
    raw: dict = field(default_factory=dict, compare=False, hash=False, repr=False)
    raw_model: dict = field(default_factory=dict, compare=False, hash=False, repr=False)


@dataclass(frozen=True)
class SweepSpec:
    """A grid of values for dotted keys (``[sweep]``); values as the user wrote them."""

    vary: tuple[tuple[str, tuple[object, ...]], ...]
    scenario: str | None = None
    replications: int | None = None


@dataclass(frozen=True)
class Parameter:
    """An uncertain input of a sensitivity analysis, between ``low`` and ``high``."""

    key: str
    name: str
    low: object
    high: object


@dataclass(frozen=True)
class SensitivitySpec:
    """``[sensitivity]``: the parameters and the size of each method's design."""

    parameters: tuple[Parameter, ...]
    scenario: str | None = None
    replications: int | None = None
    morris_trajectories: int = 10
    morris_levels: int = 4
    sobol_samples: int = 64


@dataclass(frozen=True)
class CapacitySpec:
    """``[capacity]``: the default question of ``rollout-sim capacity``."""

    site: str | None = None
    max_risk: float | None = None
    vary: str | None = None
    low: object = None
    high: object = None
    step: object = None
    scenario: str | None = None
    replications: int | None = None


@dataclass(frozen=True)
class Studies:
    """The study tables of an experiment file (each None when absent)."""

    sweep: SweepSpec | None = None
    sensitivity: SensitivitySpec | None = None
    capacity: CapacitySpec | None = None
    calibration: CalibrationSpec | None = None


@dataclass(frozen=True)
class CalibrationSpec:
    """``[calibration]``: the uncertain inputs to fit to the experiment's targets (each
    uniform from ``low`` to ``high``), and the size of the history matching."""

    parameters: tuple[Parameter, ...]
    replications: int = 10  # per parameter set and scenario
    points: int = 64  # parameter sets per wave
    waves: int = 4


@dataclass(frozen=True)
class TargetSpec:
    """An observed figure the model is compared with (a ``[[target]]`` table): the
    simulated ``measure`` of one scenario, computed per replication, against ``observed``.

    The uncertainty has two parts, both one standard deviation in the measure's unit:
    ``sd``, how far the observation itself may be off, and ``discrepancy_sd``, how far
    even a right model may be from it (what it leaves out). Which of the fields after
    ``scenario`` apply depends on the measure (sim.model.target_file.MEASURES).
    """

    name: str
    measure: str
    observed: float
    sd: float
    discrepancy_sd: float
    source: str
    scenario: str | None = None  # None: the experiment's first
    sites: tuple[str, ...] = ()  # () with a measure over sites: every site
    kind: str | None = None  # a curriculum kind: end_user, super_user, ...
    first: dt.date | None = None  # a date range, both ends included
    last: dt.date | None = None
    day: dt.date | None = None  # the date a share is read on
    held_out: bool = False  # compared, but not fitted to
