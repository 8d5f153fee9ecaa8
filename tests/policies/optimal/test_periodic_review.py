"""The cost-optimal (R, S) level (:mod:`policies.optimal.periodic_review`) against brute
force: the exact cost per period, the mean of the R newsvendor costs of the windows one
order governs, minimised by enumeration (Poisson) or numerically (normal)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import minimize_scalar

from policies.optimal import newsvendor_poisson
from policies.optimal.newsvendor import expected_cost_normal, expected_cost_poisson
from policies.optimal.periodic_review import rs_level_normal, rs_level_poisson, rs_windows


def _cost_poisson(level, mean, lead, review, h, p):
    return np.mean([expected_cost_poisson(level, mean * w, h, p) for w in rs_windows(lead, review)])


@pytest.mark.parametrize(
    "mean, lead, review, h, p",
    [(10, 2, 7, 1, 9), (0.7, 1, 4, 1, 20), (3, 3, 2, 0.5, 4), (25, 1, 5, 2, 3), (1.5, 0, 3, 1, 9)],
)
def test_poisson_level_minimises_the_exact_cycle_cost(mean, lead, review, h, p):
    level = float(rs_level_poisson(mean, lead, review, h, p)[0])
    costs = [_cost_poisson(s, mean, lead, review, h, p) for s in range(int(level) + 30)]
    assert level == int(np.argmin(costs))


def test_one_period_cycle_is_the_base_stock_level():
    for mean, lead in [(10, 2), (3.3, 1), (0.4, 4)]:
        assert (
            rs_level_poisson(mean, lead, 1, 1, 9)[0] == newsvendor_poisson(mean * lead, 1, 9).level
        )


def test_hadley_whitin_shortcut_is_dearer():
    """The level of the whole interval L + R - 1 (92) against the cycle's optimum (79)."""
    assert rs_level_poisson(10, 2, 7, 1, 9)[0] == 79
    assert _cost_poisson(79, 10, 2, 7, 1, 9) == pytest.approx(35.779048, abs=1e-6)
    assert _cost_poisson(92, 10, 2, 7, 1, 9) == pytest.approx(42.606, abs=1e-3)


@pytest.mark.parametrize(
    "mean, std, lead, lead_std, review, h, p",
    [(50, 8, 2, 0, 7, 0.18, 0.7), (20, 5, 3, 0.5, 4, 1, 9), (5, 2, 1, 0, 2, 1, 2)],
)
def test_normal_level_minimises_the_mean_normal_cost(mean, std, lead, lead_std, review, h, p):
    level = float(rs_level_normal(mean, std, lead, lead_std, review, h, p)[0])
    windows = rs_windows(lead, review)
    sds = np.sqrt(windows * std**2 + (mean * lead_std) ** 2)

    def cost(s):
        return np.mean(
            [
                expected_cost_normal(s, mean * w, sd, h, p)
                for w, sd in zip(windows, sds, strict=True)
            ]
        )

    best = minimize_scalar(cost, bracket=(level - 5, level + 5), tol=1e-10)
    assert level == pytest.approx(best.x, abs=1e-5)


def test_certain_demand_covers_the_windows_the_ratio_asks():
    """Deterministic 10 a period, L = 2, R = 7: p / (p + h) = 0.9 asks for all seven windows
    (80); 0.5 for four of them (50)."""
    assert rs_level_normal(10, 0, 2, 0, 7, 1, 9)[0] == 80
    assert rs_level_normal(10, 0, 2, 0, 7, 1, 1)[0] == 50
