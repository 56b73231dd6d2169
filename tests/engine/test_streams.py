"""Random streams depend only on (seed, replication, stream, entity)."""
from __future__ import annotations

import pytest

from sim.engine.streams import RandomStreams


def test_same_key_same_numbers_in_any_order():
    a, b = RandomStreams(42, 3), RandomStreams(42, 3)
    b.get("attendance", "site", "hnt").random(5)  # using another stream first changes nothing
    assert a.get("elearning", "group", "x").random(4).tolist() == b.get("elearning", "group", "x").random(4).tolist()


def test_streams_differ_by_replication_stream_and_entity():
    base = RandomStreams(1, 0).get("elearning", "group", "g").random(3).tolist()
    assert RandomStreams(1, 1).get("elearning", "group", "g").random(3).tolist() != base
    assert RandomStreams(1, 0).get("self_training", "group", "g").random(3).tolist() != base
    assert RandomStreams(1, 0).get("elearning", "group", "h").random(3).tolist() != base
    assert RandomStreams(2, 0).get("elearning", "group", "g").random(3).tolist() != base
    # The kind is part of the key: a site and a group with the same id do not collide.
    assert RandomStreams(1, 0).get("elearning", "site", "g").random(3).tolist() != base
    assert RandomStreams(1, 0).get("rates", "site", "a", "pass").random(3).tolist() != \
        RandomStreams(1, 0).get("rates", "curriculum", "a", "pass").random(3).tolist()


def test_a_stream_is_one_generator_within_a_replication():
    s = RandomStreams(1, 0)
    first = s.get("rates", "site", "a").random()
    assert s.get("rates", "site", "a").random() != first


def test_unknown_stream_and_negative_seed_are_errors():
    with pytest.raises(ValueError):
        RandomStreams(1, 0).get("weather", "site", "a")
    with pytest.raises(ValueError):
        RandomStreams(1, 0).get("rates", "planet", "a")
    with pytest.raises(ValueError):
        RandomStreams(-1, 0)


@pytest.mark.parametrize("seed", [0, 1, 20220905, 2**32 - 1, 2**32, 2**64 + 3, 2**130 + 7])
@pytest.mark.parametrize("replication", [0, 7, 2**32 + 1])
def test_streams_are_the_documented_seed_sequence_children(seed, replication):
    # The fast construction must give exactly numpy's SeedSequence(seed, spawn_key=...)
    # child, so results stay comparable with any run made the documented way.
    import zlib

    import numpy as np

    parts = ("sick_wait", "group", "hnt-nurses", "")
    spawn = (replication, *(zlib.crc32(p.encode("utf-8")) for p in parts))
    expected = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=spawn)).random(4)
    assert RandomStreams(seed, replication).get(*parts).random(4).tolist() == expected.tolist()


@pytest.mark.parametrize("seed", [0, 20220905, 2**32, 2**130 + 7])
@pytest.mark.parametrize("replication", [0, 7, 2**32 + 1])
def test_get_many_gives_the_generators_get_gives(seed, replication):
    # get_many computes SeedSequence's hash itself, over many streams at once: it must
    # give every stream exactly the generator get makes with numpy's SeedSequence.
    import numpy as np

    keys = [("elearning", "group", f"g{i}", "") for i in range(30)] + [
        ("long_term_leave", "group", "hnt-nurses", "return"), ("rates", "curriculum", "basic", "pass"),
        ("delays", "common", "vendor", "strikes:hnt"), ("turnover", "site", "æøå", "")]
    streams = RandomStreams(seed, replication)
    many = streams.get_many(keys + keys[:3])  # a key asked twice is the same generator
    assert many[:3] == many[-3:]
    one = RandomStreams(seed, replication)
    for key, gen in zip(keys, many):
        assert gen.bit_generator.state == one.get(*key).bit_generator.state
    assert streams.get(*keys[0]) is many[0]  # the one generator of that stream in this replication
    # Any other state a bit generator might ask for is SeedSequence's too.
    expected = np.random.SeedSequence(np.array(streams._prefix + [zlib_key(p) for p in keys[0]], dtype=np.uint32))
    assert many[0].bit_generator.seed_seq.generate_state(7).tolist() == expected.generate_state(7).tolist()
    with pytest.raises(ValueError):
        streams.get_many([("weather", "site", "a", "")])


def zlib_key(text: str) -> int:
    import zlib

    return zlib.crc32(text.encode("utf-8"))
