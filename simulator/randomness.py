"""Named random streams: one ``SeedSequence`` per replication, one generator per purpose.

A replication ``r`` of a scenario with seed ``s`` owns the seed sequence with
entropy ``s`` and spawn key ``(r,)``. Each purpose (arrivals, the handle times of
call type 2, redials, ...) gets its own child sequence whose spawn key extends
that with a stable hash of the purpose's name, so the numbers a purpose sees do
not depend on which other purposes exist or in which order they ask. That is
what makes common random numbers work: two scenarios run with the same seed face
the same callers even when their staffing, routing or other call types differ.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable

import numpy as np

__all__ = ["BufferedDraws", "Streams", "stream_key"]


def stream_key(*parts: str | int) -> tuple[int, ...]:
    """Turn a purpose such as ``("handle", 2)`` into a stable tuple of integers."""
    return tuple(p if isinstance(p, int) else zlib.crc32(p.encode()) for p in parts)


class Streams:
    """The random streams of one replication, created on demand by purpose."""

    def __init__(self, seed: int, replication: int) -> None:
        self.seed = seed
        self.replication = replication

    def generator(self, *purpose: str | int) -> np.random.Generator:
        """A fresh generator for ``purpose``; the same purpose always gives the same numbers."""
        seq = np.random.SeedSequence(
            entropy=self.seed, spawn_key=(self.replication, *stream_key(*purpose))
        )
        return np.random.Generator(np.random.PCG64(seq))


class BufferedDraws:
    """Hand out single draws from a distribution, sampled in batches of ``block``.

    Hot paths that need one value at a time (a redial's patience) call ``next``
    instead of a scalar numpy call, which costs as much as a whole batch.
    """

    __slots__ = ("_block", "_buffer", "_draw", "_index")

    def __init__(self, draw: Callable[[int], np.ndarray], block: int = 512) -> None:
        self._draw = draw
        self._block = block
        self._buffer: list[float] = []
        self._index = 0

    def next(self) -> float:
        """The next draw."""
        if self._index >= len(self._buffer):
            self._buffer = self._draw(self._block).tolist()
            self._index = 0
        value = self._buffer[self._index]
        self._index += 1
        return value
