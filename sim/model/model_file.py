"""Read a model TOML file (the world) into a validated :class:`~sim.model.spec.ModelSpec`.

Reading is in two steps so that overrides (scenarios, ``--set``) are checked exactly
like file values: :func:`load_toml` gives the raw tables, :func:`build_model` validates
them. Every problem is collected and raised together as a :class:`ConfigError`.
"""
from __future__ import annotations

import datetime as dt
import math
import tomllib
from pathlib import Path
from typing import Any

from sim.errors import ConfigError, Problem, excerpt
from sim.limits import (
    MAX_CLASS,
    MAX_COURSE_HOURS,
    MAX_DAYS,
    MAX_DESCRIPTION_LENGTH,
    MAX_HEADCOUNT,
    MAX_HOURS_PER_DAY,
    MAX_INSTRUCTORS,
    MAX_NAME_LENGTH,
    MAX_NESTING,
    MAX_PATH_LENGTH,
    MAX_ROOMS,
    MAX_SEATS,
    MAX_TOML_BYTES,
    MAX_TURNOVER_PER_YEAR,
    MAX_WEEKS,
)
from sim.model.calendar import Closure
from sim.model.input_files import InputFileError, nesting, read_text, resolved, shown_path
from sim.model.reader import Problems, Table, text_problem, unique_ids
from sim.model.spec import (
    COMMON_DELAY_KINDS,
    CURRICULUM_KINDS,
    SCHEDULING_POLICIES,
    SITE_KINDS,
    VENUE_SHARING,
    CalendarSpec,
    CommonDelay,
    Course,
    Curriculum,
    InstructorPool,
    Loan,
    ModelSpec,
    Operations,
    Postponement,
    Proficiency,
    Readiness,
    Site,
    SiteClosure,
    StaffGroup,
    Uncertainty,
    Venue,
)
from sim.model.staff_csv import read_headcounts

MODEL_KEYS = ("model", "readiness", "calendar", "operations", "uncertainty", "site", "staff_group",
              "staff_csv", "curriculum", "instructor_pool", "venue", "common_delay")


def load_toml(path: Path) -> dict[str, Any]:
    """Parse a TOML file; anything but a readable TOML file of bounded size and nesting
    (missing, a folder, a pipe or a device, too large, not UTF-8, a syntax error, nested
    too deep) becomes a ConfigError that names the file."""
    file = shown_path(path)
    try:
        text = read_text(path, MAX_TOML_BYTES, "a TOML file")
    except InputFileError as err:
        raise ConfigError([Problem(file, "", err.message)]) from None
    deep = f"tables or arrays nested more than {MAX_NESTING} deep; expected at most {MAX_NESTING} levels"
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:  # its message gives a line and a column, not the text
        raise ConfigError([Problem(file, "", f"not valid TOML: {err}")]) from None
    except RecursionError:  # tomllib recurses into inline tables and arrays
        raise ConfigError([Problem(file, "", deep)]) from None
    except ValueError:  # a whole number of more than 4,300 digits, which Python refuses to read
        raise ConfigError([Problem(file, "", "not valid TOML: a number too long to read")]) from None
    if nesting(raw) > MAX_NESTING:
        raise ConfigError([Problem(file, "", deep)])
    return raw


def load_model(path: Path) -> ModelSpec:
    """Read and validate a model file."""
    return build_model(load_toml(path), path)


def build_model(raw: dict[str, Any], path: Path, label: str | None = None) -> ModelSpec:
    """Validate raw model tables (read from ``path``) into a ModelSpec.

    ``label`` names the source in messages when it is not just the file (for example a
    scenario's overrides applied to it).
    """
    problems = Problems()
    file = label or str(path)
    root = Table(raw, "", file, problems)
    spec = _Builder(root, path, problems).build()
    if problems:
        raise ConfigError(problems.items)
    assert spec is not None  # build() gives no spec only when it recorded a problem
    return spec


class _Builder:
    def __init__(self, root: Table, path: Path, problems: Problems) -> None:
        self.root = root
        self.path = path
        self.problems = problems
        self.data_files: list[Path] = []
        self.site_keys: dict[str, str] = {}  # site id -> the dotted key of its [[site]]

    def build(self) -> ModelSpec | None:
        root = self.root
        model = root.table("model", required=True)
        name = model.str("name")
        description = model.str("description", "", max_length=MAX_DESCRIPTION_LENGTH, multiline=True)
        if model.has("readiness_threshold"):
            model.problem("readiness_threshold", "no longer a key: readiness has its own table; expected "
                                                 "[readiness] share = 0.95 (and super_users, unit_share, self_training)")
        horizon = model.number("horizon_weeks_after_go_live", 26, low=1, high=MAX_WEEKS)
        policy = model.str("scheduling_policy", "earliest_go_live", choices=SCHEDULING_POLICIES)
        sharing = model.str("venue_sharing", "by_site", choices=VENUE_SHARING)
        slot_hours = model.number("slot_hours", low=0.5, high=12)
        slots_per_day = model.number("slots_per_day", integer=True, low=1, high=4)
        model.finish()
        if slot_hours and slots_per_day and slot_hours * slots_per_day > 24:
            model.problem("slots_per_day", f"expected slots that fit in a day: slot_hours x slots_per_day at most 24 hours, "
                                           f"got {slot_hours:g} x {slots_per_day} = {slot_hours * slots_per_day:g} hours")

        readiness = self.readiness(root.table("readiness"), Readiness())
        sites = self.sites(readiness or Readiness())
        site_ids = {s.id for s in sites if s is not None and s.id}
        curricula = self.curricula(slot_hours)
        curriculum_ids = {c.id for c in curricula if c is not None and c.id}
        operations = self.operations()
        share_default = operations[1] if operations else None
        groups = self.groups(sites, site_ids, curriculum_ids, share_default)
        pools = self.pools(site_ids)
        venues = self.venues(site_ids)
        calendar = self.calendar(site_ids)
        uncertainty = self.uncertainty()
        common = self.common_delays(site_ids)
        root.finish()
        if self.problems:
            return None
        assert readiness is not None  # None only where a problem was recorded, and there is none
        self.cross_checks(sites, groups, pools)
        return ModelSpec(
            name=name, description=description, readiness=readiness,
            horizon_weeks_after_go_live=float(horizon), scheduling_policy=policy, venue_sharing=sharing,
            slot_hours=float(slot_hours), slots_per_day=slots_per_day, calendar=calendar,
            sites=tuple(sites), groups=tuple(groups), curricula=tuple(curricula),
            pools=tuple(pools), venues=tuple(venues), operations=operations[0],
            uncertainty=uncertainty, data_files=tuple(self.data_files), common_delays=tuple(common),
        )

    # -- readiness -----------------------------------------------------------------------
    def readiness(self, t: Table, base: Readiness) -> Readiness | None:
        """Readiness criteria: the keys of ``t`` over ``base`` (the model's, for a site)."""
        share = t.number("share", base.share, low=0, high=1, low_open=True)
        super_users = t.number("super_users", base.super_users, low=0, high=1)
        unit_share = t.number("unit_share", base.unit_share, low=0, high=1, low_open=True)
        gates = t.value("self_training", base.self_training)
        if not isinstance(gates, bool):
            t.problem("self_training", f"expected true or false, got {gates!r}")
            gates = None
        t.finish()
        if None in (share, super_users, gates):
            return None
        return Readiness(float(share), float(super_users), None if unit_share is None else float(unit_share), gates)

    # -- sites ---------------------------------------------------------------------------
    def sites(self, readiness: Readiness) -> list[Site]:
        tables = self.root.tables("site", required=True)
        if not tables and "site" in self.root.data:
            self.root.problem("site", "expected at least one [[site]]")
        ids = self.ids(tables, "site")
        self.site_keys = {ident: t.key for t, ident in zip(tables, ids) if ident is not None}
        out = []
        for t, ident in zip(tables, ids):
            planned = t.date("go_live")
            ready = t.date("training_environment_ready")
            moves: list[Postponement] = []
            in_force = planned
            for pt in t.tables("postponement"):
                decided, go_live = pt.date("decided"), pt.date("go_live")
                pt.finish()
                # A move may bring the go-live forward, but not to a day before training can start.
                after_ready = go_live is None or ready is None or ready < go_live
                if not after_ready:
                    pt.problem("go_live", f"go-live {go_live} is not after training can start ({ready}); "
                                          f"expected a date after the site's training_environment_ready")
                if None in (decided, go_live, in_force):
                    in_force = None
                    continue
                if not decided < in_force:
                    pt.problem("decided", f"expected a date before the go-live it moves ({in_force}), got {decided}")
                elif not decided < go_live:
                    if after_ready:
                        pt.problem("go_live", f"expected a date after the decision ({decided}), got {go_live}")
                elif moves and decided < moves[-1].decided:
                    pt.problem("decided", f"expected postponements in order; {decided} is before the previous decision ({moves[-1].decided})")
                moves.append(Postponement(decided, go_live))
                in_force = go_live
            classes_from = []
            for kind in CURRICULUM_KINDS:
                start = t.date(f"{kind}_classes_from", None)
                if start is not None and planned is not None and not start < planned:
                    t.problem(f"{kind}_classes_from", f"expected a date before go-live ({planned}), got {start}")
                elif start is not None:
                    classes_from.append((kind, start))
            site_readiness = self.readiness(t.table("readiness"), readiness) if t.has("readiness") else readiness
            site = Site(
                id=ident, name=t.str("name", ident), kind=t.str("kind", choices=SITE_KINDS),
                wave=t.str("wave", "") or (planned.isoformat() if planned else ""),
                planned_go_live=planned, postponements=tuple(moves), training_environment_ready=ready,
                readiness=site_readiness or readiness, classes_from=tuple(classes_from),
            )
            t.finish()
            if ready and planned and ready >= planned:
                t.problem("training_environment_ready", f"go-live {planned} is not after training can start ({ready}); expected a date before go-live")
            out.append(site)
        return out

    # -- curricula -----------------------------------------------------------------------
    def course(self, t: Table, slot_hours: float | None, ident: str | None) -> Course:
        """A course (or a refresher) whose id has been read already (None where bad)."""
        hours = t.number("hours", low=0, low_open=True, high=MAX_COURSE_HOURS)
        min_class = t.number("min_class", 1, integer=True, low=1, high=MAX_CLASS)
        max_class = t.number("max_class", integer=True, low=1, high=MAX_CLASS)
        t.finish()
        if min_class and max_class and min_class > max_class:
            t.problem("min_class", f"expected at most max_class ({max_class}), got {min_class}")
        slots = math.ceil(hours / slot_hours - 1e-9) if hours and slot_hours else None
        # ident and slots are None only where a problem was recorded: then build() gives no spec.
        return Course(ident, hours, slots, min_class, max_class)  # type: ignore[arg-type]

    def curricula(self, slot_hours: float | None) -> list[Curriculum]:
        tables = self.root.tables("curriculum", required=True)
        ids = self.ids(tables, "curriculum")
        out = []
        for t, ident in zip(tables, ids):
            courses_t = t.tables("course", required=True)
            if not courses_t and t.has("course"):
                t.problem("course", "expected at least one [[curriculum.course]]")
            course_ids = self.ids(courses_t, "course")
            courses = tuple(self.course(c, slot_hours, i) for c, i in zip(courses_t, course_ids))
            window = t.number("window_weeks", low=0, low_open=True, high=104)
            valid = t.number("valid_weeks", window, low=0, low_open=True, high=MAX_WEEKS)
            if window and valid and valid < window:
                t.problem("valid_weeks", f"expected at least window_weeks ({window}): training inside the window must count at go-live")
            prof = None
            if t.has("proficiency"):
                p = t.table("proficiency")
                prof = Proficiency(
                    pass_probability=p.distribution("pass_probability", low=0, high=1),
                    max_attempts=p.number("max_attempts", integer=True, low=1, high=20),
                    retake_days=p.number("retake_days", 1, integer=True, low=0, high=60),
                )
                p.finish()
            refresher = None
            if t.has("refresher"):
                r = t.table("refresher")
                refresher = self.course(r, slot_hours, "refresher")  # a refresher has no id key
            out.append(Curriculum(
                id=ident, kind=t.str("kind", choices=CURRICULUM_KINDS),
                elearning_hours=t.number("elearning_hours", low=0, high=MAX_COURSE_HOURS),
                elearning_opens_weeks_before_go_live=t.number("elearning_opens_weeks_before_go_live", low=0, high=104),
                window_weeks=window, valid_weeks=valid,
                self_training_hours=t.number("self_training_hours", low=0, high=MAX_COURSE_HOURS),
                courses=courses, proficiency=prof, refresher=refresher,
            ))
            t.finish()
        return out

    # -- staff ---------------------------------------------------------------------------
    def operations(self) -> tuple[Operations, float | None]:
        t = self.root.table("operations", required=True)
        ops = Operations(
            booking_horizon_days=t.number("booking_horizon_days", integer=True, low=0, high=365),
            new_hire_grace_days=t.number("new_hire_grace_days", integer=True, low=0, high=365),
        )
        share = t.number("max_share_in_class_per_day", low=0, high=1, low_open=True)
        t.finish()
        return ops, share

    def groups(self, sites: list[Site], site_ids: set[str], curriculum_ids: set[str],
               share_default: float | None) -> list[StaffGroup]:
        out: list[StaffGroup] = []
        tables = self.root.tables("staff_group")
        ids = self.ids(tables, "staff_group")
        for t, ident in zip(tables, ids):
            site = self.ref(t, "site", site_ids, "site")
            out.append(StaffGroup(
                id=ident, site=site, role=t.str("role"), unit=t.str("unit", ident),
                headcount=t.number("headcount", integer=True, low=0, high=MAX_HEADCOUNT),
                curriculum=self.ref(t, "curriculum", curriculum_ids, "curriculum"),
                max_share_in_class_per_day=t.number("max_share_in_class_per_day", share_default, low=0, high=1, low_open=True),
            ))
            t.finish()
        before_csv = len(self.problems.items)
        for t in self.root.tables("staff_csv"):
            out.extend(self.csv_groups(t, site_ids, curriculum_ids, share_default))
        # Which site a bad group or CSV row was meant for is not known: then do not guess
        # that a site has no staff.
        sure = len(self.problems.items) == before_csv and all(g.site and g.headcount is not None for g in out)
        # Ids within [[staff_group]] were checked above; here a CSV row may repeat one.
        seen = {g.id for g in out[: len(tables)]}
        for g in out[len(tables):]:
            if g.id in seen:
                self.problems.add(self.root.file, f"staff_group.{g.id}", "a CSV row gives the same site/unit/role as another group")
            seen.add(g.id)
        if not out and not self.problems:
            self.root.problem("staff_group", "no staff: expected [[staff_group]] tables or a [[staff_csv]] file")
        elif out and sure:
            self.staffed(sites, out)
        return out

    def staffed(self, sites: list[Site], groups: list[StaffGroup]) -> None:
        """Every site has staff: a site nobody is trained for is a mistake in the file."""
        for site in sites:
            if not site.id or site.id not in self.site_keys:
                continue
            mine = [g for g in groups if g.site == site.id]
            key = self.site_keys[site.id]
            if not mine:
                self.problems.add(self.root.file, key, "no staff; expected at least one [[staff_group]] "
                                                       "(or headcount CSV row) for this site")
            elif sum(g.headcount for g in mine) == 0:
                self.problems.add(self.root.file, key, "no staff: the headcounts of its staff groups add up to 0; "
                                                       "expected at least one [[staff_group]] (or headcount CSV row) "
                                                       "with a headcount above 0 for this site")

    def csv_groups(self, t: Table, site_ids: set[str], curriculum_ids: set[str], share: float | None) -> list[StaffGroup]:
        file = t.str("file", max_length=MAX_PATH_LENGTH)
        by_role = t.table("curricula", required=True)
        roles = {}
        for role in list(by_role.data):
            wrong = text_problem(role, MAX_NAME_LENGTH)
            if wrong:  # a role as the CSV's cells are held to (and not quoted whole in a key)
                by_role.has(role)
                by_role.problem("", f"role {excerpt(role)}: {wrong}")
                continue
            roles[role] = self.ref(by_role, role, curriculum_ids, "curriculum")
        by_role.finish()
        t.finish()
        if file is None:
            return []
        path = resolved(self.path.parent / file)
        if path is None:
            t.problem("file", "cannot resolve the path (a symbolic link that loops, or a name too long); "
                              "expected the path of a CSV file")
            return []
        self.data_files.append(path)
        rows = read_headcounts(path, self.problems, max_count=MAX_HEADCOUNT)
        out = []
        name = shown_path(path)
        for row in rows:
            if row.site not in site_ids:
                self.problems.add(name, f"line {row.line}.site", f"no site with id {excerpt(row.site)}; expected one of {', '.join(sorted(site_ids))}")
                continue
            if row.role not in roles:
                self.problems.add(name, f"line {row.line}.role", f"role {excerpt(row.role)} has no curriculum in {t.path('curricula')}; expected one of {', '.join(sorted(roles))}")
                continue
            gid = f"{row.site}/{row.unit}/{row.role}"
            # share is None only where a problem was recorded: then build() gives no spec.
            out.append(StaffGroup(gid, row.site, row.role, f"{row.site}/{row.unit}", row.count, roles[row.role],
                                  share))  # type: ignore[arg-type]
        return out

    # -- capacity --------------------------------------------------------------------------
    def pools(self, site_ids: set[str]) -> list[InstructorPool]:
        tables = self.root.tables("instructor_pool")
        ids = self.ids(tables, "instructor_pool")
        out = []
        for t, ident in zip(tables, ids):
            home = self.ref(t, "home_site", site_ids, "site")
            sites = self.site_list(t, site_ids, (home,) if home else None)
            count = t.number("count", integer=True, low=0, high=MAX_INSTRUCTORS)
            loans = []
            loan_tables = t.tables("loan")
            for lt in loan_tables:
                loan = Loan(self.ref(lt, "to_site", site_ids, "site"),
                            lt.number("count", integer=True, low=1, high=MAX_INSTRUCTORS),
                            lt.date("start"), lt.date("end"))
                lt.finish()
                if loan.start and loan.end and loan.end < loan.start:
                    lt.problem("end", f"expected a date on or after start ({loan.start}), got {loan.end}")
                if loan.count and count is not None and loan.count > count:
                    lt.problem("count", f"expected at most the pool's count ({count}), got {loan.count}")
                loans.append(loan)
            if count is not None:
                self.check_loans(loan_tables, loans, count)
            out.append(InstructorPool(
                id=ident, home_site=home, count=count, sites=sites or (),
                certification_start=t.date("certification_start"),
                certification_days=t.number("certification_days", integer=True, low=0, high=250),
                prep_slots=t.number("prep_slots", 0, integer=True, low=0, high=20),
                loans=tuple(loans),
            ))
            t.finish()
        return out

    def check_loans(self, tables: list[Table], loans: list[Loan], count: int) -> None:
        """On no day may the loans active that day lend more instructors than the pool has.

        A problem goes on the count of the loan that comes later in the list.
        """
        earlier: list[tuple[int, Loan]] = []  # the loans before this one that are valid
        for i, (lt, loan) in enumerate(zip(tables, loans)):
            if not (loan.count and loan.start and loan.end) or loan.end < loan.start or loan.count > count:
                continue  # already reported (or missing)
            # What earlier loans lend changes only on their first days, so the busiest day of
            # this loan is its first day or the first day of an earlier loan within it.
            days = sorted({loan.start, *(o.start for _, o in earlier if loan.start < o.start <= loan.end)})
            for day in days:
                active = [(j, o) for j, o in earlier if o.start <= day <= o.end]
                total = loan.count + sum(o.count for _, o in active)
                if total > count:
                    last = min([loan.end, *(o.end for _, o in active)])
                    loan_keys = [f"loan.{j}" for j, _ in active]
                    names = ", ".join(loan_keys[:-1]) + " and " + loan_keys[-1] if len(loan_keys) > 1 else loan_keys[0]
                    lt.problem("count", f"overlaps {names} from {day} to {last}, when together they lend {total} "
                                        f"instructors; expected the loans active on any day to add up to at most "
                                        f"the pool's count ({count})")
                    break
            earlier.append((i, loan))

    def venues(self, site_ids: set[str]) -> list[Venue]:
        tables = self.root.tables("venue")
        ids = self.ids(tables, "venue")
        out = []
        for t, ident in zip(tables, ids):
            sites = self.site_list(t, site_ids)
            out.append(Venue(ident, t.str("name", ident), sites or (),
                             t.number("rooms", integer=True, low=0, high=MAX_ROOMS),
                             t.number("seats", integer=True, low=1, high=MAX_SEATS)))
            t.finish()
        return out

    def calendar(self, site_ids: set[str]) -> CalendarSpec:
        t = self.root.table("calendar", required=True)
        country = t.str("country")  # required: a calendar without public holidays must be chosen, not defaulted
        if country is not None and country.lower() == "none":
            country = None
        weeks = t.int_list("summer_weeks", (), low=1, high=53) or ()  # ISO week numbers
        christmas = t.str_list("christmas", None)
        if christmas is not None and len(christmas) != 2:
            t.problem("christmas", 'expected two "MM-DD" texts, like ["12-22", "01-02"]')
            christmas = None
        closures = []
        for ct in t.tables("closure"):
            start, end = ct.date("start"), ct.date("end")
            sites = ct.str_list("sites", ())
            for s in sites or ():
                if s not in site_ids:
                    ct.problem("sites", f"no site with id {s!r}")
            reason = ct.str("reason", "")
            ct.finish()
            if start and end:
                if end < start:
                    ct.problem("end", f"expected a date on or after start ({start}), got {end}")
                else:
                    closures.append(SiteClosure(Closure(start, end, reason), tuple(sites or ())))
        t.finish()
        spec = CalendarSpec(country, tuple(weeks), tuple(christmas) if christmas else None, tuple(closures))
        self.check_calendar(t, spec)
        return spec

    def check_calendar(self, t: Table, spec: CalendarSpec) -> None:
        """Try the country and the Christmas period each on its own, so that a problem
        names the key it is about."""
        from sim.model.calendar import WorkingCalendar

        day = dt.date(2022, 1, 1)
        for name, kwargs in (("country", {"country": spec.country}),
                             ("christmas", {"country": None, "christmas": spec.christmas})):
            try:
                WorkingCalendar(day, day, **kwargs)
            except ValueError as err:
                t.problem(name, str(err))

    def uncertainty(self) -> Uncertainty:
        t = self.root.table("uncertainty", required=True)
        d = t.distribution
        u = Uncertainty(
            elearning_pace_hours_per_day=d("elearning_pace_hours_per_day", low=0, high=MAX_HOURS_PER_DAY),
            self_training_pace_hours_per_day=d("self_training_pace_hours_per_day", low=0, high=MAX_HOURS_PER_DAY),
            no_show_probability=d("no_show_probability", low=0, high=1),
            no_show_rebook_days=d("no_show_rebook_days", low=0, high=MAX_DAYS),
            learner_sick_probability=d("learner_sick_probability", low=0, high=1),
            learner_sick_days=d("learner_sick_days", low=0, high=MAX_DAYS),
            instructor_sick_probability=d("instructor_sick_probability", low=0, high=1),
            turnover_per_year=d("turnover_per_year", low=0, high=MAX_TURNOVER_PER_YEAR),
            hire_lag_days=d("hire_lag_days", low=0, high=MAX_DAYS),
            training_environment_delay_days=d("training_environment_delay_days", low=0, high=MAX_DAYS),
            certification_delay_days=d("certification_delay_days", low=0, high=MAX_DAYS),
            go_live_delay_days=d("go_live_delay_days", low=0, high=MAX_DAYS),
            go_live_delay_decided_weeks_before=t.number("go_live_delay_decided_weeks_before", low=0, high=52),
            long_term_leave_share=d("long_term_leave_share", 0, low=0, high=1),
            long_term_leave_return_weeks=d("long_term_leave_return_weeks", 0, low=0, high=MAX_WEEKS),
        )
        t.finish()
        return u

    def common_delays(self, site_ids: set[str]) -> list[CommonDelay]:
        tables = self.root.tables("common_delay")
        ids = self.ids(tables, "common_delay")
        out = []
        for t, ident in zip(tables, ids):
            delay = CommonDelay(
                id=ident, delays=t.str("delays", choices=COMMON_DELAY_KINDS), sites=self.site_list(t, site_ids),
                probability=t.number("probability", low=0, high=1), days=t.distribution("days", low=0, high=MAX_DAYS),
                independent=t.value("independent", False))
            if not isinstance(delay.independent, bool):
                t.problem("independent", f"expected true or false, got {delay.independent!r}")
            t.finish()
            out.append(delay)
        return out

    # -- helpers ---------------------------------------------------------------------------
    def ids(self, tables: list[Table], what: str) -> list[Any]:
        """The ids of an array of tables: unique, and without dots (a dotted key such as
        ``site.<id>.go_live`` could not reach an id with one)."""
        ids = unique_ids(tables, what)
        for t, ident in zip(tables, ids):
            if ident is not None and "." in ident:
                t.problem("id", f"expected an id without '.' (a dotted key could not reach it), got {ident!r}")
        return ids

    def site_list(self, t: Table, site_ids: set[str], *default: Any) -> Any:
        """The ``sites`` of a pool or a venue (required unless a default is given): known
        site ids, at least one."""
        sites = t.str_list("sites", *default)
        if sites == ():
            t.problem("sites", "expected at least one site id, got an empty list")
        for s in sites or ():
            if s not in site_ids:
                t.problem("sites", f"no site with id {s!r}; expected ids from {', '.join(sorted(site_ids))}")
        return sites

    def ref(self, t: Table, name: str, known: set[str], what: str) -> Any:
        value = t.str(name)
        if value is not None and value not in known:
            t.problem(name, f"no {what} with id {value!r}; expected one of {', '.join(sorted(known)) or '(none defined)'}")
            return None
        return value

    def cross_checks(self, sites: list[Site], groups: list[StaffGroup], pools: list[InstructorPool]) -> None:
        for site in sites:
            first = site.planned_go_live
            serving = [p for p in pools if site.id in p.sites or any(loan.to_site == site.id for loan in p.loans)]
            if serving and all(p.certification_start >= first for p in serving):
                self.problems.add(self.root.file, f"site.{site.id}.go_live",
                                  f"go-live {first} is before any instructor serving it starts certification; expected certification_start before go-live")
