"""Exact Poisson inversion (sim.demand.poisson_inversion).

Three kinds of checks: layout independence (a SKU's draws do not depend on the SKUs
sampled with it; chunk sizes: test_poisson_table.py); exactness against the definition of
inversion, ``F(x - 1) <= u < F(x)`` with SciPy's ``pdtr`` as ``F``; and the distribution of
the draws (moments within 4 standard errors, a chi-square goodness of fit). Seeds are
fixed, so the suite is deterministic.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import special, stats

from sim.demand.poisson_inversion import poisson_inverse, poisson_window
from sim.demand.sampling import TABLE_TAIL, InversionTable

MEANS = np.array(
    [0.0, 1e-6, 0.05, 0.3, 1.0, 4.0, 9.7, 25.0, 81.5, 100.0, 5e3, 1e4, 2e4, 1e6, 1e9, 1e10]
)


CDF_SLACK = 1e-12


Z = 4.0


def uniforms(shape: tuple[int, ...], seed: int) -> np.ndarray:
    u = np.random.default_rng(seed).random(shape)
    u[:4] = np.array([0.0, 1e-300, 1e-20, 1.0 - 2.0**-53]).reshape((4,) + (1,) * (u.ndim - 1))
    return u


def assert_inverts(x: np.ndarray, mean: np.ndarray, u: np.ndarray) -> None:
    """Every draw is the inverse CDF of its uniform, pdtr(x-1, m) <= u < pdtr(x, m), up to
    a relative CDF_SLACK (so tiny u are checked in the far lower tail too); u = 0 gives 0
    (F(0) = exp(-m) > 0 even where pdtr underflows)."""
    mean = np.broadcast_to(mean, u.shape)
    assert x.dtype == np.float64 and x.shape == u.shape
    assert np.all(x == np.floor(x)) and np.all(x >= 0)
    assert np.all(x[u == 0] == 0)
    x, mean, u = x[u > 0], mean[u > 0], u[u > 0]
    below = np.where(x > 0, special.pdtr(np.maximum(x - 1, 0), mean), 0.0)
    upto = special.pdtr(x, mean)
    bad = (u < below * (1 - CDF_SLACK)) | (u >= upto * (1 + CDF_SLACK))
    assert not bad.any(), (mean[bad], u[bad], x[bad])


def test_window_leaves_out_less_than_1e17_each_side():
    mean = np.geomspace(1e-8, 1e10, 4000)
    lo, width = poisson_window(mean)
    hi = lo + width - 1
    assert np.all(special.pdtrc(hi, mean) < 1e-17)
    assert np.all(np.where(lo > 0, special.pdtr(lo - 1, mean), 0.0) < 1e-17)
    assert np.all((lo <= mean) & (mean <= hi))


def test_stationary_draws_invert_the_cdf():
    u = uniforms((400, MEANS.size), seed=1)
    x = poisson_inverse(MEANS, u)
    assert_inverts(x, MEANS, u)
    assert np.all(x[:, MEANS == 0] == 0)


def test_per_element_draws_invert_the_cdf():
    rng = np.random.default_rng(2)
    mean = np.repeat(MEANS, 30)[None, :] * rng.uniform(0.5, 1.5, (40, MEANS.size * 30))
    u = uniforms(mean.shape, seed=3)
    x = poisson_inverse(mean, u)
    assert_inverts(x, mean, u)
    assert np.all(x[mean == 0] == 0)


def test_draws_are_monotone_in_the_uniform():
    u = np.sort(np.random.default_rng(4).random(2000))[:, None]
    for mean in (0.3, 25.0, 3e4):
        for x in (poisson_inverse(np.array([mean]), u), poisson_inverse(np.full(u.shape, mean), u)):
            assert np.all(np.diff(x[:, 0]) >= 0)


def test_stationary_draws_equal_demand_inversion_table():
    """Same uniforms as sim.demand's table sampler (stationary Poisson demand)."""
    rng = np.random.default_rng(5)
    mean = np.exp(np.log(10) + 0.5 * rng.standard_normal(2000))
    support = np.arange(stats.poisson.isf(TABLE_TAIL, mean.max()) + 2)  # as Poisson does
    log_pmf = support * np.log(mean)[:, None] - mean[:, None] - special.gammaln(support + 1)
    expected = InversionTable(log_pmf).sample(np.random.default_rng(6), 365)
    got = poisson_inverse(mean, np.random.default_rng(6).random((365, 2000)))
    np.testing.assert_array_equal(got, expected)


def batches(n: int, rng: np.random.Generator) -> list[np.ndarray]:
    order = rng.permutation(n)
    cuts = np.sort(rng.choice(np.arange(1, n), size=5, replace=False))
    return np.split(order, cuts)


@pytest.mark.parametrize("per_element", [False, True])
def test_a_column_is_drawn_the_same_in_any_batch(per_element):
    rng = np.random.default_rng(7)
    mean = np.concatenate([MEANS, np.exp(np.log(10) + rng.standard_normal(200))])
    u = uniforms((60, mean.size), seed=8)
    if per_element:
        mean = mean * rng.uniform(0.5, 1.5, u.shape)
    together = poisson_inverse(mean, u)
    for j in range(0, mean.shape[-1], 7):
        alone = poisson_inverse(mean[..., j : j + 1], u[:, j : j + 1])
        np.testing.assert_array_equal(alone, together[:, j : j + 1])
    for cols in batches(mean.shape[-1], rng):
        np.testing.assert_array_equal(
            poisson_inverse(mean[..., cols], u[:, cols]), together[:, cols]
        )
    for rows in (slice(0, 1), slice(13, 60)):  # blocks of periods too
        part = mean[rows] if per_element else mean
        np.testing.assert_array_equal(poisson_inverse(part, u[rows]), together[rows])


def assert_poisson_moments(x: np.ndarray, mean: float) -> None:
    x = np.ravel(x)
    assert abs(x.mean() - mean) < Z * np.sqrt(mean / x.size), (x.mean(), mean)
    dev2 = (x - x.mean()) ** 2
    se = dev2.std() / np.sqrt(x.size)
    assert abs(dev2.mean() - mean) < Z * se, (dev2.mean(), mean, se)


@pytest.mark.parametrize("mean", [0.3, 4.0, 25.0, 1e4])
def test_stationary_draws_have_poisson_moments(mean):
    u = np.random.default_rng(11).random((2000, 100))
    assert_poisson_moments(poisson_inverse(np.full(100, mean), u), mean)


@pytest.mark.parametrize("mean", [0.3, 4.0, 25.0, 1e4])
def test_per_element_draws_have_poisson_moments(mean):
    u = np.random.default_rng(12).random((2000, 100))
    assert_poisson_moments(poisson_inverse(np.full(u.shape, mean), u), mean)


def test_chi_square_goodness_of_fit_mean_4():
    x = poisson_inverse(np.full(100, 4.0), np.random.default_rng(13).random((2000, 100)))
    support = np.arange(13)  # 12+ lumped: expected counts >= 5 in every cell
    observed = np.bincount(np.minimum(x.ravel(), 12).astype(int), minlength=13)
    expected = stats.poisson.pmf(support, 4.0)
    expected[-1] = stats.poisson.sf(11, 4.0)
    assert stats.chisquare(observed, expected * x.size).pvalue > 1e-3


@pytest.mark.parametrize(
    ("mean", "u", "match"),
    [
        ([-1.0], [[0.5]], "mean"),
        ([np.nan], [[0.5]], "mean"),
        ([np.inf], [[0.5]], "mean"),
        ([1.0], [[1.0]], "u"),
        ([1.0], [[-0.1]], "u"),
        ([1.0, 2.0], [[0.5]], "shape"),
        ([[1.0]], [[0.5, 0.5]], "shape"),
    ],
)
def test_poisson_inverse_rejects_bad_input(mean, u, match):
    with pytest.raises(ValueError, match=match):
        poisson_inverse(np.asarray(mean), np.asarray(u))


def test_poisson_inverse_empty_and_zero_mean():
    assert poisson_inverse(np.zeros(0), np.zeros((3, 0))).shape == (3, 0)
    x = poisson_inverse(np.zeros(3), np.random.default_rng(0).random((4, 3)))
    assert x.dtype == np.float64 and np.all(x == 0)
