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
    "no_show_wait", "sick_wait", "instructor_sick", "proficiency",
)
KINDS = ("site", "group", "pool", "curriculum")


def _key(text: str) -> int:
    # A stable (unlike hash()) 32-bit id for a name, so adding a site or a stream
    # elsewhere in the model does not shift another entity's numbers.
    return zlib.crc32(text.encode("utf-8"))


class RandomStreams:
    """The random number generators of one replication."""

    def __init__(self, seed: int, replication: int) -> None:
        if seed < 0 or replication < 0:
            raise ValueError("seed and replication must be >= 0")
        self.seed = seed
        self.replication = replication
        self._cache: dict[tuple[str, str, str, str], np.random.Generator] = {}

    def get(self, stream: str, kind: str, entity: str, name: str = "") -> np.random.Generator:
        """The generator of ``stream`` for one entity (a site, group, pool or curriculum
        id of that ``kind``), optionally for one named quantity of it."""
        if stream not in STREAMS or kind not in KINDS:
            raise ValueError(f"unknown random stream {stream!r} or entity kind {kind!r}")
        key = (stream, kind, entity, name)
        found = self._cache.get(key)
        if found is None:
            spawn = (self.replication, *(_key(part) for part in key))
            found = np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=spawn))
            self._cache[key] = found
        return found
