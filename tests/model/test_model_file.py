"""Model files: the shipped model loads with the facts it encodes, and every kind of bad
input is a ConfigError whose problems name the file, the dotted key and what was expected.

Bad inputs are made from the small test model (``small_raw``) with dotted-key overrides,
so each test changes exactly one thing of a model that is otherwise valid.
"""
from __future__ import annotations

import copy
import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest

from sim.errors import ConfigError, Problem
from sim.model.model_file import build_model, load_model
from sim.model.overrides import apply_overrides
from sim.model.spec import Postponement
from tests.conftest import SMALL_MODEL

D = dt.date
ROOT = Path(__file__).resolve().parents[2]
SHIPPED_MODEL = ROOT / "models" / "midt-norge.toml"



def problems_of(raw: dict[str, Any], path: Path = SMALL_MODEL) -> list[Problem]:
    """The problems build_model reports for ``raw`` (fails the test if it builds)."""
    with pytest.raises(ConfigError) as info:
        build_model(raw, path)
    return info.value.problems


def _dotted(key: str) -> str:
    # Arrays of tables without ids are named by position; the position format itself is
    # pinned by test_problem_keys_can_be_used_with_set, so other tests accept both forms.
    return re.sub(r"\[(\d+)\]", r".\1", key)


def assert_problem(problems: list[Problem], key: str, fragment: str, file: Path = SMALL_MODEL) -> None:
    """Some problem has this file, this dotted key and ``fragment`` in its message."""
    assert any(
        p.file == str(file) and _dotted(p.key) == key and fragment in p.message for p in problems
    ), f"no problem {key!r} containing {fragment!r} in:\n" + "\n".join(map(str, problems))


def overridden(raw: dict[str, Any], **sets: Any) -> dict[str, Any]:
    """``raw`` with dotted keys set (``__`` in a keyword stands for ``.``)."""
    return apply_overrides(raw, [(k.replace("__", "."), v) for k, v in sets.items()])


# -- the shipped model ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def shipped():
    return load_model(SHIPPED_MODEL)


def test_shipped_model_has_the_five_sites(shipped):
    assert [s.id for s in shipped.sites] == ["trondheim", "st-olavs", "hnt", "levanger", "verdal"]


def test_shipped_model_hnt_has_3200_staff(shipped):
    assert shipped.headcount("hnt") == 3200


def test_shipped_model_st_olavs_was_postponed_once(shipped):
    st_olavs = shipped.site("st-olavs")
    assert st_olavs.planned_go_live == D(2022, 5, 7)
    assert st_olavs.postponements == (Postponement(decided=D(2022, 4, 22), go_live=D(2022, 11, 12)),)
    assert st_olavs.go_live == D(2022, 11, 12)


# -- the small model is valid, and plans that cannot be met still load ---------------------

def test_small_model_builds(small_raw):
    model = build_model(small_raw, SMALL_MODEL)
    assert [s.id for s in model.sites] == ["a"]
    assert model.headcount("a") == 100


@pytest.mark.parametrize("key, attr", [
    ("venue.a-venue.rooms", lambda m: m.venues[0].rooms),
    ("instructor_pool.a-instructors.count", lambda m: m.pools[0].count),
])
def test_zero_capacity_is_a_valid_model(small_raw, key, attr):
    model = build_model(apply_overrides(small_raw, [(key, 0)]), SMALL_MODEL)
    assert attr(model) == 0


# -- one kind of bad input at a time ------------------------------------------------------

BAD = [
    # unknown keys (typos) at every level
    pytest.param({"venues": []}, "venues", "unknown key", id="typo-top-level"),
    pytest.param({"site__a__golive": D(2023, 5, 6)}, "site.a.golive", "unknown key", id="typo-in-site"),
    pytest.param({"curriculum__basic__course__course__max_clas": 10},
                 "curriculum.basic.course.course.max_clas", "unknown key", id="typo-in-course"),
    # wrong types
    pytest.param({"staff_group__a-staff__headcount": "100"},
                 "staff_group.a-staff.headcount", "expected a whole number, got the text '100'", id="text-headcount"),
    pytest.param({"curriculum__basic__course__course__hours": True},
                 "curriculum.basic.course.course.hours", "expected a number, got true/false", id="bool-hours"),
    pytest.param({"staff_group__a-staff__headcount": True},
                 "staff_group.a-staff.headcount", "expected a whole number, got true/false", id="bool-headcount"),
    pytest.param({"venue__a-venue__rooms": 2.0}, "venue.a-venue.rooms", "expected a whole number", id="float-rooms"),
    pytest.param({"model__slots_per_day": 1.5}, "model.slots_per_day", "expected a whole number", id="float-slots"),
    pytest.param({"site__a__go_live": "6 May 2023"}, "site.a.go_live", "expected a date like", id="text-date"),
    # negative numbers
    pytest.param({"staff_group__a-staff__headcount": -1}, "staff_group.a-staff.headcount", ">= 0, got -1", id="negative-headcount"),
    pytest.param({"instructor_pool__a-instructors__count": -1},
                 "instructor_pool.a-instructors.count", ">= 0, got -1", id="negative-instructors"),
    pytest.param({"venue__a-venue__rooms": -1}, "venue.a-venue.rooms", ">= 0, got -1", id="negative-rooms"),
    # impossible values
    pytest.param({"curriculum__basic__course__course__min_class": 11},
                 "curriculum.basic.course.course.min_class", "at most max_class (10)", id="min-class-above-max"),
    pytest.param({"curriculum__basic__valid_weeks": 4}, "curriculum.basic.valid_weeks", "window_weeks", id="valid-shorter-than-window"),
    pytest.param({"readiness__share": 0}, "readiness.share", "> 0", id="threshold-0"),
    pytest.param({"readiness__share": 1.5}, "readiness.share", "<= 1", id="threshold-1.5"),
    pytest.param({"uncertainty__no_show_probability": {"dist": "uniform", "low": 0.5, "high": 1.5}},
                 "uncertainty.no_show_probability", "[0, 1]", id="probability-can-exceed-1"),
    pytest.param({"uncertainty__no_show_probability": 1.2}, "uncertainty.no_show_probability", "[0, 1]", id="probability-1.2"),
    pytest.param({"uncertainty__no_show_probability": {"dist": "gaussian", "mean": 0.1, "sd": 0.01}},
                 "uncertainty.no_show_probability.dist", "expected one of", id="unknown-distribution"),
    pytest.param({"uncertainty__learner_sick_days": {"dist": "lognormal", "mean": -1, "sd": 1}},
                 "uncertainty.learner_sick_days.mean", "> 0", id="bad-distribution-parameter"),
    # dates in the wrong order
    pytest.param({"site__a__go_live": D(2023, 1, 2)}, "site.a.training_environment_ready",
                 "go-live 2023-01-02 is not after", id="go-live-on-environment-ready"),
    pytest.param({"site__a__go_live": D(2022, 12, 1)}, "site.a.training_environment_ready",
                 "go-live 2022-12-01 is not after", id="go-live-before-environment-ready"),
    pytest.param({"site__a__postponement": [{"decided": D(2023, 5, 7), "go_live": D(2023, 6, 3)}]},
                 "site.a.postponement.0.decided", "before the go-live it moves (2023-05-06)", id="postponed-after-go-live"),
    pytest.param({"site__a__postponement": [{"decided": D(2023, 4, 20), "go_live": D(2023, 6, 3)},
                                            {"decided": D(2023, 6, 4), "go_live": D(2023, 7, 1)}]},
                 "site.a.postponement.1.decided", "before the go-live it moves (2023-06-03)", id="second-postponement-too-late"),
    # a postponement may bring the go-live forward, but not to or before the day training can start
    pytest.param({"site__a__postponement": [{"decided": D(2022, 12, 1), "go_live": D(2023, 1, 2)}]},
                 "site.a.postponement.0.go_live", "go-live 2023-01-02 is not after training can start (2023-01-02)",
                 id="postponed-to-environment-ready"),
    pytest.param({"site__a__postponement": [{"decided": D(2022, 11, 1), "go_live": D(2022, 12, 15)}]},
                 "site.a.postponement.0.go_live", "expected a date after the site's training_environment_ready",
                 id="postponed-before-environment-ready"),
    pytest.param({"site__a__postponement": [{"decided": D(2022, 12, 1), "go_live": D(2023, 6, 3)},
                                            {"decided": D(2022, 12, 20), "go_live": D(2022, 12, 30)}]},
                 "site.a.postponement.1.go_live", "not after training can start (2023-01-02)",
                 id="second-postponement-before-environment-ready"),
    # references to ids that do not exist
    pytest.param({"staff_group__a-staff__site": "b"}, "staff_group.a-staff.site", "no site with id 'b'", id="group-site"),
    pytest.param({"staff_group__a-staff__curriculum": "advanced"},
                 "staff_group.a-staff.curriculum", "no curriculum with id 'advanced'", id="group-curriculum"),
    pytest.param({"instructor_pool__a-instructors__home_site": "b"},
                 "instructor_pool.a-instructors.home_site", "no site with id 'b'", id="pool-home-site"),
    pytest.param({"venue__a-venue__sites": ["a", "b"]}, "venue.a-venue.sites", "no site with id 'b'", id="venue-sites"),
    pytest.param({"instructor_pool__a-instructors__loan": [
                     {"to_site": "b", "count": 1, "start": D(2023, 2, 1), "end": D(2023, 3, 1)}]},
                 "instructor_pool.a-instructors.loan.0.to_site", "no site with id 'b'", id="loan-to-site"),
    # a pool or venue that serves no site
    pytest.param({"instructor_pool__a-instructors__sites": []},
                 "instructor_pool.a-instructors.sites", "expected at least one site id", id="pool-sites-empty"),
    pytest.param({"venue__a-venue__sites": []}, "venue.a-venue.sites", "expected at least one site id", id="venue-sites-empty"),
    # upper bounds: a typo of 10^8 is an error, not an out-of-memory
    pytest.param({"staff_group__a-staff__headcount": 100_000_000},
                 "staff_group.a-staff.headcount", "expected a whole number <= 1,000,000, got 100,000,000", id="huge-headcount"),
    pytest.param({"instructor_pool__a-instructors__count": 100_001},
                 "instructor_pool.a-instructors.count", "<= 100,000, got 100,001", id="huge-pool"),
    pytest.param({"venue__a-venue__rooms": 10_001}, "venue.a-venue.rooms", "<= 10,000, got 10,001", id="huge-rooms"),
    pytest.param({"venue__a-venue__seats": 1_001}, "venue.a-venue.seats", "<= 1,000, got 1,001", id="huge-seats"),
    pytest.param({"curriculum__basic__course__course__max_class": 1_001},
                 "curriculum.basic.course.course.max_class", "<= 1,000, got 1,001", id="huge-max-class"),
    pytest.param({"curriculum__basic__refresher": {"hours": 3.5, "max_class": 10**8}},
                 "curriculum.basic.refresher.max_class", "<= 1,000", id="huge-refresher-class"),
    # slots must fit in a day
    pytest.param({"model__slot_hours": 12, "model__slots_per_day": 3},
                 "model.slots_per_day", "at most 24 hours, got 12 x 3 = 36 hours", id="slots-longer-than-a-day"),
    # the calendar
    pytest.param({"calendar__summer_weeks": [28, 54]}, "calendar.summer_weeks",
                 "expected a list of whole numbers from 1 to 53, got 54", id="summer-week-54"),
    pytest.param({"calendar__summer_weeks": 28}, "calendar.summer_weeks", "got 28", id="summer-weeks-not-a-list"),
]


@pytest.mark.parametrize("sets, key, fragment", BAD)
def test_bad_value_is_reported_with_its_key(small_raw, sets, key, fragment):
    assert_problem(problems_of(overridden(small_raw, **sets)), key, fragment)


@pytest.mark.parametrize("sets", [
    {"site__a__postponement": [{"decided": D(2022, 12, 1), "go_live": D(2023, 1, 3)}]},
    {"model__slot_hours": 6, "model__slots_per_day": 4},
    {"staff_group__a-staff__headcount": 1_000_000, "instructor_pool__a-instructors__count": 100_000,
     "venue__a-venue__rooms": 10_000, "venue__a-venue__seats": 1_000,
     "curriculum__basic__course__course__max_class": 1_000},
], ids=["postponed-to-the-day-after-environment-ready", "slots-fill-24-hours", "every-upper-bound"])
def test_values_at_the_limits_are_valid(small_raw, sets):
    build_model(overridden(small_raw, **sets), SMALL_MODEL)


def test_one_problem_for_a_postponement_before_both_its_decision_and_environment_ready(small_raw):
    raw = overridden(small_raw, site__a__postponement=[{"decided": D(2022, 12, 1), "go_live": D(2022, 11, 1)}])
    assert [p.key for p in problems_of(raw)] == ["site.a.postponement.0.go_live"]


# -- loans: never more instructors away on one day than the pool has ----------------------

def _loans(small_raw: dict[str, Any], count: int, *loans: tuple[int, dt.date, dt.date]) -> dict[str, Any]:
    return overridden(small_raw, **{
        "instructor_pool__a-instructors__count": count,
        "instructor_pool__a-instructors__loan": [
            {"to_site": "a", "count": n, "start": start, "end": end} for n, start, end in loans]})


def test_overlapping_loans_may_not_lend_more_than_the_pool(small_raw):
    raw = _loans(small_raw, 15, (10, D(2023, 3, 1), D(2023, 4, 30)), (6, D(2023, 4, 1), D(2023, 5, 15)))
    (problem,) = problems_of(raw)
    assert problem.key == "instructor_pool.a-instructors.loan.1.count"
    assert "overlaps loan.0 from 2023-04-01 to 2023-04-30" in problem.message
    assert "lend 16 instructors" in problem.message and "the pool's count (15)" in problem.message


def test_loans_overlap_on_their_first_and_last_days(small_raw):
    raw = _loans(small_raw, 15, (10, D(2023, 3, 1), D(2023, 3, 31)), (6, D(2023, 3, 31), D(2023, 4, 30)))
    assert_problem(problems_of(raw), "instructor_pool.a-instructors.loan.1.count", "from 2023-03-31 to 2023-03-31")


def test_the_busiest_day_of_a_loan_need_not_be_its_first(small_raw):
    # Loan 2 starts beside loan 0 only (11 away), but from 1 Mar loan 1 is away too (16).
    raw = _loans(small_raw, 15, (5, D(2023, 1, 2), D(2023, 6, 30)), (5, D(2023, 3, 1), D(2023, 4, 30)),
                 (6, D(2023, 2, 1), D(2023, 5, 31)))
    (problem,) = problems_of(raw)
    assert problem.key == "instructor_pool.a-instructors.loan.2.count"
    assert "overlaps loan.0 and loan.1 from 2023-03-01 to 2023-04-30" in problem.message


@pytest.mark.parametrize("loans", [
    [(10, D(2023, 3, 1), D(2023, 4, 30)), (5, D(2023, 4, 1), D(2023, 4, 30))],  # exactly the pool
    [(10, D(2023, 3, 1), D(2023, 3, 31)), (10, D(2023, 4, 1), D(2023, 4, 30))],  # one after the other
    [(15, D(2023, 3, 1), D(2023, 3, 31)), (8, D(2023, 4, 1), D(2023, 4, 30)), (7, D(2023, 4, 3), D(2023, 5, 5))],
], ids=["exactly-the-pool", "back-to-back", "three"])
def test_loans_within_the_pool_are_valid(small_raw, loans):
    build_model(_loans(small_raw, 15, *loans), SMALL_MODEL)


# -- every site has staff ---------------------------------------------------------------------

def _second_site(raw: dict[str, Any]) -> dict[str, Any]:
    raw["site"].append({**raw["site"][0], "id": "b", "name": "Site B"})
    return raw


def test_a_site_without_staff_groups_is_reported(small_raw):
    problems = problems_of(_second_site(small_raw))
    assert_problem(problems, "site.b",
                   "no staff; expected at least one [[staff_group]] (or headcount CSV row) for this site")
    assert [p.key for p in problems] == ["site.b"]


def test_a_site_whose_headcounts_add_up_to_0_is_reported(small_raw):
    assert_problem(problems_of(overridden(small_raw, **{"staff_group__a-staff__headcount": 0})), "site.a", "no staff")


def test_a_bad_group_does_not_also_leave_a_site_without_staff(small_raw):
    # The group was meant for some site; which one is not known, so no guess is reported.
    problems = problems_of(_second_site(overridden(small_raw, **{"staff_group__a-staff__site": "c"})))
    assert [p.key for p in problems] == ["staff_group.a-staff.site"]


# -- ids: no dots, so that a dotted key can reach them ----------------------------------------

@pytest.mark.parametrize("path, key", [
    (("site", 0), "site.0.id"),
    (("curriculum", 0), "curriculum.0.id"),
    (("curriculum", 0, "course", 0), "curriculum.basic.course.0.id"),
    (("staff_group", 0), "staff_group.0.id"),
    (("instructor_pool", 0), "instructor_pool.0.id"),
    (("venue", 0), "venue.0.id"),
])
def test_an_id_with_a_dot_is_reported_by_position(small_raw, path, key):
    node: Any = small_raw
    for part in path:
        node = node[part]
    node["id"] = "x.y"
    assert_problem(problems_of(small_raw), key, "expected an id without '.'")


def test_the_key_of_a_dotted_id_can_be_used_with_set(small_raw):
    small_raw["venue"][0]["id"] = "a.venue"
    (problem,) = problems_of(small_raw)
    fixed = apply_overrides(small_raw, [(problem.key, "a-venue")])
    assert build_model(fixed, SMALL_MODEL).venues[0].id == "a-venue"


def test_dangling_reference_lists_the_known_ids(small_raw):
    problems = problems_of(overridden(small_raw, **{"staff_group__a-staff__site": "b"}))
    assert_problem(problems, "staff_group.a-staff.site", "expected one of a")


@pytest.mark.parametrize("array, key", [
    ("site", "site.a.id"),
    ("staff_group", "staff_group.a-staff.id"),
    ("instructor_pool", "instructor_pool.a-instructors.id"),
    ("venue", "venue.a-venue.id"),
    ("curriculum", "curriculum.basic.id"),
])
def test_duplicate_ids_are_reported(small_raw, array, key):
    small_raw[array].append(copy.deepcopy(small_raw[array][0]))
    assert_problem(problems_of(small_raw), key, "duplicate")


@pytest.mark.parametrize("table", [
    "calendar", "operations", "uncertainty", "site", "curriculum",
    "model",
])
def test_missing_required_table_is_reported(small_raw, table):
    del small_raw[table]
    assert_problem(problems_of(small_raw), table, "missing")


def _delete(raw: dict[str, Any], *path: str | int) -> dict[str, Any]:
    node: Any = raw
    for part in path[:-1]:
        node = node[part]
    del node[path[-1]]
    return raw


def _missing(path: tuple[str | int, ...], key: str) -> Any:
    return pytest.param(path, key, id=key)


@pytest.mark.parametrize("path, key", [
    _missing(("model", "name"), "model.name"),
    _missing(("model", "slots_per_day"), "model.slots_per_day"),
    _missing(("site", 0, "kind"), "site.a.kind"),
    _missing(("staff_group", 0, "headcount"), "staff_group.a-staff.headcount"),
    _missing(("staff_group", 0, "role"), "staff_group.a-staff.role"),
    _missing(("instructor_pool", 0, "count"), "instructor_pool.a-instructors.count"),
    _missing(("venue", 0, "rooms"), "venue.a-venue.rooms"),
    _missing(("uncertainty", "no_show_probability"), "uncertainty.no_show_probability"),
    _missing(("model", "slot_hours"), "model.slot_hours"),
    _missing(("site", 0, "go_live"), "site.a.go_live"),
    _missing(("site", 0, "training_environment_ready"), "site.a.training_environment_ready"),
    _missing(("curriculum", 0, "window_weeks"), "curriculum.basic.window_weeks"),
    _missing(("curriculum", 0, "course", 0, "max_class"), "curriculum.basic.course.course.max_class"),
    _missing(("venue", 0, "sites"), "venue.a-venue.sites"),
])
def test_missing_required_key_is_reported(small_raw, path, key):
    assert_problem(problems_of(_delete(small_raw, *path)), key, "missing; this key is required")


def test_missing_postponement_date_is_reported(small_raw):
    raw = overridden(small_raw, site__a__postponement=[{"go_live": D(2023, 6, 3)}])
    assert_problem(problems_of(raw), "site.a.postponement.0.decided", "missing")


def test_missing_table_gives_no_internal_object_in_messages(small_raw):
    del small_raw["uncertainty"]
    problems = problems_of(small_raw)
    assert not [p for p in problems if "object at 0x" in p.message]
    keys = [p.key for p in problems]
    assert len(keys) == len(set(keys)), "a key is reported more than once"


def test_problem_keys_can_be_used_with_set(small_raw):
    raw = overridden(small_raw, site__a__postponement=[{"decided": D(2023, 5, 7), "go_live": D(2023, 6, 3)}])
    (problem,) = problems_of(raw)
    fixed = apply_overrides(raw, [(problem.key, D(2023, 4, 20))])
    assert build_model(fixed, SMALL_MODEL).site("a").go_live == D(2023, 6, 3)


def test_several_problems_are_all_reported(small_raw):
    raw = overridden(small_raw, **{
        "site__a__golive": D(2023, 5, 6),
        "staff_group__a-staff__headcount": -5,
        "venue__a-venue__sites": ["zz"],
        "readiness__share": 2,
    })
    problems = problems_of(raw)
    assert_problem(problems, "site.a.golive", "unknown key")
    assert_problem(problems, "staff_group.a-staff.headcount", ">= 0")
    assert_problem(problems, "venue.a-venue.sites", "no site with id 'zz'")
    assert_problem(problems, "readiness.share", "<= 1")


def test_error_text_names_file_key_and_expectation(small_raw):
    with pytest.raises(ConfigError) as info:
        build_model(overridden(small_raw, **{"venue__a-venue__rooms": -1}), SMALL_MODEL)
    assert f"{SMALL_MODEL}: venue.a-venue.rooms: expected a whole number >= 0, got -1" in str(info.value)


# -- headcounts from a CSV ------------------------------------------------------------------

@pytest.fixture
def csv_model(tmp_path):
    """Write ``staff.csv`` with the given text and a model using it; returns the model path."""
    text = SMALL_MODEL.read_text(encoding="utf-8")
    text, n = re.subn(r"^\[\[staff_group\]\]\n(?:[^\[\n].*\n)*", "", text, flags=re.M)
    assert n == 1 and "staff_group" not in text
    text += '\n[[staff_csv]]\nfile = "staff.csv"\ncurricula = { nurse = "basic" }\n'
    model = tmp_path / "model.toml"
    model.write_text(text, encoding="utf-8")

    def write(csv_text: str) -> Path:
        (tmp_path / "staff.csv").write_text(csv_text, encoding="utf-8")
        return model
    return write


@pytest.mark.parametrize("csv_text", [
    "site,unit,role,count\na,ward-1,nurse,40\na,ward-2,nurse,60\n",
    "site;unit;role;count\r\na;ward-1;nurse;40\r\na;ward-2;nurse;60\r\n",
    "\ufeffCount,Site,Unit,Role\n40,a,ward-1,nurse\n\n60,a,ward-2,nurse\n",
], ids=["comma", "excel-semicolon", "bom-any-order-blank-line"])
def test_csv_rows_become_staff_groups(csv_model, csv_text):
    model = load_model(csv_model(csv_text))
    assert [(g.id, g.site, g.unit, g.role, g.headcount, g.curriculum) for g in model.groups] == [
        ("a/ward-1/nurse", "a", "a/ward-1", "nurse", 40, "basic"),
        ("a/ward-2/nurse", "a", "a/ward-2", "nurse", 60, "basic"),
    ]
    assert model.groups[0].max_share_in_class_per_day == 1.0  # from [operations]


@pytest.mark.parametrize("csv_text, key, fragment", [
    ("site,unit,role,count\na,ward-1,nurse,40\na,ward-2,nurse,sixty\n", "line 3.count", "got 'sixty'"),
    ("site,unit,role,count\na,ward-1,nurse,-4\n", "line 2.count", "whole number >= 0"),
    ("site,unit,role,count\nb,ward-1,nurse,40\n", "line 2.site", "no site with id 'b'"),
    ("site,unit,role,count\na,ward-1,doctor,40\n", "line 2.role", "role 'doctor' has no curriculum"),
    ("site,unit,role,count\na,ward-1,nurse\n", "line 2", "expected 4 columns, got 3"),
    ("site,ward,role,count\na,ward-1,nurse,40\n", "line 1", "expected the columns site,unit,role,count"),
    ("site;unit;role;count\na;ward-1;nurse;x\n", "line 2.count", "got 'x'"),
    # count: digits only (int() would take the first two)
    ("site,unit,role,count\na,ward-1,nurse,1_000\n", "line 2.count", "digits only (no sign, decimals or separators), got '1_000'"),
    ("site,unit,role,count\na,ward-1,nurse,+5\n", "line 2.count", "got '+5'"),
    ("site,unit,role,count\na,ward-1,nurse, 1 2\n", "line 2.count", "got '1 2'"),
    ("site,unit,role,count\na,ward-1,nurse,1.0\n", "line 2.count", "got '1.0'"),
    ("site,unit,role,count\na,ward-1,nurse,100000000\n", "line 2.count", "<= 1,000,000, got 100000000"),
    ("site,unit,role,count\na,ward-1,nurse," + "9" * 5000 + "\n", "line 2.count", "got a number of 5000 digits"),
], ids=["non-numeric", "negative", "unknown-site", "unknown-role", "column-count", "header", "semicolon-bad-count",
        "underscore", "plus", "inner-space", "decimal", "huge", "5000-digits"])
def test_bad_csv_row_names_the_csv_file_and_line(csv_model, csv_text, key, fragment):
    model = csv_model(csv_text)
    with pytest.raises(ConfigError) as info:
        load_model(model)
    csv_path = (model.parent / "staff.csv").resolve()
    assert_problem(info.value.problems, key, fragment, file=csv_path)


def test_csv_count_may_have_spaces_around_and_leading_zeros(csv_model):
    model = load_model(csv_model("site,unit,role,count\na,ward-1,nurse, 040 \na,ward-2,nurse,1000000\n"))
    assert [g.headcount for g in model.groups] == [40, 1_000_000]


def test_units_and_roles_from_hr_may_have_dots(csv_model):
    # HR exports abbreviate ("Med. avd."); CSV groups are not addressed by dotted keys.
    model = csv_model("site;unit;role;count\na;Med. avd.;nurse;40\n")
    assert [g.unit for g in load_model(model).groups] == ["a/Med. avd."]


def test_a_site_with_no_staff_in_the_csv_is_reported(csv_model):
    model = csv_model("site,unit,role,count\na,ward-1,nurse,0\n")
    with pytest.raises(ConfigError) as info:
        load_model(model)
    assert_problem(info.value.problems, "site.a", "no staff", file=model)


def test_every_bad_csv_row_is_reported(csv_model):
    model = csv_model("site,unit,role,count\na,w,nurse,x\nb,w,nurse,1\na,w,doc,1\na,w\na,ok,nurse,3\n")
    with pytest.raises(ConfigError) as info:
        load_model(model)
    assert sorted(p.key for p in info.value.problems) == ["line 2.count", "line 3.site", "line 4.role", "line 5"]


def test_calendar_country_must_be_chosen(small_raw):
    # Norwegian holidays are not assumed silently; "none" is an explicit choice of none.
    del small_raw["calendar"]["country"]
    assert_problem(problems_of(small_raw), "calendar.country", "missing")
    small_raw["calendar"]["country"] = "none"
    assert build_model(small_raw, SMALL_MODEL).calendar.country is None


@pytest.mark.parametrize("country, christmas, keys", [
    ("XX", ["12-22", "01-02"], ["calendar.country"]),
    ("NO", ["12-22", "02-29"], ["calendar.christmas"]),
    ("none", ["12-22", "13-01"], ["calendar.christmas"]),
    ("XX", ["12-22", "13-01"], ["calendar.country", "calendar.christmas"]),
], ids=["country", "christmas", "christmas-without-country", "both"])
def test_calendar_problems_name_the_key_they_are_about(small_raw, country, christmas, keys):
    raw = overridden(small_raw, calendar__country=country, calendar__christmas=christmas)
    assert [p.key for p in problems_of(raw)] == keys


def test_the_model_reader_uses_only_public_table_getters():
    source = (ROOT / "sim" / "model" / "model_file.py").read_text(encoding="utf-8")
    assert "._get(" not in source
