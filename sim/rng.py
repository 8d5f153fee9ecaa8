"""Named random streams for one run.

One seed per run. ``numpy.random.SeedSequence`` turns it into independent streams, one
per *source of randomness* and per replication, so that

* two policies simulated with the same seed meet the same demand and the same lead times
  in replication ``k`` (common random numbers), whatever they order, and
* adding a new source of randomness (say, supplier disruptions) does not shift the draws of
  the existing ones: each stream is keyed by its name, not by the order of creation.

The population stream (per-SKU parameters of a heterogeneous scenario) and the promotions
stream (the key of the promotion plan) do not depend on the replication: the SKUs and their
planned promotions are part of the scenario, the replications re-draw their demand. The
history stream draws the demand before period 0 that forecasters are fitted on.
"""

from __future__ import annotations

import zlib

import numpy as np

from sim.checks import is_int

__all__ = ["Streams", "STREAM_NAMES"]

#: Sources of randomness known to the engine. New names may be added freely.
STREAM_NAMES = ("population", "demand", "lead_time", "events", "history", "promotions")


def _key(name: str) -> int:
    # A stable 32-bit key per name (Python's hash() is salted per process).
    return zlib.crc32(name.encode("utf-8"))


class Streams:
    """The random generators of one run: ``Streams(seed).get("demand", replication=3)``."""

    def __init__(self, seed: int):
        if not is_int(seed, 0):
            raise ValueError(f"seed(={seed!r}) must be a non-negative integer")
        self.seed = int(seed)

    def get(self, name: str, replication: int | None = None) -> np.random.Generator:
        """Generator for stream ``name``; replication ``None`` is replication-independent."""
        words = [self.seed, _key(name)]
        if replication is not None:
            words.append(int(replication) + 1)
        return np.random.Generator(np.random.PCG64(np.random.SeedSequence(words)))

    def population(self) -> np.random.Generator:
        return self.get("population")
