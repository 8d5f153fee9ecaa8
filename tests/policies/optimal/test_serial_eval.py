"""Tests of the serial-system evaluator and the Shang-Song heuristic: the optimisers'
own optimum costs, brute force from first principles, a cost decomposition, and the
published heuristic levels of Snyder & Shen (2nd ed., Example 6.1, Problems 6.1, 6.2) and
Shang & Song (2003, Table 1, rows 1, 9, 17, 25), as shipped in stockpyl's
tests/test_ssm_serial.py."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.stats import poisson

from policies.optimal.serial import (
    clark_scarf_normal,
    clark_scarf_poisson,
    echelon_to_local_holding,
)
from policies.optimal.serial_eval import (
    serial_cost_normal,
    serial_cost_pmf,
    serial_cost_poisson,
    shang_song_normal,
    shang_song_pmf,
    shang_song_poisson,
)

EX_6_1 = dict(echelon_holding=[3, 2, 2], lead_times=[1, 1, 2], backorder=37.12)


def test_optimal_levels_cost_the_reported_optimum_poisson() -> None:
    sol = clark_scarf_poisson(5, **EX_6_1)
    ev = serial_cost_poisson(sol.levels, 5, **EX_6_1)
    assert ev.cost == pytest.approx(sol.cost, rel=1e-10)
    for delta in itertools.product((-1, 0, 1), repeat=3):
        if any(delta):
            assert serial_cost_poisson(sol.levels + delta, 5, **EX_6_1).cost > sol.cost


def test_optimal_levels_cost_the_reported_optimum_normal() -> None:
    sol = clark_scarf_normal(5, 1, **EX_6_1)
    ev = serial_cost_normal(sol.levels, 5, 1, **EX_6_1)
    assert ev.cost == pytest.approx(sol.cost, abs=1e-3)
    for delta in itertools.product((-0.3, 0, 0.3), repeat=3):
        if any(delta):
            assert serial_cost_normal(sol.levels + delta, 5, 1, **EX_6_1).cost > ev.cost


def test_pmf_table_matches_poisson_and_optimum() -> None:
    pmf = poisson.pmf(np.arange(80), 5)
    sol = clark_scarf_poisson(5, **EX_6_1)
    ev = serial_cost_pmf(sol.levels, pmf / pmf.sum(), **EX_6_1)
    assert ev.cost == pytest.approx(sol.cost, rel=1e-9)


def _two_stage_brute(s1, s2, pmf, h, lead, p) -> float:
    """First principles: stage 1's echelon position after shipping is min(S1, S2 - D_2)."""
    d1 = np.ones(1)
    for _ in range(lead[0]):
        d1 = np.convolve(d1, pmf)
    d2 = np.ones(1)
    for _ in range(lead[1]):
        d2 = np.convolve(d2, pmf)
    y = np.minimum(s1, s2 - np.arange(d2.size))
    net = y[:, None] - np.arange(d1.size)[None, :]
    stage1 = h[0] * net + (p + h[0] + h[1]) * np.maximum(-net, 0)
    return float(h[1] * (s2 - d2 @ np.arange(d2.size)) + d2 @ stage1 @ d1)


def test_uniform_pmf_against_brute_force_any_levels() -> None:
    pmf, h, lead, p = np.full(5, 0.2), (2.0, 1.0), (1, 2), 20.0  # uniform on 0..4
    for s1, s2 in itertools.product(range(-2, 9, 3), range(0, 16, 4)):
        ev = serial_cost_pmf([s1, s2], pmf, h, lead, p)
        assert ev.cost == pytest.approx(_two_stage_brute(s1, s2, pmf, h, lead, p), rel=1e-10)
    # fractional levels are evaluated as given, not rounded
    ev = serial_cost_pmf([3.5, 9.25], pmf, h, lead, p)
    assert ev.cost == pytest.approx(_two_stage_brute(3.5, 9.25, pmf, h, lead, p), rel=1e-10)


def test_brute_force_optimum_of_evaluator_is_clark_scarf() -> None:
    mean, h, lead, p = 3.0, (2.0, 1.0), (1, 2), 20.0
    sol = clark_scarf_poisson(mean, h, lead, p)
    grid = list(itertools.product(range(0, 15), range(4, 25)))
    costs = [serial_cost_poisson(g, mean, h, lead, p).cost for g in grid]
    assert tuple(sol.levels) == grid[int(np.argmin(costs))]


def test_cost_decomposes_into_local_holding_transit_and_backorders() -> None:
    levels, h, lead, p = np.array([7.0, 12.0, 25.0]), np.array([3.0, 2.0, 2.0]), [1, 1, 2], 37.12
    ev = serial_cost_poisson(levels, 5, h, lead, p)
    local = echelon_to_local_holding(h)
    transit = sum(local[j] * lead[j - 1] * 5 for j in range(1, 3))
    assert ev.cost == pytest.approx(local @ ev.on_hand + transit + p * ev.backorders, rel=1e-10)
    assert ev.holding_cost == pytest.approx(ev.cost - p * ev.backorders)
    # a single stage: on hand and backorders are those of the newsvendor
    one = serial_cost_poisson([10], 5, [3], [2], 37.12)
    d = np.arange(200)
    f = poisson.pmf(d, 10)
    assert one.on_hand[0] == pytest.approx(f @ np.maximum(10 - d, 0), rel=1e-10)
    assert one.backorders == pytest.approx(f @ np.maximum(d - 10, 0), rel=1e-10)


# --------------------------------------------------------------------------- Shang-Song


def test_snyder_shen_ex_6_1_shang_song() -> None:
    heur = shang_song_normal(5, 1, **EX_6_1)
    assert heur.levels == pytest.approx(
        [6.490880975286938, 12.027434723327854, 22.634032391786285], abs=1e-6
    )
    for rounding, expected in (
        (np.ceil, [7, 13, 23]),
        (np.floor, [6, 12, 22]),
        (np.rint, [6, 12, 23]),
    ):
        assert shang_song_normal(5, 1, **EX_6_1, rounding=rounding).levels.tolist() == expected
    assert np.all(heur.lower <= heur.levels) and np.all(heur.levels <= heur.upper)
    opt = clark_scarf_normal(5, 1, **EX_6_1)
    cost = serial_cost_normal(heur.levels, 5, 1, **EX_6_1).cost
    assert opt.cost - 1e-3 <= cost <= 1.01 * opt.cost


def test_snyder_shen_problems_6_1_and_6_2_shang_song() -> None:
    p61 = shang_song_normal(100, 15, [1, 1], [1, 1], 15)
    assert p61.levels == pytest.approx([123.4708970704270, 228.8600539144440], abs=1e-6)
    p62a = shang_song_normal(64, 8, [2, 2, 1, 1, 1], [0.5] * 5, 24)
    assert p62a.levels == pytest.approx(
        [
            40.5867040168793,
            74.4580698705858,
            109.5962562657559,
            142.8985667640439,
            175.8329858066735,
        ],
        abs=1e-6,
    )
    # Problem 6.2(b): the same system with Poisson demand
    p62b = shang_song_poisson(64, [2, 2, 1, 1, 1], [0.5] * 5, 24)
    assert p62b.levels.tolist() == [41, 74.5, 110, 143, 175.5]


@pytest.mark.parametrize(
    ("h", "p", "rounding", "heur_levels", "heur_cost", "opt_levels", "opt_cost"),
    [
        ([0.25] * 4, 9, np.floor, [8, 13, 18, 22], 12.688, [8, 13, 18, 22], 12.688),
        ([0.25, 2.5, 2.5, 0.25], 9, np.floor, [9, 10, 14, 20], 53.258, [9, 10, 13, 19], 53.008),
        ([0.25] * 4, 99, np.ceil, [11, 17, 22, 27], 16.206, [11, 17, 22, 27], 16.206),
        ([0.25, 2.5, 2.5, 0.25], 99, np.ceil, [11, 14, 19, 26], 74.747, [11, 14, 18, 26], 74.564),
    ],
)
def test_shang_song_2003_table_1(h, p, rounding, heur_levels, heur_cost, opt_levels, opt_cost):
    """Poisson(16) demand per time unit, four stages of lead time 0.25 (Table 1, rows 1, 9,
    17, 25). The optimum is found with time rescaled to periods of 0.25."""
    heur = shang_song_poisson(16, h, [0.25] * 4, p, rounding=rounding)
    assert heur.levels.tolist() == heur_levels
    cost = serial_cost_poisson(heur.levels, 16, h, [0.25] * 4, p).cost
    assert cost == pytest.approx(heur_cost, abs=1e-3)
    opt = clark_scarf_poisson(4, np.array(h) / 4, [1] * 4, p / 4)
    assert opt.levels.tolist() == opt_levels
    assert 4 * opt.cost == pytest.approx(opt_cost, abs=1e-3)
    assert 4 * opt.cost - 1e-9 <= cost <= 1.01 * 4 * opt.cost


def test_shang_song_pmf_matches_poisson() -> None:
    pmf = poisson.pmf(np.arange(60), 5)
    a = shang_song_pmf(pmf / pmf.sum(), **EX_6_1)
    b = shang_song_poisson(5, **EX_6_1)
    assert a.levels.tolist() == b.levels.tolist()


@pytest.mark.parametrize(
    ("call", "key", "value"),
    [
        (lambda: serial_cost_poisson([1, 2], 5, [1, 1], [1, -1], 9), "lead_times", "-1.0"),
        (lambda: serial_cost_poisson([1], 5, [1, 1], [1, 1], 9), "levels", r"\[1.0\]"),
        (lambda: serial_cost_pmf([1], [0.5, 0.6], [1], [1], 9), "pmf", "sum"),
        (lambda: serial_cost_pmf([1], [0.5, 0.5], [1], [1.5], 9), "lead_times", "1.5"),
        (lambda: shang_song_normal(5, 1, [1, 0], [1, 1], 9), "echelon_holding", "0.0"),
        (lambda: shang_song_normal(5, 1, [1], [1], 9, weight=2), "weight", "2"),
    ],
)
def test_serial_eval_argument_checks(call, key: str, value: str) -> None:
    with pytest.raises(ValueError, match=rf"{key}\((=|){value}"):
        call()
