"""The time left a progress bar shows: from the rate of the work after the first report,
and none until there is enough of it, so that start-up does not make it too short."""
from __future__ import annotations

import pytest

from sim.cli.eta import MIN_SECONDS, WARM_UP_REPORTS, Eta, clock_time
from sim.cli.talk import ProgressBar


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def steady_run(eta: Eta, clock: FakeClock, warm_up: float, first: int, rate: float, total: int):
    """A run whose start-up takes ``warm_up`` seconds, after which ``first`` units are
    reported at once (the first chunks of every worker), then one unit per 1/rate
    seconds, reported every second. Yields (done, true seconds left) after each report."""
    clock.now += warm_up
    done = first
    eta.update(done, total)
    yield done, (total - done) / rate
    while done < total:
        clock.now += 1
        done = min(total, done + round(rate))
        eta.update(done, total)
        yield done, (total - done) / rate


def test_no_estimate_until_enough_work_after_the_first_report():
    clock = FakeClock()
    eta = Eta(clock)
    assert eta.remaining() is None and eta.text() == "elapsed 0:00, estimating time left"
    eta.update(100, 1000)
    for _ in range(WARM_UP_REPORTS):
        assert eta.remaining() is None
        clock.now += MIN_SECONDS / WARM_UP_REPORTS
        eta.update(eta._last[1] + 10, 1000)  # type: ignore[index]
    assert eta.remaining() is not None


def test_start_up_does_not_make_the_estimate_too_short():
    # 30 s of start-up, then 100 replications reported at once, then 10 a second: the
    # count divided by the time since the first report (tqdm's) says ~20 s left after
    # 3 s; the truth is 87 s.
    clock = FakeClock()
    eta = Eta(clock)
    estimates = []
    for done, truth in steady_run(eta, clock, warm_up=30, first=100, rate=10, total=1000):
        left = eta.remaining()
        if left is not None:
            estimates.append((left, truth))
            assert left == pytest.approx(truth, rel=0.05, abs=1), (done, left, truth)
    assert estimates and estimates[0][1] > 80  # an estimate from the third second on
    assert eta.text().startswith("elapsed 2:00")  # start-up included: 30 s + 90 s


def test_the_estimate_counts_down_between_reports_and_never_below_zero():
    clock = FakeClock()
    eta = Eta(clock)
    for i, done in enumerate((0, 10, 20, 30)):
        clock.now = 1000 + i
        eta.update(done, 100)
    assert eta.remaining() == pytest.approx(7)
    clock.now += 3
    assert eta.remaining() == pytest.approx(4)
    clock.now += 60
    assert eta.remaining() == 0


def test_a_phase_that_counts_from_fewer_starts_its_estimate_again():
    clock = FakeClock()
    eta = Eta(clock)
    for i in range(5):
        clock.now += 1
        eta.update(10 * i, 50)
    assert eta.remaining() is not None
    eta.update(0, 50)  # the next value of a capacity search, say
    assert eta.remaining() is None


def test_clock_times():
    assert [clock_time(s) for s in (0, 7.4, 59.6, 750, 3723, -3)] == ["0:00", "0:07", "1:00", "12:30", "1:02:03",
                                                                      "0:00"]


def test_the_progress_bar_keeps_its_own_estimate_and_starts_a_new_one_when_closed():
    clock = FakeClock()
    bar = ProgressBar(clock=clock)
    clock.now += 30  # start-up: counted as elapsed, not in the rate
    for done in (100, 110, 120, 130):
        bar(done, 1000)
        clock.now += 1
    assert bar.eta.remaining() == pytest.approx(87 - 1, abs=0.5) and bar.eta.elapsed() == 34
    bar.close()
    assert bar.eta.remaining() is None and bar.eta.elapsed() == 0
