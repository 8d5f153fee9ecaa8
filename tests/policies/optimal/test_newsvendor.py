"""Tests of :mod:`policies.optimal.newsvendor`: newsvendor levels, loss functions and exact
Poisson base-stock measures against published values (tests named after their source),
integration, summation, brute force, vectorisation and argument checks."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy import integrate
from scipy.stats import norm, poisson

from policies.optimal import (
    base_stock_poisson_measures,
    expected_cost_normal,
    expected_cost_poisson,
    newsvendor_normal,
    newsvendor_poisson,
    normal_loss,
    poisson_loss,
)
from tests.policies.optimal.helpers import bad_arguments_test

# --------------------------------------------------------------------------- newsvendor


def test_snyder_shen_ex_4_3_newsvendor_normal() -> None:
    """Snyder & Shen, 2nd ed., newsvendor example: D ~ N(50, 8^2), h = 0.18, p = 0.70."""
    sol = newsvendor_normal(50, 8, 0.18, 0.70)
    assert sol.level == pytest.approx(56.603956, abs=1e-5)
    assert sol.cost == pytest.approx(1.997605, abs=1e-5)
    assert expected_cost_normal(sol.level, 50, 8, 0.18, 0.70) == pytest.approx(sol.cost)
    grid = np.linspace(40, 70, 3001)
    assert sol.cost <= np.min(expected_cost_normal(grid, 50, 8, 0.18, 0.70)) + 1e-12


def test_newsvendor_normal_deterministic_demand() -> None:
    sol = newsvendor_normal(50.0, 0.0, 0.18, 0.70)
    assert sol.level == 50.0 and sol.cost == 0.0
    assert expected_cost_normal([48.0, 50.0, 53.0], 50.0, 0.0, 1.0, 9.0) == pytest.approx(
        [18.0, 0.0, 3.0]
    )


def test_normal_loss_against_integration() -> None:
    for z in (-2.5, -0.3, 0.0, 1.7):
        exact, _ = integrate.quad(lambda x, z=z: (x - z) * norm.pdf(x), z, np.inf)
        assert normal_loss(z) == pytest.approx(exact, abs=1e-10)


def test_poisson_loss_against_summation() -> None:
    d = np.arange(200)
    for mu, s in itertools.product((0.5, 4.0, 20.0), (-3, 0, 5, 26)):
        direct = np.sum(np.maximum(d - s, 0) * poisson.pmf(d, mu))
        assert poisson_loss(s, mu) == pytest.approx(direct, abs=1e-12)


def test_poisson_base_stock_two_period_protection() -> None:
    """Poisson demand of mean 10 per period, protection interval of 2 periods, h = 1,
    p = 9, backorders."""
    sol = newsvendor_poisson(20, 1, 9)
    assert sol.level == 26
    assert sol.cost == pytest.approx(8.186431, abs=1e-6)
    m = base_stock_poisson_measures(26, 20, 10)
    assert m.on_hand == pytest.approx(6.218643, abs=1e-6)
    assert m.backorders == pytest.approx(0.218643, abs=1e-6)
    assert m.fill_rate == pytest.approx(0.978137, abs=1e-6)
    assert m.no_stockout_probability == pytest.approx(0.922113, abs=1e-6)
    assert m.cost(1, 9) == pytest.approx(sol.cost)


def test_poisson_fill_rate_against_direct_double_sum() -> None:
    """Units short in the last period are min(D_last, (D_{P-1} + D_last - S)+)."""
    d = np.arange(120)
    for level, prot, per in ((26, 20.0, 10.0), (12, 15.0, 5.0), (3, 3.0, 1.0)):
        before, last = np.meshgrid(poisson.pmf(d, prot - per), poisson.pmf(d, per), indexing="ij")
        short = np.minimum(d[None, :], np.maximum(d[:, None] + d[None, :] - level, 0))
        direct = 1 - np.sum(before * last * short) / per
        assert base_stock_poisson_measures(level, prot, per).fill_rate == pytest.approx(direct)


def test_newsvendor_poisson_against_brute_force() -> None:
    for mu, h, p in ((20.0, 1.0, 9.0), (0.7, 2.0, 3.0), (55.0, 1.0, 1.0)):
        levels = np.arange(0, 120)
        costs = expected_cost_poisson(levels, mu, h, p)
        sol = newsvendor_poisson(mu, h, p)
        assert sol.level == levels[np.argmin(costs)]
        assert sol.cost == pytest.approx(costs.min())


def test_newsvendor_vectorised_matches_scalars() -> None:
    mean, std = np.array([50.0, 20.0, 5.0]), np.array([8.0, 0.0, 2.0])
    h, p = np.array([0.18, 1.0, 2.0]), np.array([0.70, 9.0, 3.0])
    sol_n, sol_p = newsvendor_normal(mean, std, h, p), newsvendor_poisson(mean, h, p)
    m = base_stock_poisson_measures(sol_p.level, mean * 2, mean)
    for i in range(3):
        assert sol_n.level[i] == pytest.approx(newsvendor_normal(mean[i], std[i], h[i], p[i]).level)
        assert sol_n.cost[i] == pytest.approx(newsvendor_normal(mean[i], std[i], h[i], p[i]).cost)
        assert sol_p.level[i] == newsvendor_poisson(mean[i], h[i], p[i]).level
        one = base_stock_poisson_measures(sol_p.level[i], mean[i] * 2, mean[i])
        assert m.fill_rate[i] == pytest.approx(one.fill_rate)


# --------------------------------------------------------------------------- validation


test_bad_arguments_name_the_key_and_value = bad_arguments_test(
    (lambda: newsvendor_normal(50, -8, 0.18, 0.7), "std", "-8.0"),
    (lambda: newsvendor_normal(50, 8, [0.18, -1.0], 0.7), "holding", "-1.0"),
    (lambda: newsvendor_poisson(np.nan, 1, 9), "mean", "nan"),
    (lambda: base_stock_poisson_measures(26, 20, 0), "period_mean", "0.0"),
    (lambda: base_stock_poisson_measures(26, 5, 10), "protection_mean", "5.0"),
)
