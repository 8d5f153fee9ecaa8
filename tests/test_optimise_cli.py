"""``python -m experiments.optimise``: textbook optima from the command line, and one-line
errors for bad input."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from experiments.optimise import PROBLEMS, solve
from tests.conftest import ROOT

pytestmark = pytest.mark.cli


def optimise(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "experiments.optimise", *args],
        cwd=ROOT,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        capture_output=True,
        text=True,
        timeout=120,
    )


EX_3_6 = [
    "order_fixed=8",
    "demand_rate=1300",
    "breakpoints=[0,400,800]",
    "unit_costs=[0.75,0.72,0.68]",
    "holding_rate=0.3",
]


def test_snyder_shen_example_3_6_from_the_command_line():
    proc = optimise("all_units", *EX_3_6)
    assert proc.returncode == 0, proc.stderr
    assert "q              800" in proc.stdout and "cost           978.6" in proc.stdout


@pytest.mark.parametrize(
    ("problem", "args", "expected"),
    [
        ("incremental", EX_3_6, {"q": 304.0468, "cost": 1043.4105}),
        (
            "epq",
            ["order_fixed=4", "holding=0.08", "demand_rate=80", "production_rate=110"],
            {"q": 171.2698, "cost": 3.73679},
        ),
        (
            "distribution",
            [
                "store_rates=[1.0,0.5]",
                "warehouse_lead_time=6",
                "store_lead_times=[1,1.5]",
                "warehouse_holding=1",
                "store_holding=[1,2]",
                "store_backorder=[20,10]",
            ],
            {"warehouse_level": 11, "cost": 9.53686},
        ),
        (  # the fast search policy=base_stock uses: the same optimum
            "distribution",
            [
                "store_rates=[1.0,0.5]",
                "warehouse_lead_time=6",
                "store_lead_times=[1,1.5]",
                "warehouse_holding=1",
                "store_holding=[1,2]",
                "store_backorder=[20,10]",
                "method=search",
            ],
            {"warehouse_level": 11, "cost": 9.53686},
        ),
    ],
)
def test_each_problem_solves_through_the_same_arguments(problem, args, expected):
    solution = solve(problem, args)
    for key, value in expected.items():
        assert getattr(solution, key) == pytest.approx(value, rel=1e-5)


def test_finite_horizon_reproduces_the_published_s_and_S():
    solution = solve(
        "finite_horizon",
        [
            "demand=normal",
            "mean=100",
            "std=20",
            "periods=5",
            "holding=1",
            "shortage=20",
            "purchase_cost=2",
            "fixed_cost=50",
            "terminal_holding=1",
            "terminal_shortage=20",
        ],
    )
    assert solution.reorder_points.tolist() == [110, 110, 110, 110, 111]
    assert solution.order_up_to_levels.tolist() == [133, 133, 133, 133, 126]


def test_jrp_methods():
    keys = [
        "major_setup=600",
        "minor_setup=[40,40,40,40,40]",
        "holding=[1,1,1,1,1]",
        "demand_rate=[1000,500,200,50,20]",
    ]
    silver = solve("jrp", keys)
    two = solve("jrp", [*keys, "method=power_of_two"])
    assert two.cost <= two.lower_bound * two.guarantee
    assert silver.cost >= two.lower_bound


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (["jrpp"], ["problem", "jrpp", "did you mean 'jrp'"]),
        (["epq", "order_fixd=4"], ["order_fixd", "did you mean 'order_fixed'"]),
        (
            ["epq", "order_fixed=-4", "holding=1", "demand_rate=1", "production_rate=2"],
            ["order_fixed", "-4"],
        ),
        (["epq", "holding=1"], ["epq needs", "order_fixed"]),
        (["epq", "holding"], ["holding", "key=value"]),
        (["jrp", "method=best"], ["method", "best"]),
        (["distribution", "method=guess"], ["method", "guess"]),
        (
            ["finite_horizon", "demand=gamma", "mean=3", "holding=1", "shortage=2"],
            ["demand", "gamma"],
        ),
        ([], ["experiments.optimise"]),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args, needles):
    proc = optimise(*args)
    assert proc.returncode == 2
    if args:
        lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
        assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
        for needle in needles:
            assert needle in lines[0], lines[0]


def test_every_problem_is_documented():
    from experiments import optimise as module

    for problem in PROBLEMS:
        assert f"``{problem}``" in module.__doc__
