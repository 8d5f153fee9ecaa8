"""The benchmark suite: ``experiment=benchmark_small`` end to end, and the leaderboard maths.

``experiment=benchmark_small`` is ``experiment=benchmark`` (every scenario in
``conf/scenario/`` against every contender in ``conf/contender/``) on a few SKUs and
periods, so the whole sweep, its summary and its leaderboard report run in the suite.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from experiments.aggregate import expected_jobs
from experiments.report import leaderboard
from tests.conftest import run_cli

CONF = Path(__file__).resolve().parents[1] / "conf"
SCENARIOS = sorted(p.stem for p in (CONF / "scenario").glob("*.yaml"))
CONTENDERS = sorted(p.stem for p in (CONF / "contender").glob("*.yaml"))
#: contenders that drive a forecast-driven policy (at every node of a network)
FORECAST_DRIVEN = {
    p.stem for p in (CONF / "contender").glob("*.yaml") if "/forecaster" in p.read_text()
}


@pytest.fixture(scope="module")
def benchmark_sweep(tmp_path_factory) -> tuple[Path, str]:
    sweep = tmp_path_factory.mktemp("benchmark") / "sweep"
    res = run_cli(["-m", "experiment=benchmark_small", f"hydra.sweep.dir={sweep}"], timeout=600)
    assert res.returncode == 0, res.stderr[-3000:]
    return sweep, res.stdout + res.stderr


def test_benchmark_covers_every_scenario_and_contender(benchmark_sweep):
    sweep, _ = benchmark_sweep
    jobs = expected_jobs(sweep)
    assert jobs is not None, "the job list must include the config's sweep parameters"
    assert len(jobs) == len(SCENARIOS) * len(CONTENDERS)
    pairs = {
        tuple(sorted(o for o in job if o.startswith(("scenario=", "contender=")))) for job in jobs
    }
    assert pairs == {(f"contender={c}", f"scenario={s}") for s in SCENARIOS for c in CONTENDERS}


def test_benchmark_jobs_all_succeed(benchmark_sweep):
    """Every contender runs on every scenario, forecast-driven ones on the serial,
    distribution and assembly networks too (a forecaster at every node)."""
    sweep, _ = benchmark_sweep
    table = pd.read_csv(sweep / "sweep_summary.csv")
    assert len(table) == len(SCENARIOS) * len(CONTENDERS)
    assert not (table.status == "missing").any()
    assert not (table.status == "failed").any(), table[table.status == "failed"].error
    assert (table.status == "ok").all(), table[table.status != "ok"]
    assert {"distribution", "assembly", "serial", "supplier_outage"} <= set(SCENARIOS)
    ok = table[table.status == "ok"]
    assert np.isfinite(ok["cost_per_period"]).all()
    assert ((ok["fill_rate"] >= 0) & (ok["fill_rate"] <= 1)).all()


def test_benchmark_writes_the_leaderboard_report(benchmark_sweep):
    sweep, output = benchmark_sweep
    assert "report: " in output
    assert "not applicable" not in output.split("sweep summary:")[-1].splitlines()[0]
    md = (sweep / "report.md").read_text()
    page = (sweep / "report.html").read_text()
    assert "## Leaderboard" in md and "<h2>Leaderboard</h2>" in page
    board = md.split("## Leaderboard", 1)[1].split("##", 1)[0]
    for contender in CONTENDERS:
        assert f"contender={contender}" in board
    for scenario in SCENARIOS:
        assert f"Scenario: experiment=benchmark_small scenario={scenario}" in md


def test_benchmark_ranks_a_fixed_cost_saving_policy_above_base_stock(benchmark_sweep):
    """With a fixed cost per order, (s,S) orders in batches and must beat base-stock, which
    pays the fixed cost every period (Scarf 1960: (s,S) is optimal, base-stock is the
    special case s = S - 1)."""
    sweep, _ = benchmark_sweep
    table = pd.read_csv(sweep / "sweep_summary.csv")
    ok = table[table.status == "ok"].set_index(["scenario", "contender"])["cost_per_period"]
    stationary = "experiment=benchmark_small scenario=stationary_poisson"
    assert ok[(stationary, "ss")] < ok[(stationary, "base_stock")]


def _frame(rows):
    return pd.DataFrame(rows, columns=["configuration", "scenario", "cost_per_period", "fill_rate"])


def test_leaderboard_ranks_by_mean_rank_and_relative_cost():
    ok = _frame(
        [
            ("A", "x=1", 10.0, 0.9),
            ("B", "x=1", 25.0, 0.95),
            ("C", "x=1", 40.0, 0.99),
            ("A", "x=2", 30.0, 0.9),
            ("B", "x=2", 15.0, 0.95),
        ]
    )
    board, relative = leaderboard(ok, ["A", "B", "C", "D"])
    assert list(board["configuration"]) == ["A", "B", "C", "D"]
    a, b, c, d = (board.set_index("configuration").loc[k] for k in "ABCD")
    assert a["mean rank"] == 1.5 and b["mean rank"] == 1.5  # tie on rank, A is cheaper
    assert a["wins"] == 1 and b["wins"] == 1 and c["wins"] == 0
    assert a["relative cost (geo. mean)"] == pytest.approx(np.sqrt(1.0 * 2.0))
    assert b["relative cost (geo. mean)"] == pytest.approx(np.sqrt(2.5 * 1.0))
    assert c["scenarios run"] == 1 and c["relative cost (geo. mean)"] == pytest.approx(4.0)
    assert d["scenarios run"] == 0 and np.isnan(d["mean rank"])  # failed everywhere: last
    assert relative.loc["C", "x=2"] != relative.loc["C", "x=2"]  # NaN: did not run there
    assert relative.loc["B", "x=2"] == 1.0
