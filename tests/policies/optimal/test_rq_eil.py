"""Tests of the EIL (r, Q) approximation: the book's values (Snyder & Shen, 2nd ed., Example
5.2, Problems 5.1(a) and 5.3(a), as shipped in stockpyl's tests/test_rq.py), its
first-order conditions, and its comparison with the exact normal (r, Q) optimum."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import norm

from policies.optimal.rq import rq_cost_normal, rq_normal_approx
from policies.optimal.rq_eil import rq_cost_eil, rq_eil

# (rate, std_rate, lead_time_mean, lead_time_std, h, p, K) and the published (r, Q, cost).
BOOK = {
    "example_5_2": (
        (1300, 150, 1 / 12, 0, 0.225, 7.5, 8),
        (213.9704421358024, 318.5901810768729, 95.451140222851961),
    ),
    "problem_5_1a": (
        (800, 40, 4 / 365, 0, 3.1, 45, 50),
        (17.972649360167715, 162.1231617283653, 531.1189321826714),
    ),
    "problem_5_3a": (
        (192, 17.4, 3, 0, 1.5 / 7, 40, 85),
        (644.8385303830128, 400.7559793125993, 100.627394934774),
    ),
}


@pytest.mark.parametrize("name", sorted(BOOK))
def test_snyder_shen_eil_book_values(name: str) -> None:
    args, (r, q, cost) = BOOK[name]
    sol = rq_eil(*args)
    assert (sol.r, sol.q, sol.cost) == pytest.approx((r, q, cost), abs=1e-5)
    assert rq_cost_eil(sol.r, sol.q, *args) == pytest.approx(sol.cost, rel=1e-12)


@pytest.mark.parametrize("name", sorted(BOOK))
def test_eil_meets_its_first_order_conditions(name: str) -> None:
    rate, sd, lt, _, h, p, k = BOOK[name][0]
    sol = rq_eil(*BOOK[name][0], tol=1e-10)
    mu, sigma = rate * lt, sd * np.sqrt(lt)
    assert norm.sf(sol.r, mu, sigma) == pytest.approx(sol.q * h / (p * rate), rel=1e-8)
    z = (sol.r - mu) / sigma
    loss = sigma * (norm.pdf(z) - z * norm.sf(z))
    assert sol.q == pytest.approx(np.sqrt(2 * rate * (k + p * loss) / h), rel=1e-8)
    # and it is a stationary point of the EIL cost: no nearby (r, Q) does better
    for dr in (-0.5, 0.0, 0.5):
        for dq in (-0.5, 0.0, 0.5):
            args = BOOK[name][0]
            assert sol.cost <= rq_cost_eil(sol.r + dr, sol.q + dq, *args) + 1e-9


@pytest.mark.parametrize("name", sorted(BOOK))
def test_eil_against_exact_normal_optimum(name: str) -> None:
    """Observed direction on the book's instances: EIL's r lies above the exact optimum's,
    its Q below, its policy costs more under the exact cost, and its own estimate
    overstates that exact cost."""
    args = BOOK[name][0]
    eil, exact = rq_eil(*args), rq_normal_approx(*args)
    exact_cost_of_eil = rq_cost_normal(eil.r, eil.q, *args)
    assert eil.r > exact.r
    assert eil.q < exact.q
    assert exact_cost_of_eil > exact.cost
    assert eil.cost > exact_cost_of_eil
    assert exact_cost_of_eil < 1.2 * exact.cost  # within 20% on these instances


def test_eil_deterministic_demand_is_eoq() -> None:
    sol = rq_eil(100.0, 0.0, 2.0, 0.0, 1.0, 9.0, 50.0)
    assert sol.q == pytest.approx(np.sqrt(2 * 50 * 100 / 1.0))
    assert sol.r == pytest.approx(200.0)


def test_eil_vectorised_matches_scalars() -> None:
    cols = [np.array(c, dtype=float) for c in zip(*(BOOK[n][0] for n in sorted(BOOK)), strict=True)]
    sol = rq_eil(*cols)
    for i, name in enumerate(sorted(BOOK)):
        one = rq_eil(*BOOK[name][0])
        assert (sol.r[i], sol.q[i], sol.cost[i]) == pytest.approx((one.r, one.q, one.cost))


@pytest.mark.parametrize(
    ("call", "key", "value"),
    [
        (lambda: rq_eil(1300, 150, 1 / 12, 0, -0.2, 7.5, 8), "holding", "-0.2"),
        (lambda: rq_eil(1300, 150, 1 / 12, 0, 0.225, 7.5, 0), "order_fixed", "0.0"),
        (lambda: rq_eil(1300, 150, 1 / 12, 0, 0.225, 7.5, 8, tol=0), "tol", "0"),
        (lambda: rq_cost_eil(1, 0, 1300, 150, 1 / 12, 0, 0.225, 7.5, 8), "q", "0.0"),
    ],
)
def test_eil_argument_checks(call, key: str, value: str) -> None:
    with pytest.raises(ValueError, match=rf"{key}\(={value}"):
        call()


def test_eil_rejects_a_stockout_cost_too_small_for_a_reorder_point() -> None:
    with pytest.raises(ValueError, match="does not exist"):
        rq_eil(10, 1, 1, 0, 5.0, 0.1, 100)
