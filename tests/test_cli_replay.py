"""Real sales data from the command line: experiments.clean, runs on replayed data (the
shipped example export and the bakery chain), backtests and their leaderboard, and the
one-line errors for bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pandas as pd
import pytest

from tests.conftest import ROOT, run_cli

pytestmark = pytest.mark.cli
EXAMPLE = "demand.path=sim/datasets/example_sales.csv"
SPLIT = ["demand.start=2023-06-01", "horizon=60", "warmup=7", "progress=false"]


def run_module(module: str, args: list[str], timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=ROOT,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def one_error_line(proc: subprocess.CompletedProcess) -> str:
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    lines = [ln for ln in proc.stderr.strip().splitlines() if ln.strip()]
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    return lines[0]


def test_clean_writes_the_cleaned_table_and_the_report(tmp_path):
    proc = run_module("experiments.clean", [EXAMPLE, f"hydra.run.dir={tmp_path}"])
    assert proc.returncode == 0, proc.stderr
    assert "2 store(s) × 3 SKU(s)" in proc.stdout and "outliers" in proc.stdout
    table = pd.read_parquet(tmp_path / "cleaned.parquet")
    assert len(table) == 242 * 2 * 3
    assert {"date", "store", "sku", "quantity", "raw_quantity", "promo"} <= set(table.columns)
    assert "weekday" not in table.columns  # never read
    assert (table["quantity"] >= 0).all() and table["quantity"].notna().all()
    md = (tmp_path / "cleaning_report.md").read_text()
    for step in ("returns", "closed_days", "outliers", "stockouts", "impute"):
        assert step in md
    html = (tmp_path / "cleaning_report.html").read_text()
    assert "data:image/png;base64," in html
    assert (tmp_path / "cleaning_before_after.png").stat().st_size > 1000


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (["demand.path=nowhere.csv"], ["demand.path", "nowhere.csv"]),
        ([EXAMPLE, "+demand.columns.quantity=units"], ["demand.columns.quantity", "units"]),
        ([EXAMPLE, "demand.freq=H"], ["demand.freq", "H"]),
        ([EXAMPLE, "demand.cleaning.outliers=drop"], ["demand.cleaning.outliers", "drop"]),
        (["demand=poisson"], ["generated", "demand=replay"]),
    ],
)
def test_clean_refuses_bad_input_in_one_line_and_writes_nothing(args, needles, tmp_path):
    out = tmp_path / "out"
    line = one_error_line(run_module("experiments.clean", [*args, f"hydra.run.dir={out}"]))
    for needle in needles:
        assert needle in line, line
    assert not (out / "cleaned.parquet").exists()


def test_a_bad_row_is_named_by_file_column_row_and_value(tmp_path):
    path = tmp_path / "sales.csv"
    path.write_text("date,sku,quantity\n2023-01-01,a,3\n2023-01-02,a,many\n")
    line = one_error_line(
        run_module("experiments.clean", [f"demand.path={path}", f"hydra.run.dir={tmp_path}"])
    )
    assert "sales.csv" in line and "quantity" in line and "2" in line and "many" in line


def test_a_run_on_replayed_data_gives_each_store_its_node(tmp_path):
    proc = run_cli(
        [
            "demand=replay",
            EXAMPLE,
            *SPLIT,
            "network=distribution",
            "policy=base_stock",
            "replications=2",
            f"hydra.run.dir={tmp_path}",
        ]
    )
    assert proc.returncode == 0, proc.stderr
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert set(metrics["nodes"]) == {"north", "south", "warehouse"}
    assert metrics["kpis"]["cost_per_period"]["mean"] > 0
    for name in ("cleaned.parquet", "cleaning_report.md", "cleaning_report.html"):
        assert (tmp_path / name).exists()


def test_a_single_node_pools_the_stores_and_says_so(tmp_path):
    proc = run_cli(
        [
            "demand=replay",
            EXAMPLE,
            *SPLIT,
            "network=single",
            "policy=ss",
            f"hydra.run.dir={tmp_path}",
        ]
    )
    assert proc.returncode == 0, proc.stderr
    assert "2 stores" in proc.stdout and "pooled" in proc.stdout


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (["demand=replay", "demand.path=nowhere.csv"], ["demand.path", "nowhere.csv"]),
        (["demand=replay"], ["demand.path", "required"]),
        (
            ["demand=replay", EXAMPLE, "+demand.columns.store=shop"],
            ["demand.columns.store", "shop"],
        ),
        (["demand=replay", EXAMPLE, "demand.start=2030-01-01"], ["demand.start", "2030-01-01"]),
        (
            ["demand=replay", EXAMPLE, "demand.start=2023-08-01", "replications=1"],
            ["horizon", "demand.start"],
        ),
        (
            ["demand=replay", EXAMPLE, "network=distribution", "network.stores=5"],
            ["network.stores", "5", "2 stores"],
        ),
        (["demand=bakery", "n_skus=5"], ["n_skus", "5", "3 SKUs"]),
        (["demand=bakery", "demand.block=10", "replications=2"], ["demand.block", "10"]),
        (["demand=bakery", "demand.shelf_life=0"], ["demand.shelf_life", "0"]),
    ],
)
def test_bad_replay_input_gives_one_clear_line(args, needles, tmp_path):
    line = one_error_line(run_cli([*args, "horizon=60", "warmup=7", f"hydra.run.dir={tmp_path}"]))
    for needle in needles:
        assert needle in line, line
    assert not (tmp_path / "metrics.json").exists()


def test_bakery_runs_as_a_central_bakery_feeding_35_stores(tmp_path):
    proc = run_cli(
        [
            "demand=bakery",
            "network=distribution",
            "policy=base_stock",
            "unmet_demand=lost_sales",
            "costs.waste=1",
            "horizon=35",
            "warmup=7",
            "replications=2",
            "trace_skus=1",
            f"hydra.run.dir={tmp_path}",
        ]
    )
    assert proc.returncode == 0, proc.stderr
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert len(metrics["nodes"]) == 36 and "store2" in metrics["nodes"]
    kpis = metrics["kpis"]
    assert kpis["waste"]["mean"] > 0 and kpis["waste_cost"]["mean"] == kpis["waste"]["mean"]


def test_backtest_on_replayed_data_and_its_leaderboard(tmp_path):
    args = [
        "-m",
        "demand=replay",
        EXAMPLE,
        "forecaster=seasonal_naive,holt_winters,glm",
        "forecaster.exog=[data]",
        "backtest.windows=8",
        f"hydra.sweep.dir={tmp_path}",
    ]
    proc = run_module("experiments.backtest", args)
    assert proc.returncode == 0, proc.stderr
    board = pd.read_csv(tmp_path / "leaderboard.csv")
    assert set(board["forecaster"]) == {"seasonal_naive", "holt_winters", "glm"}
    assert (tmp_path / "leaderboard.png").stat().st_size > 1000
    one = json.loads((tmp_path / "0" / "backtest.json").read_text())
    assert one["summary"]["n_series"] == 6 and one["summary"]["windows"] == 8
    assert {"mae", "rmse", "bias", "mase", "rmsse", "coverage80"} <= set(one["summary"])


def test_a_backtest_sweep_with_a_failed_job_exits_1_after_its_leaderboard(tmp_path):
    args = [
        "-m",
        "demand=replay",
        EXAMPLE,
        "forecaster=seasonal_naive",
        "backtest.min_history=300,10",
        f"hydra.sweep.dir={tmp_path}",
    ]
    proc = run_module("experiments.backtest", args)
    assert proc.returncode == 1, proc.stderr
    assert "1 failed of 2 jobs" in proc.stderr.strip().splitlines()[-1]
    assert (tmp_path / "leaderboard.csv").exists() and (tmp_path / "0" / "error.json").exists()
