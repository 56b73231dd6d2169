"""What a model or experiment key means to a reader: one table of labels with units.

Figures, reports and the terminal name a varied input by its label ("Classrooms at HNT
Levanger", in rooms), never by its dotted key alone; the key is still shown in small
print, since it is what a user writes in ``--set`` or a study table. Every label lives in
:data:`LABELS`, so a figure and a table never name one input two ways, and a test checks
that every value of the shipped model and every input the shipped studies vary has one.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

#: Dotted-key pattern -> (label, unit). ``*`` stands for one element of an array of
#: tables (its id); ``{name}`` in a label is that element's name (or id). The unit is
#: the unit of the value a user writes, "" for a count whose label says what it counts.
LABELS: dict[str, tuple[str, str]] = {
    # [model], [readiness], [calendar], [operations]
    "model.horizon_weeks_after_go_live": ("Horizon after go-live", "weeks"),
    "model.slot_hours": ("Length of a teaching slot", "hours"),
    "model.slots_per_day": ("Teaching slots a day", "slots"),
    "readiness.share": ("Share of active staff to be trained", "share"),
    "readiness.super_users": ("Share of super-users to be trained", "share"),
    "calendar.summer_weeks": ("Summer weeks without classes", "ISO weeks"),
    "operations.max_share_in_class_per_day": ("Most of a unit in class on one day", "share"),
    "operations.booking_horizon_days": ("Booking horizon", "days"),
    "operations.new_hire_grace_days": ("Time a new hire has to be trained", "days"),
    # [uncertainty]
    "uncertainty.elearning_pace_hours_per_day": ("E-learning pace", "hours a working day"),
    "uncertainty.self_training_pace_hours_per_day": ("Self-training pace", "hours a working day"),
    "uncertainty.no_show_probability": ("No-shows", "share of booked seats"),
    "uncertainty.no_show_rebook_days": ("Rebooking after a no-show", "days"),
    "uncertainty.learner_sick_probability": ("Learners off sick on a class day", "probability"),
    "uncertainty.learner_sick_days": ("A learner's sick spell", "days"),
    "uncertainty.instructor_sick_probability": ("Instructors off sick on a class day", "probability"),
    "uncertainty.turnover_per_year": ("Staff turnover", "share a year"),
    "uncertainty.hire_lag_days": ("Time to hire a leaver's successor", "days"),
    "uncertainty.training_environment_delay_days": ("Training environment late", "days"),
    "uncertainty.certification_delay_days": ("Instructor certification late", "days"),
    "uncertainty.go_live_delay_days": ("Go-live moved", "days"),
    "uncertainty.go_live_delay_decided_weeks_before": ("Go-live move decided", "weeks before go-live"),
    "uncertainty.long_term_leave_share": ("Staff on long-term leave at go-live", "share"),
    "uncertainty.long_term_leave_return_weeks": ("Return from long-term leave", "weeks after go-live"),
    # [[site]]
    "site.*.go_live": ("{name}: go-live", "date"),
    "site.*.training_environment_ready": ("{name}: training environment ready", "date"),
    "site.*.super_user_classes_from": ("{name}: super-user classes from", "date"),
    "site.*.end_user_classes_from": ("{name}: end-user classes from", "date"),
    "site.*.postponement": ("{name}: postponements", "dates decided and go-lives"),
    "site.*.postponement.*.decided": ("{name}: postponement decided", "date"),
    "site.*.postponement.*.go_live": ("{name}: postponed go-live", "date"),
    "site.*.readiness.share": ("{name}: share of active staff to be trained", "share"),
    "site.*.readiness.super_users": ("{name}: share of super-users to be trained", "share"),
    # [[curriculum]]
    "curriculum.*.elearning_hours": ("{name}: e-learning", "hours"),
    "curriculum.*.elearning_opens_weeks_before_go_live": ("{name}: e-learning opens", "weeks before go-live"),
    "curriculum.*.window_weeks": ("{name}: classroom window", "weeks"),
    "curriculum.*.valid_weeks": ("{name}: training valid for", "weeks"),
    "curriculum.*.self_training_hours": ("{name}: self-training", "hours"),
    "curriculum.*.course.*.hours": ("{name}: course length", "hours"),
    "curriculum.*.course.*.min_class": ("{name}: smallest class run", "learners"),
    "curriculum.*.course.*.max_class": ("{name}: class size", "learners"),
    "curriculum.*.proficiency.pass_probability": ("{name}: proficiency check passed", "probability"),
    "curriculum.*.proficiency.max_attempts": ("{name}: attempts before class again", "attempts"),
    "curriculum.*.proficiency.retake_days": ("{name}: days to a retake", "days"),
    "curriculum.*.refresher.hours": ("{name}: refresher length", "hours"),
    "curriculum.*.refresher.min_class": ("{name}: smallest refresher class", "learners"),
    "curriculum.*.refresher.max_class": ("{name}: refresher class size", "learners"),
    # [[staff_group]], [[instructor_pool]], [[venue]], [[common_delay]]
    "staff_group.*.headcount": ("{name}: headcount", "staff"),
    "instructor_pool.*.count": ("Instructors in {name}", "instructors"),
    "instructor_pool.*.certification_start": ("{name}: certification starts", "date"),
    "instructor_pool.*.certification_days": ("{name}: certification length", "working days"),
    "instructor_pool.*.prep_slots": ("{name}: preparation before a class", "slots"),
    "instructor_pool.*.loan.*.count": ("{name}: instructors lent", "instructors"),
    "instructor_pool.*.loan.*.start": ("{name}: loan starts", "date"),
    "instructor_pool.*.loan.*.end": ("{name}: loan ends", "date"),
    "venue.*.rooms": ("Classrooms at {name}", "rooms"),
    "venue.*.seats": ("{name}: seats a room", "seats"),
    "common_delay.*.probability": ("{name}: chance it happens", "probability"),
    "common_delay.*.days": ("{name}: length", "days"),
}

#: The parameters of a distribution table (``{dist = "uniform", low = .., high = ..}``):
#: a key that ends in one of these is labelled as its parent, with this word added.
DISTRIBUTION_PARTS = {"mean": "mean", "sd": "sd", "low": "low", "high": "high", "mode": "mode",
                      "value": "value", "shape": "shape", "scale": "scale"}


@dataclass(frozen=True)
class Label:
    """A key as a reader sees it: ``text`` ("Classrooms at HNT Levanger"), ``unit``
    ("rooms") and the dotted ``key`` itself, for the small print."""

    key: str
    text: str
    unit: str
    known: bool = True

    @property
    def axis(self) -> str:
        """The label with its unit, as an axis or column title: "No-shows (share of
        booked seats)"."""
        return f"{self.text} ({self.unit})" if self.unit else self.text


def _pattern(pattern: str) -> re.Pattern[str]:
    parts = [r"([^.]+)" if p == "*" else re.escape(p) for p in pattern.split(".")]
    return re.compile(r"\.".join(parts))


_COMPILED = [(_pattern(p), text, unit) for p, (text, unit) in LABELS.items()]


def label(key: str, model: Mapping[str, Any] | None = None) -> Label:
    """The label of dotted ``key``. With ``model`` (the raw tables of a model file),
    ``{name}`` is the named element's ``name``, else its id. A key the table does not
    know keeps itself as its text (``known`` is False), so nothing is ever unlabelled,
    and the test of the table says which key is missing."""
    base, part = key, ""
    head, _, last = key.rpartition(".")
    if last in DISTRIBUTION_PARTS and head:
        base, part = head, DISTRIBUTION_PARTS[last]
    for regex, text, unit in _COMPILED:
        m = regex.fullmatch(base)
        if m:
            name = _element_name(model, base, m.group(1)) if m.groups() else ""
            shown = text.replace("{name}", name)
            return Label(key, f"{shown}, {part}" if part else shown, unit)
    return Label(key, key, "", known=False)


def _element_name(model: Mapping[str, Any] | None, key: str, element: str) -> str:
    """The ``name`` of the first array element a key names (``venue.hnt-levanger`` ->
    "HNT Levanger"), or its id when the model is not given or the element has no
    name. Curricula and pools have no names in the shipped model: their ids read well."""
    table = key.split(".", 1)[0]
    for item in (model or {}).get(table, []) if model is not None else []:
        if isinstance(item, Mapping) and item.get("id") == element:
            return str(item.get("name") or element)
    return element
