"""A calibration's figures: a panel per target, and a pairs plot of the sets kept."""
from __future__ import annotations

import pytest
from matplotlib.image import imread

from sim.model.experiment_file import load_experiment
from sim.output.calibration_figures import calibration_figures, fit_figure, pairs_figure
from sim.studies.calibrate import plan_calibration, run_calibration
from sim.studies.study import Study
from tests.conftest import with_observed


def _result(tmp_path, observed: float):
    study = Study("calibrate", load_experiment(with_observed(tmp_path, observed)), [], memory=True, executor="serial")
    return run_calibration(study, plan_calibration(study))


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    return _result(tmp_path_factory.mktemp("cal"), 680)


def test_every_target_has_its_panel_and_the_sets_their_pairs_plot(result, tmp_path):
    fit = fit_figure(result)
    titles = [ax.get_title() for ax in fit.axes if ax.get_visible()]
    assert [t.replace("\n", " ") for t in titles] == ["places booked at a", "b ready (held out)"]
    for ax in (ax for ax in fit.axes if ax.get_visible()):
        assert [t.get_text() for t in ax.get_yticklabels()] == ["after", "before", "observed"]
    pairs = pairs_figure(result)
    assert len(pairs.axes) == 1 and pairs.axes[0].get_xlabel() == "no-shows"  # one parameter: its histogram
    written = calibration_figures(result, tmp_path)
    assert sorted(p.name for p in written) == ["fit.png", "parameters.png"]
    for png in written:
        assert 800 <= imread(png).shape[1] <= 1280  # a real picture, not cut in the report


def test_with_nothing_plausible_only_the_fit_is_drawn(tmp_path):
    result = _result(tmp_path, 100000)
    written = calibration_figures(result, tmp_path)
    assert [p.name for p in written] == ["fit.png"]
    visible = [ax for ax in fit_figure(result).axes if ax.get_visible()]
    assert [t.get_text() for t in visible[0].get_yticklabels()] == ["before", "observed"]
