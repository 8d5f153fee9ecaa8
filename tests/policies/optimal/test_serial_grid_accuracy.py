"""Grid accuracy of the serial normal-demand optimiser, ``clark_scarf_normal``.

Its docstring states the bounds: every level within one grid step of the exact optimum
(stage 1 within half a step) and the cost within ``N kappa step^2 / 6``, with
``kappa = (p + h'_1) / (sqrt(2 pi) sqrt(L_1) std)``. The reference here is computed
differently: no grid and no discretised normal, but the first-order conditions of the
Chen & Zheng (1994) recursion, solved by root finding, with every expectation a
Gauss-Legendre quadrature against the normal density (Snyder & Shen, 2nd ed., Sec. 6.2):

    C~_1'(y) = h_1 - (p + h'_1) P(D_1 > y),                       S*_1 in closed form,
    C~_j'(y) = h_j + E[C~_{j-1}'(y - D_j); y - D_j < S*_{j-1}],   S*_j its root,
    C~_j(y)  = h_j (y - E D_j) + E[C~_{j-1}(min(S*_{j-1}, y - D_j))],

``C~_1`` by the normal loss function; the optimal cost is ``C~_N(S*_N)``. The rule has
enough nodes for 1e-12 (a nested ``scipy.integrate.quad`` gives the same figures to 1e-11,
but takes half a minute for three stages).

The command line's ``policy.grid_step`` is checked at the end.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy import optimize, stats
from scipy.special import roots_legendre

from policies.echelon_base_stock import EchelonBaseStock
from policies.optimal import (
    assembly_echelon_levels,
    clark_scarf_normal,
    distribution_echelon_levels,
    distribution_levels_normal,
    newsvendor_normal,
)
from sim import demand as dm
from sim.network import Costs, Serial
from sim.runner import Scenario, prepare
from tests.conftest import run_cli

_NODES, _WEIGHTS = roots_legendre(160)
_WIDTH = 12.0  # standard deviations of each lead-time demand integrated over


def _expect_below(f, x, level: float, mean: float, std: float):
    """``E[f(x - D); x - D < level]`` and ``P(x - D <= level)`` for ``D ~ N(mean, std^2)``
    (cut at 12 std), elementwise in ``x``, by Gauss-Legendre quadrature."""
    x = np.asarray(x, dtype=float)
    low = np.maximum(x - level, mean - _WIDTH * std)
    half = np.maximum(mean + _WIDTH * std - low, 0.0) / 2
    d = (low + half)[..., None] + half[..., None] * _NODES
    values = f(x[..., None] - d) * stats.norm.pdf(d, mean, std)
    return (values @ _WEIGHTS) * half, stats.norm.cdf(low, mean, std)


def exact_clark_scarf(mean, std, echelon, lead, p) -> tuple[np.ndarray, float]:
    """The optimal echelon levels and cost, by quadrature and root finding (see above)."""
    h, lead = np.asarray(echelon, dtype=float), np.asarray(lead, dtype=float)
    local_1 = float(h.sum())
    means, stds = lead * mean, np.sqrt(lead) * std

    def slope(y):  # C~_1'
        return h[0] - (p + local_1) * stats.norm.sf(y, means[0], stds[0])

    def cost(y):  # C~_1
        z = (np.asarray(y) - means[0]) / stds[0]
        loss = stats.norm.pdf(z) - z * stats.norm.sf(z)
        return h[0] * (np.asarray(y) - means[0]) + (p + local_1) * stds[0] * loss

    levels = [means[0] + stds[0] * stats.norm.ppf(1 - h[0] / (p + local_1))]
    for j in range(1, h.size):
        below, m, s, h_j = levels[-1], means[j], stds[j], h[j]

        def slope(y, prev=slope, below=below, m=m, s=s, h_j=h_j):
            return h_j + _expect_below(prev, y, below, m, s)[0]

        def cost(y, prev=cost, below=below, m=m, s=s, h_j=h_j):
            part, p_below = _expect_below(prev, y, below, m, s)
            return h_j * (np.asarray(y) - m) + prev(np.asarray(below)) * p_below + part

        high = below + m + _WIDTH * s  # C~_j' = h_j > 0 from here on
        low = below - _WIDTH * float(stds.sum())
        while float(slope(low)) >= 0:  # C~_j' tends to h'_j - h'_1 - p < 0 far below
            low -= _WIDTH * float(stds.sum())
        levels.append(optimize.brentq(lambda y, f=slope: float(f(y)), low, high, xtol=1e-12))
    return np.array(levels), float(cost(np.asarray(levels[-1])))


def cost_bound(mean, std, echelon, lead, p, step) -> float:
    """The docstring's bound on the cost's error: ``N kappa step^2 / 6``."""
    kappa = (p + float(np.sum(echelon))) / (math.sqrt(2 * math.pi * lead[0]) * std)
    return len(echelon) * kappa * step**2 / 6


# mean, std, echelon holding (stage 1 first), lead times, backorder cost p
CASES = [
    pytest.param(5.0, 1.0, [3.0, 2.0, 2.0], [1, 1, 2], 37.12, id="snyder-shen-ex-6.1"),
    pytest.param(10.0, 4.0, [1.0, 1.0, 1.0], [3, 1, 2], 2.0, id="3-stage-low-penalty"),
    pytest.param(50.0, 10.0, [0.1, 0.1, 0.1], [1, 2, 1], 19.0, id="3-stage-p-19h"),
    pytest.param(100.0, 20.0, [1.0, 0.5], [2, 3], 9.0, id="2-stage-p-9h"),
    pytest.param(20.0, 5.0, [0.5, 2.0], [1, 4], 99.0, id="2-stage-costly-upstream"),
    pytest.param(8.0, 3.0, [0.2, 0.3], [1.5, 0.5], 4.0, id="2-stage-fractional-leads"),
]
_EXACT: dict[tuple, tuple[np.ndarray, float]] = {}


def _exact(case) -> tuple[np.ndarray, float]:
    key = tuple(tuple(x) if isinstance(x, list) else x for x in case)
    if key not in _EXACT:
        _EXACT[key] = exact_clark_scarf(*case)
    return _EXACT[key]


def test_reference_is_the_newsvendor_for_one_stage() -> None:
    """One stage: the reference is the newsvendor with normal lead-time demand."""
    levels, cost = exact_clark_scarf(5.0, 1.0, [3.0], [2], 37.12)
    nv = newsvendor_normal(10.0, math.sqrt(2), 3.0, 37.12)
    assert levels[0] == pytest.approx(nv.level, abs=1e-9)
    assert cost == pytest.approx(nv.cost, abs=1e-9)


def test_reference_agrees_with_a_brute_force_two_stage_cost() -> None:
    """Two stages: the reference's levels minimise the cost of echelon levels (S1, S2)
    written out directly, ``h_2 (S2 - E D_2) + E[C~_1(min(S1, S2 - D_2))]``, and that cost
    at them is the reference's."""
    mean, std, h, lead, p = 20.0, 5.0, [0.5, 2.0], [1, 4], 99.0
    levels, cost = exact_clark_scarf(mean, std, h, lead, p)
    m1, s1, m2, s2 = mean * lead[0], std, mean * lead[1], 2 * std
    d2 = np.linspace(m2 - 12 * s2, m2 + 12 * s2, 200_001)
    weight = stats.norm.pdf(d2, m2, s2)

    def direct(x) -> float:
        y = np.minimum(x[0], x[1] - d2)
        z = (y - m1) / s1
        stage1 = h[0] * (y - m1) + (p + sum(h)) * s1 * (stats.norm.pdf(z) - z * stats.norm.sf(z))
        return h[1] * (x[1] - m2) + float(np.sum(stage1 * weight) * (d2[1] - d2[0]))

    assert direct(levels) == pytest.approx(cost, abs=1e-8)
    for shift in ([0.01, 0], [-0.01, 0], [0, 0.01], [0, -0.01]):
        assert direct(levels + np.array(shift)) > cost


@pytest.mark.parametrize("fraction", [None, 1e-3], ids=["default-step", "step-std/1000"])
@pytest.mark.parametrize(("mean", "std", "echelon", "lead", "p"), CASES)
def test_levels_within_one_step_and_cost_within_the_bound(mean, std, echelon, lead, p, fraction):
    case = (mean, std, echelon, lead, p)
    exact_levels, exact_cost = _exact(case)
    step = std / 100 if fraction is None else std * fraction
    sol = clark_scarf_normal(*case, grid_step=None if fraction is None else step)
    error = (sol.levels - exact_levels) / step
    assert np.all(np.abs(error) <= 1.0), f"levels off by {error} steps"
    assert abs(error[0]) <= 0.5 + 1e-9, f"stage 1 off by {error[0]} steps"
    assert np.allclose(sol.levels / step, np.round(sol.levels / step), atol=1e-6)  # grid points
    bound = cost_bound(*case, step)
    assert abs(sol.cost - exact_cost) <= bound, (sol.cost, exact_cost, bound)


def test_the_default_step_is_a_hundredth_of_a_std_bit_for_bit() -> None:
    case = (5.0, 1.0, [3.0, 2.0, 2.0], [1, 1, 2], 37.12)
    default, given = clark_scarf_normal(*case), clark_scarf_normal(*case, grid_step=0.01)
    assert np.array_equal(default.levels, given.levels) and default.cost == given.cost


def test_a_coarse_step_still_keeps_levels_within_one_step() -> None:
    """A fifth of a standard deviation: the bounds still hold (first-order errors of the
    discretisation are of order exp(-2 pi^2 25), nothing)."""
    case = (5.0, 1.0, [3.0, 2.0, 2.0], [1, 1, 2], 37.12)
    exact_levels, exact_cost = _exact(case)
    sol = clark_scarf_normal(*case, grid_step=0.2)
    assert np.all(np.abs(sol.levels - exact_levels) <= 0.2)
    assert abs(sol.cost - exact_cost) <= cost_bound(*case, 0.2)


# --------------------------------------------------------------------------- the policy


def _serial_levels(policy: EchelonBaseStock, n_skus: int = 2) -> np.ndarray:
    scen = Scenario(
        Serial(stages=3, lead_time=[1, 1, 2], holding=[7, 4, 2]),
        dm.Normal(mean=5.0, std=1.0),
        Costs(backorder=37.12),
        n_skus=n_skus,
    )
    policies, _ = prepare(scen, policy, seed=0, horizon=10)
    return np.array([p.level for p in policies])  # (stages, SKUs)


def test_the_policy_passes_its_grid_step_to_the_solver() -> None:
    coarse = _serial_levels(EchelonBaseStock(grid_step=0.25))
    expected = clark_scarf_normal(5.0, 1.0, [3, 2, 2], [1, 1, 2], 37.12, grid_step=0.25)
    assert np.array_equal(coarse[:, 0], expected.levels)
    assert np.array_equal(
        _serial_levels(EchelonBaseStock())[:, 0],
        clark_scarf_normal(5.0, 1.0, [3, 2, 2], [1, 1, 2], 37.12).levels,
    )


def test_the_network_solvers_take_the_step_and_keep_their_default() -> None:
    args = ([3.0, 5.0], [1.0, 2.0], 2, 1, 0.5, 1.0, 9.0)
    dist = distribution_echelon_levels(args[0], args[1], "normal", *args[2:], grid_step=0.3)
    direct = distribution_levels_normal(*args, grid_step=0.3)
    assert dist.warehouse == direct.warehouse and np.array_equal(dist.stores, direct.stores)
    assert dist.warehouse / 0.3 == pytest.approx(round(dist.warehouse / 0.3), abs=1e-6)
    default = distribution_echelon_levels(args[0], args[1], "normal", *args[2:])
    assert default.warehouse == distribution_levels_normal(*args).warehouse
    pois = distribution_echelon_levels(args[0], None, "poisson", *args[2:], grid_step=0.3)
    assert (
        pois.warehouse == distribution_echelon_levels(args[0], None, "poisson", *args[2:]).warehouse
    )

    assembly = ([1, 3], 1, [0.5, 0.5, 2.0], 15.0, 4.0, 1.5, "normal")
    coarse = assembly_echelon_levels(*assembly, grid_step=0.25)
    chain = coarse.chain
    serial = clark_scarf_normal(4.0, 1.5, chain.echelon_holding, chain.lead_times, 15.0, 0.25)
    assert np.array_equal(coarse.serial.levels, serial.levels)
    default = assembly_echelon_levels(*assembly)
    assert np.array_equal(
        default.serial.levels,
        clark_scarf_normal(4.0, 1.5, chain.echelon_holding, chain.lead_times, 15.0).levels,
    )


@pytest.mark.parametrize("value", [0, -1, float("nan"), float("inf"), "fine", True, [0.1]])
def test_the_policy_refuses_a_bad_grid_step(value) -> None:
    with pytest.raises(ValueError, match=r"policy\.grid_step") as info:
        EchelonBaseStock(grid_step=value)
    assert "\n" not in str(info.value) and repr(value) in str(info.value)


# --------------------------------------------------------------------------- the CLI

CLI = [
    "network=serial",
    "policy=echelon_base_stock",
    "n_skus=2",
    "horizon=60",
    "replications=2",
    "trace_skus=0",
    "progress=false",
]


@pytest.mark.cli
def test_cli_accepts_a_grid_step(tmp_path) -> None:
    proc = run_cli([*CLI, "demand=normal", "policy.grid_step=0.01", f"hydra.run.dir={tmp_path}"])
    assert proc.returncode == 0, proc.stderr
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["config"]["policy"]["grid_step"] == 0.01
    levels = np.array([v["level"] for v in metrics["policy_parameters"].values()], dtype=float)
    assert np.allclose(levels * 100, np.round(levels * 100), atol=1e-6)  # on the 0.01 grid


@pytest.mark.cli
def test_cli_refuses_a_negative_grid_step_in_one_line(tmp_path) -> None:
    proc = run_cli([*CLI, "policy.grid_step=-1", f"hydra.run.dir={tmp_path}"])
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    lines = [ln for ln in proc.stderr.strip().splitlines() if ln.strip()]
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "policy.grid_step" in lines[0] and "-1" in lines[0]
