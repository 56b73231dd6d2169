"""Random streams depend only on (seed, replication, stream, entity)."""
from __future__ import annotations

import pytest

from sim.streams import RandomStreams


def test_same_key_same_numbers_in_any_order():
    a, b = RandomStreams(42, 3), RandomStreams(42, 3)
    b.get("no_show", "hnt").random(5)  # using another stream first changes nothing
    assert a.get("elearning", "x").random(4).tolist() == b.get("elearning", "x").random(4).tolist()


def test_streams_differ_by_replication_stream_and_entity():
    base = RandomStreams(1, 0).get("elearning", "g").random(3).tolist()
    assert RandomStreams(1, 1).get("elearning", "g").random(3).tolist() != base
    assert RandomStreams(1, 0).get("self_training", "g").random(3).tolist() != base
    assert RandomStreams(1, 0).get("elearning", "h").random(3).tolist() != base
    assert RandomStreams(2, 0).get("elearning", "g").random(3).tolist() != base


def test_a_stream_is_one_generator_within_a_replication():
    s = RandomStreams(1, 0)
    first = s.get("rates", "a").random()
    assert s.get("rates", "a").random() != first


def test_unknown_stream_and_negative_seed_are_errors():
    with pytest.raises(ValueError):
        RandomStreams(1, 0).get("weather")
    with pytest.raises(ValueError):
        RandomStreams(-1, 0)
