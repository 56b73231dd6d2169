"""Dotted-key overrides (scenarios and ``--set``): how keys walk tables, arrays by id or
position, what an unknown key reports, and how command-line values are parsed."""
from __future__ import annotations

import copy
import datetime as dt
import re
from pathlib import Path

import pytest

from sim.model.model_file import build_model, load_toml
from sim.model.overrides import OverrideError, apply_overrides, parse_value, value_at, value_or_none
from tests.conftest import SMALL_MODEL

D = dt.date
SHIPPED_MODEL = Path(__file__).resolve().parents[2] / "models" / "midt-norge.toml"


@pytest.fixture(scope="module")
def shipped_raw():
    return load_toml(SHIPPED_MODEL)


def _override_error(raw, key, value=1) -> OverrideError:
    with pytest.raises(OverrideError) as info:
        apply_overrides(raw, [(key, value)])
    return info.value


def test_array_element_by_id(small_raw):
    out = apply_overrides(small_raw, [("site.a.go_live", D(2023, 6, 3))])
    assert out["site"][0]["go_live"] == D(2023, 6, 3)
    assert build_model(out, SMALL_MODEL).site("a").go_live == D(2023, 6, 3)


def test_array_element_by_position(shipped_raw):
    out = apply_overrides(shipped_raw, [("instructor_pool.st-olavs-instructors.loan.0.count", 10)])
    pool = next(p for p in out["instructor_pool"] if p["id"] == "st-olavs-instructors")
    assert pool["loan"][0]["count"] == 10
    assert shipped_raw["instructor_pool"][0]["loan"][0]["count"] == 15


def test_top_level_array_by_position(small_raw):
    out = apply_overrides(small_raw, [("site.0.name", "First")])
    assert out["site"][0]["name"] == "First"


def test_nested_arrays_and_tables(small_raw):
    out = apply_overrides(small_raw, [("curriculum.basic.course.course.max_class", 12)])
    assert out["curriculum"][0]["course"][0]["max_class"] == 12
    assert build_model(out, SMALL_MODEL).curriculum("basic").courses[0].max_class == 12


def test_plain_table_value(small_raw):
    out = apply_overrides(small_raw, [("readiness.share", 0.9)])
    assert out["readiness"]["share"] == 0.9


def test_later_overrides_win(small_raw):
    out = apply_overrides(small_raw, [("venue.a-venue.rooms", 2), ("venue.a-venue.rooms", 3)])
    assert out["venue"][0]["rooms"] == 3


def test_a_list_value_replaces_the_array(shipped_raw):
    out = apply_overrides(shipped_raw, [("site.st-olavs.postponement", [])])
    assert next(s for s in out["site"] if s["id"] == "st-olavs")["postponement"] == []
    st_olavs = build_model(out, SHIPPED_MODEL).site("st-olavs")
    assert st_olavs.postponements == ()
    assert st_olavs.go_live == D(2022, 5, 7)


def test_raw_input_is_not_mutated(small_raw):
    before = copy.deepcopy(small_raw)
    apply_overrides(small_raw, [
        ("site.a.go_live", D(2023, 6, 3)),
        ("curriculum.basic.course.course.max_class", 12),
        ("site.a.postponement", [{"decided": D(2023, 4, 20), "go_live": D(2023, 6, 3)}]),
    ])
    assert small_raw == before


def test_the_result_shares_no_tables_with_the_input(small_raw):
    out = apply_overrides(small_raw, [])
    out["venue"][0]["rooms"] = 99
    assert small_raw["venue"][0]["rooms"] == 1


def test_unknown_id_names_the_key_and_lists_known_ids(shipped_raw):
    err = _override_error(shipped_raw, "site.nope.go_live", D(2023, 1, 1))
    assert err.key == "site.nope.go_live"
    assert "'nope'" in err.message
    assert "trondheim, st-olavs, hnt, levanger, verdal" in err.message
    assert str(err).startswith("site.nope.go_live: ")


def test_position_past_the_end_is_an_error(shipped_raw):
    err = _override_error(shipped_raw, "instructor_pool.st-olavs-instructors.loan.5.count")
    assert err.key == "instructor_pool.st-olavs-instructors.loan.5.count"
    assert "'5'" in err.message


def test_unknown_table_is_an_error(small_raw):
    err = _override_error(small_raw, "venues.a-venue.rooms")
    assert err.key == "venues.a-venue.rooms"
    assert "no table 'venues'" in err.message


def test_walking_into_a_value_is_an_error(small_raw):
    err = _override_error(small_raw, "model.name.first")
    assert err.key == "model.name.first"
    assert "model.name" in err.message


@pytest.mark.parametrize("key", ["", "site..go_live", ".site", "site."])
def test_malformed_key_is_an_error(small_raw, key):
    err = _override_error(small_raw, key)
    assert err.key == key
    assert "dotted key" in err.message


def test_setting_a_new_key_is_left_to_validation(small_raw):
    # Overrides do not know the schema; a typo in the last part reaches validation,
    # which reports it as an unknown key (tested in test_model_file.py).
    out = apply_overrides(small_raw, [("site.a.golive", D(2023, 6, 3))])
    assert out["site"][0]["golive"] == D(2023, 6, 3)


@pytest.mark.parametrize("text, value", [
    ("3", 3),
    ("-2", -2),
    ("0.5", 0.5),
    ("1_000", 1000),
    ("2023-02-11", D(2023, 2, 11)),
    ("true", True),
    ("false", False),
    ("[1, 2]", [1, 2]),
    ('["a", "b"]', ["a", "b"]),
    ("[]", []),
    ('{ dist = "uniform", low = 0, high = 0.2 }', {"dist": "uniform", "low": 0, "high": 0.2}),
    ('"3"', "3"),
    ("st-olavs", "st-olavs"),
    ("Site A", "Site A"),
    ("True", "True"),
    ("", ""),
])
def test_parse_value(text, value):
    parsed = parse_value(text)
    assert parsed == value
    assert type(parsed) is type(value)


def test_value_at_reads_what_a_dotted_key_leads_to(small_raw):
    from sim.model.overrides import value_at

    assert value_at(small_raw, "venue.a-venue.rooms") == 1
    assert value_at(small_raw, "venue.0.seats") == 10
    assert value_at(small_raw, "venue.a-venue.name", missing_ok=True) is None  # optional, left at its default
    with pytest.raises(OverrideError, match=re.escape("venue.a-venue has no value 'name'")):
        value_at(small_raw, "venue.a-venue.name")
    with pytest.raises(OverrideError, match="no venue with id 'b'"):
        value_at(small_raw, "venue.b.rooms", missing_ok=True)


def test_a_missing_table_is_made_on_the_way_and_still_checked(small_raw):
    # A site without its own [site.readiness] can get one criterion from a dotted key;
    # a misspelt table is made too, and the model check then names it as unknown.
    from sim.errors import ConfigError
    from sim.model.model_file import build_model
    from tests.conftest import SMALL_MODEL

    out = apply_overrides(small_raw, [("site.a.readiness.super_users", 0.9)])
    assert out["site"][0]["readiness"] == {"super_users": 0.9}
    assert build_model(out, SMALL_MODEL).site("a").readiness.super_users == 0.9
    bad = apply_overrides(small_raw, [("site.a.readyness.super_users", 0.9)])
    with pytest.raises(ConfigError, match=re.escape("site.a.readyness")):
        build_model(bad, SMALL_MODEL)
    with pytest.raises(OverrideError):
        apply_overrides(small_raw, [("site.nowhere.go_live", 1)])  # ids of arrays are never made


# -- a date as a shift of the date the key holds -------------------------------------------

def test_a_shift_moves_the_date_the_key_holds(shipped_raw):
    planned = apply_overrides(shipped_raw, [])["site"]
    go_live = next(s["go_live"] for s in planned if s["id"] == "hnt")
    for written, days in (("+4w", 28), ("-10d", -10), ("+2 weeks", 14), ("+0d", 0)):
        raw = apply_overrides(shipped_raw, [("site.hnt.go_live", written)])
        assert next(s["go_live"] for s in raw["site"] if s["id"] == "hnt") == go_live + dt.timedelta(days=days)
    # After the overrides before it: a date set, then shifted; two shifts add up.
    raw = apply_overrides(shipped_raw, [("site.hnt.go_live", D(2023, 3, 4)), ("site.hnt.go_live", "+1w")])
    assert next(s["go_live"] for s in raw["site"] if s["id"] == "hnt") == D(2023, 3, 11)
    raw = apply_overrides(shipped_raw, [("site.hnt.go_live", "+1w"), ("site.hnt.go_live", "-3d")])
    assert next(s["go_live"] for s in raw["site"] if s["id"] == "hnt") == go_live + dt.timedelta(days=4)


def test_a_shift_of_what_is_not_a_date_is_an_error_naming_the_key(shipped_raw):
    err = _override_error(shipped_raw, "venue.hnt-levanger.rooms", "+4w")
    assert err.key == "venue.hnt-levanger.rooms" and "is a shift of a date, but the key holds" in err.message
    assert "not a date" in err.message and "expected a date like 2023-03-04" in err.message
    err = _override_error(shipped_raw, "site.hnt.readiness.share", "+1w")  # a table made empty for it
    assert "is not set" in err.message


def test_a_bad_shift_says_what_was_expected(shipped_raw):
    err = _override_error(shipped_raw, "site.hnt.go_live", "+4x")
    assert err.key == "site.hnt.go_live" and "unknown unit 'x'; expected d, days, w or weeks" in err.message
    err = _override_error(shipped_raw, "site.hnt.go_live", "+99999w")
    assert "expected a duration of at most" in err.message


def test_text_that_is_no_shift_is_left_for_the_model_check(shipped_raw):
    for text in ("soon", "+", "-w", "4w"):  # no sign, or no number: not a shift; the model's check names it
        raw = apply_overrides(shipped_raw, [("site.hnt.go_live", text)])
        assert next(s["go_live"] for s in raw["site"] if s["id"] == "hnt") == text


def test_a_mistyped_part_of_a_key_gets_the_closest_known_one(shipped_raw):
    assert _override_error(shipped_raw, "sitee.hnt.go_live").message.endswith("no table 'sitee'; did you mean 'site'?")
    err = _override_error(shipped_raw, "venue.hnt-levangr.rooms")
    assert err.message.startswith("no venue with id 'hnt-levangr'; expected one of ")
    assert err.message.endswith("; did you mean 'hnt-levanger'?")
    with pytest.raises(OverrideError, match=r"has no value 'go_lve'; did you mean 'go_live'\?$"):
        value_at(shipped_raw, "site.hnt.go_lve")
    assert "did you mean" not in _override_error(shipped_raw, "zzz.hnt.go_live").message


def test_value_or_none_is_the_models_value_or_nothing_never_an_error() -> None:
    raw = {"site": [{"id": "hnt", "go_live": dt.date(2023, 2, 11)}], "venue": [{"id": "v", "rooms": 7}]}
    assert value_or_none(raw, "venue.v.rooms") == 7 and value_or_none(raw, "site.hnt.go_live") == dt.date(2023, 2, 11)
    assert value_or_none(raw, "venue.v.seats") is None  # left at its default
    assert value_or_none(raw, "venue.w.rooms") is None  # no such element: value_at would raise
    assert value_or_none(raw, "calendar.country") is None and value_or_none(None, "venue.v.rooms") is None
