"""One replication's world: dates on one clock, delays and postponements as targets."""
from __future__ import annotations

import datetime as dt

from sim.engine.streams import RandomStreams
from sim.engine.world import draw_world, epoch_of
from tests.conftest import small_model

D = dt.date


def test_epoch_is_the_first_thing_that_happens():
    # Instructor certification and the environment both start Mon 2 Jan 2023; e-learning
    # opens 12 weeks before 6 May, on 11 Feb.
    assert epoch_of(small_model()) == D(2023, 1, 2)


def test_targets_follow_postponements_and_fixed_delays():
    model = small_model(**{
        "site.a.postponement": [{"decided": D(2023, 4, 20), "go_live": D(2023, 6, 3)}],
        "uncertainty.go_live_delay_days": 14, "uncertainty.go_live_delay_decided_weeks_before": 2,
        "uncertainty.training_environment_delay_days": 7, "uncertainty.certification_delay_days": 3,
    })
    w = draw_world(model, RandomStreams(1, 0))
    day = lambda d: (d - w.epoch).days  # noqa: E731
    site = w.sites[0]
    # Planned 6 May; moved on 20 Apr to 3 Jun; then a 14-day slip decided 2 weeks before.
    assert site.targets == ((0, day(D(2023, 5, 6))), (day(D(2023, 4, 20)), day(D(2023, 6, 3))),
                            (day(D(2023, 5, 20)), day(D(2023, 6, 17))))
    assert site.go_live_day == day(D(2023, 6, 17))
    assert site.env_ready_day == day(D(2023, 1, 9))
    # Certification: 5 working days from Mon 2 Jan end Fri 6 Jan; teaching from Sat 7 Jan,
    # plus a 3-day delay.
    assert w.certified_day["a-instructors"] == day(D(2023, 1, 10))


def test_rates_are_drawn_per_site_and_replication():
    model = small_model(**{"uncertainty.no_show_probability": {"dist": "uniform", "low": 0, "high": 0.5}})
    a = draw_world(model, RandomStreams(1, 0)).sites[0].no_show_p
    b = draw_world(model, RandomStreams(1, 1)).sites[0].no_show_p
    assert 0 <= a <= 0.5 and a != b
    assert draw_world(model, RandomStreams(1, 0)).sites[0].no_show_p == a


def test_a_common_cause_delays_its_sites_together_or_each_on_its_own():
    from sim.engine.streams import RandomStreams
    from sim.engine.world import common_delay_days
    from sim.model.model_file import build_model, load_toml
    from sim.model.overrides import apply_overrides
    from tests.conftest import DATA

    raw = load_toml(DATA / "study-model.toml")
    days = {"dist": "uniform", "low": 10, "high": 90}
    shared = build_model(apply_overrides(raw, [("common_delay.outage.probability", 0.5),
                                               ("common_delay.outage.days", days)]), DATA / "study-model.toml")
    alone = build_model(apply_overrides(raw, [("common_delay.outage.probability", 0.5), ("common_delay.outage.days", days),
                                              ("common_delay.outage.independent", True)]), DATA / "study-model.toml")
    together = [common_delay_days(shared, RandomStreams(3, rep)) for rep in range(200)]
    apart = [common_delay_days(alone, RandomStreams(3, rep)) for rep in range(200)]
    key_a, key_b = ("training_environment", "a"), ("training_environment", "b")
    # One cause: both sites late by the same days, or neither.
    assert all(d.get(key_a, 0) == d.get(key_b, 0) for d in together)
    assert 60 < sum(key_a in d for d in together) < 140  # struck in about half (binomial SD 7)
    # Each on its own: often one without the other.
    assert sum((key_a in d) != (key_b in d) for d in apart) > 60  # about half of 200, SD 7


def test_common_delays_that_add_up_are_cut_at_the_bound_on_one_delay():
    # Each delay is bounded (sim.limits.MAX_DAYS); many on one site must not add up past
    # the calendar's end (the audit's case: hundreds of 10-year outages on one site).
    import copy

    from sim import limits
    from sim.engine.streams import RandomStreams
    from sim.engine.world import common_delay_days, draw_world
    from sim.model.model_file import build_model, load_toml
    from tests.conftest import DATA

    raw = load_toml(DATA / "study-model.toml")
    outage = {**raw["common_delay"][0], "probability": 1.0, "days": limits.MAX_DAYS}
    raw["common_delay"] = [{**copy.deepcopy(outage), "id": f"outage-{i}"} for i in range(5)]
    model = build_model(raw, DATA / "study-model.toml")
    assert common_delay_days(model, RandomStreams(1, 0))[("training_environment", "a")] == limits.MAX_DAYS
    draw_world(model, RandomStreams(1, 0))  # and the world can still be drawn
