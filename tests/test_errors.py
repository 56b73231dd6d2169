"""Messages of sim.errors: a problem as one line, a value quoted back short, and the
closest known name to a mistyped one."""
from __future__ import annotations

from sim.errors import Problem, did_you_mean, excerpt


def test_the_closest_known_name_is_suggested():
    sites = ["trondheim", "st-olavs", "hnt", "levanger", "verdal"]
    assert did_you_mean("hntt", sites) == "; did you mean 'hnt'?"
    assert did_you_mean("st_olavs", sites) == "; did you mean 'st-olavs'?"
    assert did_you_mean("baselin", ["baseline", "delay-sensitivity"]) == "; did you mean 'baseline'?"
    assert did_you_mean("go_lve", ["go_live", "name", "kind"]) == "; did you mean 'go_live'?"


def test_nothing_is_suggested_when_nothing_is_close_or_the_name_is_known():
    assert did_you_mean("zzz", ["trondheim", "hnt"]) == ""
    assert did_you_mean("hnt", ["hnt", "hntt"]) == ""
    assert did_you_mean("x", []) == ""
    assert did_you_mean("a", [1, None, "b"]) == ""  # only names are suggested


def test_a_problem_is_one_line_and_a_value_is_quoted_short():
    assert str(Problem("f.toml", "site.a", "bad")) == "f.toml: site.a: bad"
    assert str(Problem("", "", "bad")) == "bad"
    assert excerpt("x" * 100).startswith("'xxxx") and "(100 characters)" in excerpt("x" * 100)
