"""The demand sampling helpers (sim.demand.sampling): counter-based uniforms, the
inversion table, lognormal factors and the censored normal mean."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from sim.demand.sampling import (
    InversionTable,
    censored_normal_mean,
    counter_uniform,
    counter_uniforms,
    lognormal_factors,
)
from tests.sim.moments import Z, assert_mean


@pytest.mark.parametrize(
    ("key", "periods", "n_skus"),
    [
        (0, [0], 1),
        (7, np.arange(5), 3),
        (2**64 - 1, [3, 10, 10**6], 17),
        (42, np.arange(365), 1000),
        (3, np.arange(3), 70_000),
    ],
)
def test_counter_uniforms_equal_demand_counter_uniform(key, periods, n_skus):
    periods = np.asarray(periods)
    got = counter_uniforms(key, periods, np.arange(n_skus))
    assert got.shape == (len(periods), n_skus) and got.dtype == np.float64
    np.testing.assert_array_equal(got, counter_uniform(key, periods, n_skus))
    assert got.min() >= 0 and got.max() < 1


def test_counter_uniforms_are_splitmix64_of_period_and_sku():
    """The compiled hash against the SplitMix64 finaliser written out in numpy."""
    key, periods, skus = 2**63 + 12345, np.arange(-2, 40), np.arange(500, 900)
    golden = np.uint64(0x9E3779B97F4A7C15)

    def mix(z):
        z = z ^ (z >> np.uint64(30))
        z = z * np.uint64(0xBF58476D1CE4E5B9)
        z = z ^ (z >> np.uint64(27))
        z = z * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))

    row = mix(np.uint64(key) + golden * periods.astype(np.int64).view(np.uint64))
    col = golden * (skus.astype(np.uint64) + np.uint64(1))
    expected = (mix(row[:, None] ^ col[None, :]) >> np.uint64(11)) * 2.0**-53
    assert counter_uniforms(key, periods, skus).tobytes() == expected.tobytes()


def test_counter_uniforms_column_is_the_same_in_any_block():
    periods = np.arange(30)
    block = counter_uniforms(5, periods, np.arange(1000, 1100))
    for offset in (0, 1, 37, 99):
        alone = counter_uniforms(5, periods, np.array([1000 + offset]))
        np.testing.assert_array_equal(alone[:, 0], block[:, offset])
    order = np.random.default_rng(0).permutation(100)
    np.testing.assert_array_equal(counter_uniforms(5, periods, 1000 + order), block[:, order])
    assert not np.array_equal(counter_uniforms(6, periods, np.arange(1000, 1100)), block)


@pytest.mark.parametrize(
    ("key", "periods", "skus"),
    [(-1, [0], [0]), (2**64, [0], [0]), (0, [0.5], [0]), (0, [0], [[0]])],
)
def test_counter_uniforms_rejects_bad_counters(key, periods, skus):
    with pytest.raises(ValueError, match="key|periods|skus"):
        counter_uniforms(key, np.asarray(periods), np.asarray(skus))


def test_counter_uniforms_are_uniform_and_independent_of_their_neighbours():
    u = counter_uniform(12345, np.arange(-500, 500), 200)
    assert u.min() >= 0 and u.max() < 1
    assert stats.kstest(u.ravel(), "uniform").pvalue > 1e-4
    n = u[1:].size
    for a, b in ((u[1:], u[:-1]), (u[:, 1:], u[:, :-1])):  # next period, next SKU
        r = np.corrcoef(a.ravel(), b.ravel())[0, 1]
        assert abs(r) < Z / np.sqrt(n)
    assert not np.array_equal(counter_uniform(12346, np.arange(10), 5), u[500:510, :5])


def test_inversion_table_draws_follow_its_pmf():
    """A table over 0..3 with the tail folded into the last point: each value's frequency
    is its probability (within Z standard errors), and one uniform gives one draw."""
    pmf = np.array([[0.1, 0.2, 0.3, 0.4], [0.7, 0.1, 0.1, 0.1]])
    table = InversionTable(np.log(pmf))
    x = table.sample(np.random.default_rng(0), 100_000)
    assert x.shape == (100_000, 2) and x.dtype == np.float64
    for sku in range(2):
        share = np.bincount(x[:, sku].astype(int), minlength=4) / x.shape[0]
        se = np.sqrt(pmf[sku] * (1 - pmf[sku]) / x.shape[0])
        assert np.all(np.abs(share - pmf[sku]) < Z * se), (share, pmf[sku])


def test_lognormal_factors_have_mean_one_and_the_requested_cv():
    """Johnson, Kotz & Balakrishnan (1994), Ch. 14: exp(sigma Z - sigma**2 / 2) with
    sigma**2 = log(1 + cv**2) has mean 1 and cv ``cv``; cv 0 gives ones."""
    np.testing.assert_array_equal(lognormal_factors(np.random.default_rng(0), 5, 0.0), 1.0)
    factors = lognormal_factors(np.random.default_rng(1), 200_000, 0.5)
    assert_mean(factors, 1.0, 0.5)
    assert abs(factors.std() / factors.mean() - 0.5) < 0.01


def test_censored_normal_mean_is_the_mean_of_max_x_0():
    """E[max(X, 0)] against scipy's numerical expectation; sigma 0 gives max(mu, 0)."""
    for mu, sigma in [(10.0, 8.0), (0.0, 1.0), (-2.0, 1.5)]:
        expected = stats.norm(mu, sigma).expect(lambda x: max(x, 0.0))
        np.testing.assert_allclose(censored_normal_mean(mu, sigma), expected, rtol=1e-7)
    np.testing.assert_array_equal(censored_normal_mean([3.0, -1.0], [0.0, 0.0]), [3.0, 0.0])
