"""The DataFrames of a run: dtypes from the outcome record, missing values as NaT and
<NA>, categories in the model's order, and curves and bottlenecks that agree with the
histograms they come from."""
from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from sim.analysis.curves import ShareHistogram
from sim.api import frames
from sim.engine.outcomes import SiteOutcome
from sim.model.experiment_file import load_experiment
from sim.runs.folder import COLUMNS
from sim.runs.launch import Finished, run_in_memory
from sim.runs.runner import RunOptions
from tests.conftest import SMALL_EXPERIMENT


@pytest.fixture(scope="module")
def finished() -> Finished:
    return run_in_memory(load_experiment(SMALL_EXPERIMENT), RunOptions(4, 2, "serial"))


def test_every_field_of_the_outcome_record_has_a_dtype() -> None:
    # A new field of SiteOutcome must get a dtype here (or the frame refuses it loudly).
    for field in dataclasses.fields(SiteOutcome):
        frames._column(field.name, [])


def test_empty_cells_are_missing_values_not_zeros() -> None:
    row = dict.fromkeys(COLUMNS, "1")
    row.update(scenario="s", site="a", go_live="2023-02-11", planned_go_live="2023-02-11", ready="true",
               super_users_ready="false", units_ready="true", completion_date="", date_95="",
               first_class_date="2022-09-05", slack_days="")
    frame = frames.replications_frame([list(row.values())])
    assert frame["completion_date"].isna().all() and frame["slack_days"].isna().all()
    assert frame["slack_days"].dtype == "Int64" and frame["sessions_run"].dtype == "int64"
    assert frame["ready"].tolist() == [True] and frame["super_users_ready"].tolist() == [False]
    assert frame["go_live"].iloc[0] == pd.Timestamp("2023-02-11")


def test_no_rows_give_an_empty_frame_with_every_column() -> None:
    assert list(frames.replications_frame([]).columns) == list(COLUMNS)


def test_categories_keep_the_order_of_first_appearance(finished: Finished) -> None:
    assert finished.rows is not None
    frame = frames.replications_frame(finished.rows)
    sites = [s.id for s in finished.spec.scenarios[0].model.sites]
    assert list(frame["site"].cat.categories) == sites
    assert list(frame["scenario"].cat.categories) == [s.name for s in finished.spec.scenarios]


def test_risks_match_the_summary(finished: Finished) -> None:
    risks = frames.risks_frame(finished.summary)
    for _, row in risks.iterrows():
        site = finished.summary["scenarios"][row["scenario"]]["sites"][row["site"]]
        assert row["risk"] == site["risk_not_ready"]
        assert [row["risk_ci95_low"], row["risk_ci95_high"]] == site["risk_ci95"]
        p50 = site["completion_date"]["p50"]
        assert (pd.isna(row["p50_completion"]) if p50 is None else row["p50_completion"] == pd.Timestamp(p50))


def test_curves_are_the_histograms_mean_and_quantiles() -> None:
    hist = ShareHistogram(["a", "b"], pd.Timestamp("2023-01-02").date(), 3)
    for shares in ([0.0, 0.5, 1.0], [0.0, 0.25, 0.5]):
        hist.add(np.array([shares, shares]), hist.epoch)
    frame = frames.curves_frame({"s": hist})
    assert len(frame) == 2 * 3 and list(frame["site"].cat.categories) == ["a", "b"]
    day3 = frame[(frame["site"] == "a") & (frame["date"] == pd.Timestamp("2023-01-04"))].iloc[0]
    assert day3["mean"] == pytest.approx(0.75) and day3["p10"] == 0.5 and day3["p90"] == 1.0


def test_bottlenecks_are_means_per_replication(finished: Finished) -> None:
    frame = frames.bottlenecks_frame(dict(zip([s.name for s in finished.spec.scenarios], finished.weekly)))
    weekly = finished.weekly[0]
    total = weekly.totals[:, 0, :].sum() / weekly.replications  # sessions run, all sites and weeks
    first = frame[frame["scenario"] == finished.spec.scenarios[0].name]
    assert first["sessions_run"].sum() == pytest.approx(total)
    assert (first["week"].dt.day_of_week == 0).all()  # Mondays
