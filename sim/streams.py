"""Independent random streams: one per replication, source of randomness and entity.

A stream's seed depends only on (experiment seed, replication index, stream name,
entity id), never on the order of use, the scenario or the worker that runs it. So the
same replication draws the same numbers in every scenario (common random numbers) and
results do not depend on how replications are spread over workers.
"""
from __future__ import annotations

import zlib

import numpy as np

STREAMS = (
    "rates", "delays", "elearning", "self_training", "turnover", "no_show",
    "learner_sick", "instructor_sick", "proficiency",
)


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
        self._cache: dict[tuple[str, str], np.random.Generator] = {}

    def get(self, stream: str, entity: str = "") -> np.random.Generator:
        """The generator of ``stream`` for ``entity`` (a site, group or pool id)."""
        if stream not in STREAMS:
            raise ValueError(f"unknown random stream {stream!r}")
        found = self._cache.get((stream, entity))
        if found is None:
            seq = np.random.SeedSequence(self.seed, spawn_key=(self.replication, _key(stream), _key(entity)))
            found = np.random.default_rng(seq)
            self._cache[(stream, entity)] = found
        return found
