"""The columns a replication hands out, named in sim.engine.fields, match what the
engine and its kernel write."""
from __future__ import annotations

from sim.engine import kernel
from sim.engine.fields import SESSION_FIELDS, WEEKLY_FIELDS
from sim.engine.replication import run_replication
from tests.conftest import loaded_after, small_model


def test_the_kernel_s_weekly_indices_are_the_positions_of_the_named_fields():
    indices = {"sessions_run": kernel.W_RUN, "sessions_cancelled": kernel.W_CANCELLED,
               "sessions_underfilled": kernel.W_UNDERFILLED, "instructor_slots_taught": kernel.W_TAUGHT,
               "instructor_slots_on_duty": kernel.W_ON_DUTY, "room_slots_used": kernel.W_USED,
               "room_slots_open": kernel.W_OPEN}
    assert indices == {name: k for k, name in enumerate(WEEKLY_FIELDS)}


def test_a_replication_s_tables_have_one_column_per_field():
    result = run_replication(small_model(), 1, 0)
    assert result.sessions.shape[1] == len(SESSION_FIELDS) and result.sessions.shape[0] > 0
    assert result.weekly.shape[1] == len(WEEKLY_FIELDS)


def test_reading_results_does_not_load_the_engine():
    assert loaded_after("import sim.analysis.bottlenecks, sim.analysis.curves",
                        ("numba", "simpy", "sim.engine.rollout")) == []
