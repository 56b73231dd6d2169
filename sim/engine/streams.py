"""Independent random streams: one per replication, source of randomness and entity.

A stream's seed depends only on (experiment seed, replication index, stream name, the
kind and id of the entity it belongs to, and a name within it), never on the order of
use, the scenario or the worker that runs it. So the
same replication draws the same numbers in every scenario (common random numbers) and
results do not depend on how replications are spread over workers.

:meth:`RandomStreams.get_many` makes many generators at once, identical to those of
:meth:`RandomStreams.get`, for the set-up of a replication (a few hundred streams).
"""
from __future__ import annotations

import zlib
from collections.abc import Sequence

import numpy as np
from numpy.random.bit_generator import ISeedSequence

# One stream per source of randomness, so that changing how one quantity is drawn (a
# fixed value for a distribution, say) leaves every other draw as it was.
STREAMS = (
    "rates", "delays", "elearning", "self_training", "turnover", "hire_lag", "attendance",
    "no_show_wait", "sick_wait", "instructor_sick", "proficiency", "long_term_leave",
)
KINDS = ("site", "group", "pool", "curriculum", "common")
_POOL_SIZE = 4  # words in a numpy SeedSequence's entropy pool (its default)
# numpy's SeedSequence hash (numpy/random/bit_generator.pyx, after M. E. O'Neill's
# seed_seq_fe; NEP 19 keeps its output fixed across numpy versions). get_many runs it
# over many streams at once; tests/engine/test_streams.py checks it against numpy's.
_INIT_A, _MULT_A, _INIT_B, _MULT_B = 0x43B0D7E5, 0x931E8875, 0x8B51F9DD, 0x58F38DED
_MIX_MULT_L, _MIX_MULT_R, _MASK32 = 0xCA01F9DD, 0x4973F715, 0xFFFFFFFF

Key = tuple[str, str, str, str]  # (stream, kind, entity, name) as RandomStreams.get takes them


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


def _hashmix(value: int, const: int) -> tuple[int, int]:
    """SeedSequence's hashmix of a word, and the hash constant it leaves for the next."""
    const2 = (const * _MULT_A) & _MASK32
    value = ((value ^ const) * const2) & _MASK32
    return value ^ (value >> 16), const2


def _mix(x: int, y: int) -> int:
    """SeedSequence's mix of two words."""
    result = (_MIX_MULT_L * x - _MIX_MULT_R * y) & _MASK32
    return result ^ (result >> 16)


def _constants(const: int, mult: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The constants of ``n`` successive hash steps from ``const``: each step xors with
    the constant, steps it on (times ``mult``) and multiplies by the new one."""
    xor, mul = [], []
    for _ in range(n):
        xor.append(const)
        const = (const * mult) & _MASK32
        mul.append(const)
    return np.array(xor, dtype=np.uint32), np.array(mul, dtype=np.uint32)


_STATE_XOR, _STATE_MUL = _constants(_INIT_B, _MULT_B, 2 * _POOL_SIZE)  # generate_state's


class _Seeded(ISeedSequence):
    """The seed sequence of one stream whose PCG64 seed words :meth:`RandomStreams.get_many`
    already computed; any other request is answered by numpy's SeedSequence itself.

    Unlike a SeedSequence it cannot spawn children (nothing here spawns).
    """

    __slots__ = ("_entropy", "_pcg64")

    def __init__(self, entropy: list[int], pcg64_words: np.ndarray) -> None:
        self._entropy = entropy
        self._pcg64 = pcg64_words

    def generate_state(self, n_words: int, dtype=np.uint32) -> np.ndarray:
        """What ``SeedSequence(entropy).generate_state(n_words, dtype)`` gives."""
        if n_words == 4 and (dtype is np.uint64 or np.dtype(dtype) == np.uint64):  # what PCG64 asks for
            return self._pcg64.copy()
        return np.random.SeedSequence(np.array(self._entropy, dtype=np.uint32)).generate_state(n_words, dtype)


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
        # SeedSequence's pool after mixing in the prefix, which every stream shares (the
        # prefix has at least pool-size + 1 words), and the hash constant it leaves, so
        # get_many only mixes in each stream's own four words.
        pool, const = [], _INIT_A
        for word in self._prefix[:_POOL_SIZE]:
            mixed, const = _hashmix(word, const)
            pool.append(mixed)
        for i_src in range(_POOL_SIZE):
            for i_dst in range(_POOL_SIZE):
                if i_src != i_dst:
                    mixed, const = _hashmix(pool[i_src], const)
                    pool[i_dst] = _mix(pool[i_dst], mixed)
        for word in self._prefix[_POOL_SIZE:]:
            for i_dst in range(_POOL_SIZE):
                mixed, const = _hashmix(word, const)
                pool[i_dst] = _mix(pool[i_dst], mixed)
        self._prefix_pool = pool
        # The hash constants that mix each of a stream's four own words into the pool.
        xor, mul = _constants(const, _MULT_A, 4 * _POOL_SIZE)
        self._own_xor, self._own_mul = xor.reshape(4, _POOL_SIZE), mul.reshape(4, _POOL_SIZE)

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

    def get_many(self, keys: Sequence[Key]) -> list[np.random.Generator]:
        """The generators of several streams, each ``(stream, kind, entity, name)`` as
        :meth:`get` takes them: the very same generators, in the order asked.

        Those not made yet are made in one pass of array arithmetic over all of them, at
        about a fifth of the cost each of :meth:`get` (which runs numpy's SeedSequence
        once per stream): worth it where a replication needs dozens of streams at once.
        """
        missing = [key for key in dict.fromkeys(keys) if key not in self._cache]
        if missing:
            for stream, kind, _, _ in missing:
                if stream not in STREAMS or kind not in KINDS:
                    raise ValueError(f"unknown random stream {stream!r} or entity kind {kind!r}")
            code = {part: _key(part) for part in {part for key in missing for part in key}}  # each once
            own = [[code[part] for part in key] for key in missing]
            words = self._pcg64_words(np.array(own, dtype=np.uint32))
            for i, key in enumerate(missing):
                seeded = _Seeded([*self._prefix, *own[i]], words[i])
                # BitGenerators take any ISeedSequence; numpy's stubs name only SeedSequence.
                self._cache[key] = np.random.Generator(np.random.PCG64(seeded))  # type: ignore[arg-type]
        return [self._cache[key] for key in keys]

    def _pcg64_words(self, own: np.ndarray) -> np.ndarray:
        """``SeedSequence(prefix + row).generate_state(4, np.uint64)`` for each row of
        ``own`` (uint32, a row of four words per stream): shape (rows, 4).

        uint32 arrays wrap as SeedSequence's C arithmetic does. Each own word is mixed
        into the four pool words with four consecutive hash constants, independently of
        each other, so that is one operation on a (rows, 4) array.
        """
        pool = np.tile(np.array(self._prefix_pool, dtype=np.uint32), (own.shape[0], 1))
        for j in range(own.shape[1]):  # the rest of mix_entropy
            mixed = (own[:, j, None] ^ self._own_xor[j]) * self._own_mul[j]
            mixed ^= mixed >> 16
            pool = _MIX_MULT_L * pool - _MIX_MULT_R * mixed
            pool ^= pool >> 16
        # generate_state: eight 32-bit words, cycling through the pool.
        state = (np.tile(pool, 2) ^ _STATE_XOR) * _STATE_MUL
        state ^= state >> 16
        # Pairs of words as little-endian 64-bit words, as SeedSequence reads them.
        return np.ascontiguousarray(state, dtype="<u4").view("<u8").astype(np.uint64)
