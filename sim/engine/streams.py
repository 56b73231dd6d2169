"""Independent random streams: one per replication, source of randomness and entity.

A stream's seed depends only on (experiment seed, replication index, stream name, the
kind and id of the entity it belongs to, and a name within it), never on the order of
use, the scenario or the worker that runs it. So the
same replication draws the same numbers in every scenario (common random numbers) and
results do not depend on how replications are spread over workers.
"""
from __future__ import annotations

import zlib

import numpy as np

# One stream per source of randomness, so that changing how one quantity is drawn (a
# fixed value for a distribution, say) leaves every other draw as it was.
STREAMS = (
    "rates", "delays", "elearning", "self_training", "turnover", "hire_lag", "attendance",
    "no_show_wait", "sick_wait", "instructor_sick", "proficiency", "long_term_leave",
)
KINDS = ("site", "group", "pool", "curriculum", "common")
_POOL_SIZE = 4  # words in a numpy SeedSequence's entropy pool (its default)


def _key(text: str) -> int:
    # A stable (unlike hash()) 32-bit id for a name, so adding a site or a stream
    # elsewhere in the model does not shift another entity's numbers.
    return zlib.crc32(text.encode("utf-8"))


def _words(n: int) -> list[int]:
    """A non-negative integer as 32-bit words, least significant first (at least one),
    as numpy's SeedSequence reads an integer."""
    words = [n & 0xFFFFFFFF]
    n >>= 32
    while n:
        words.append(n & 0xFFFFFFFF)
        n >>= 32
    return words


class RandomStreams:
    """The random number generators of one replication."""

    def __init__(self, seed: int, replication: int) -> None:
        if seed < 0 or replication < 0:
            raise ValueError("seed and replication must be >= 0")
        self.seed = seed
        self.replication = replication
        self._cache: dict[tuple[str, str, str, str], np.random.Generator] = {}
        # The entropy that SeedSequence(seed, spawn_key=(replication, ...)) assembles, up
        # to the stream's own key: the seed's words padded to the pool size, then the
        # replication's. Handing SeedSequence these words as one uint32 array gives the
        # very same generator (tests/engine/test_streams.py checks it) at a third of the cost
        # of coercing a tuple of Python ints on every call.
        seed_words = _words(seed)
        seed_words += [0] * (_POOL_SIZE - len(seed_words))
        self._prefix = seed_words + _words(replication)

    def get(self, stream: str, kind: str, entity: str, name: str = "") -> np.random.Generator:
        """The generator of ``stream`` for one entity (a site, group, pool or curriculum
        id of that ``kind``, or a common cause's), optionally for one named quantity of it."""
        key = (stream, kind, entity, name)
        found = self._cache.get(key)
        if found is None:
            if stream not in STREAMS or kind not in KINDS:
                raise ValueError(f"unknown random stream {stream!r} or entity kind {kind!r}")
            entropy = np.array([*self._prefix, _key(stream), _key(kind), _key(entity), _key(name)], dtype=np.uint32)
            found = np.random.Generator(np.random.PCG64(np.random.SeedSequence(entropy)))
            self._cache[key] = found
        return found
