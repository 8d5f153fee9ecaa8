"""sim.rng: named streams, keyed by name and replication, reproducible bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from sim.rng import Streams


def test_a_stream_is_the_same_generator_whenever_it_is_asked_for() -> None:
    a = Streams(5).get("demand", 2).random(6)
    b = Streams(5).get("demand", 2).random(6)
    np.testing.assert_array_equal(a, b)


def test_streams_differ_by_name_replication_and_seed() -> None:
    draws = {
        "base": Streams(5).get("demand", 2).random(4),
        "name": Streams(5).get("lead_time", 2).random(4),
        "replication": Streams(5).get("demand", 3).random(4),
        "no replication": Streams(5).get("demand").random(4),
        "seed": Streams(6).get("demand", 2).random(4),
    }
    rows = [tuple(v) for v in draws.values()]
    assert len(set(rows)) == len(rows)


def test_a_new_stream_leaves_the_draws_of_the_others_unchanged() -> None:
    streams = Streams(11)
    before = streams.get("demand", 0).random(3)
    streams.get("disruption", 0).random(100)  # a new source of randomness
    np.testing.assert_array_equal(before, Streams(11).get("demand", 0).random(3))


def test_population_is_the_replication_independent_population_stream() -> None:
    np.testing.assert_array_equal(
        Streams(3).population().random(3), Streams(3).get("population").random(3)
    )


@pytest.mark.parametrize("seed", [-1, 1.5, True, "3"])
def test_a_bad_seed_is_refused_naming_it(seed: object) -> None:
    with pytest.raises(ValueError, match=r"seed\(=.*\) must be a non-negative integer"):
        Streams(seed)  # type: ignore[arg-type]
