"""The compiled table path of Poisson inversion (sim.demand.poisson_table): its column
groups, like the exact search's chunks, never change a draw."""

from __future__ import annotations

import numpy as np

from sim.demand import poisson_inversion, poisson_table
from sim.demand.poisson_inversion import poisson_inverse
from tests.sim.demand.test_poisson_inversion import MEANS, uniforms


def test_draws_do_not_depend_on_chunk_sizes(monkeypatch):
    rng = np.random.default_rng(9)
    mean = np.concatenate([MEANS, np.exp(np.log(30) + 1.5 * rng.standard_normal(300))])
    u = uniforms((50, mean.size), seed=10)
    expected = poisson_inverse(mean, u)
    monkeypatch.setattr(poisson_inversion, "BLOCK_DRAWS", 333)
    for group in (1, 7, 1000):  # columns whose tables are built together
        monkeypatch.setattr(poisson_table, "GROUP", group)
        np.testing.assert_array_equal(poisson_inverse(mean, u), expected)
    per_element = np.broadcast_to(mean, u.shape)
    monkeypatch.setattr(poisson_inversion, "BLOCK_DRAWS", 1 << 20)
    reference = poisson_inverse(per_element, u)
    monkeypatch.setattr(poisson_inversion, "BLOCK_DRAWS", 333)
    np.testing.assert_array_equal(poisson_inverse(per_element, u), reference)
