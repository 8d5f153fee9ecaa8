"""The command line, as a user runs it: outputs on disk, one-line errors."""

from __future__ import annotations

import json
import re
import shlex

import pandas as pd
import pytest

from sim.kpi import KPI_NAMES
from tests.conftest import ROOT, run_cli

pytestmark = pytest.mark.cli
QUICK = ["horizon=60", "warmup=10", "replications=2", "n_skus=8"]


def test_default_experiment_writes_its_outputs(tmp_path):
    proc = run_cli(["policy=eoq", *QUICK, f"hydra.run.dir={tmp_path}"])
    assert proc.returncode == 0, proc.stderr
    assert "cost_per_period" in proc.stdout and "policy parameters" in proc.stdout
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert set(KPI_NAMES) <= set(metrics["kpis"])
    for k in metrics["kpis"].values():
        assert {"mean", "ci95", "per_replication"} <= set(k)
        assert len(k["per_replication"]) == 2
    assert set(metrics["policy_parameters"]) == {"r", "q", "service_level", "variant"}
    assert metrics["seed"] == 0 and metrics["stocklab_version"]
    assert metrics["config"]["policy"]["_target_"] == "policies.eoq.EOQ"
    skus = pd.read_parquet(tmp_path / "kpis_by_sku.parquet")
    assert len(skus) == 2 * 8 and {"node", "sku", "replication", "fill_rate"} <= set(skus.columns)
    trace = pd.read_parquet(tmp_path / "trace.parquet")
    assert len(trace) == 2 * 8 * 60
    assert {"period", "on_hand", "backorders", "on_order", "demand", "served", "order"} <= set(
        trace.columns
    )
    assert (tmp_path / "population.csv").exists()


@pytest.mark.parametrize(
    ("overrides", "needles"),
    [
        (["network=single", "network.lead_time=-1"], ["lead_time", "-1"]),
        (["policy=ss", "policy.s=10", "policy.S=5"], ["policy.s", "10", "policy.S"]),
        (["network.lead_time.probabilities=[0.5,0.7,0.1,0.1,0.1]"], ["probabilities"]),
        (["+policy.bogus=1"], ["bogus", "unknown key"]),
        (["demand.mean=???"], ["demand.mean"]),
        (["unmet_demand=sometimes"], ["unmet_demand", "sometimes"]),
        (["horizon=0"], ["horizon", "0"]),
        (["policy=echelon_base_stock", "network=serial", "network.lead_time=[1,2]"], ["lead_time"]),
        (["policy.bogus=1"], ["policy.bogus", "BaseStock", "expected one of: level"]),
        (["policy=foo"], ["policy/foo", "base_stock"]),
        (["demand=poisson", "demand.mean=-3"], ["mean", "-3"]),
        (["policy=rs", "policy.review_period=0"], ["review_period", "0"]),
    ],
)
def test_bad_configuration_gives_one_clear_line(overrides, needles, tmp_path):
    proc = run_cli([*QUICK, *overrides, f"hydra.run.dir={tmp_path}"])
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    lines = [ln for ln in proc.stderr.strip().splitlines() if ln.strip()]
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


def _readme_commands(module: str = "experiments.run") -> list[str]:
    text = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```bash\n(.*?)```", text, flags=re.S)
    return [
        ln.split("#")[0].strip()
        for block in blocks
        for ln in block.splitlines()
        if ln.strip().startswith(f"python -m {module} ")
    ]


def _quick(args: list[str]) -> list[str]:
    # replayed data fix their own SKUs: n_skus stays as the data say
    replay = any(a.startswith(("demand=replay", "demand=bakery")) for a in args)
    return [q for q in QUICK if not (replay and q.startswith("n_skus="))]


def test_readme_has_examples():
    assert len(_readme_commands()) >= 5
    assert _readme_commands("experiments.clean") and _readme_commands("experiments.backtest")


@pytest.mark.parametrize("command", _readme_commands())
def test_readme_example_runs(command, tmp_path):
    """Every README example runs (shortened: the later override wins in Hydra)."""
    args = shlex.split(command)[3:]
    if "experiment=benchmark" in args:
        pytest.skip(
            "tests/test_benchmark.py runs this sweep shortened: experiment=benchmark_small "
            "is experiment=benchmark on fewer SKUs and periods"
        )
    sweep = "-m" in args
    where = f"hydra.sweep.dir={tmp_path}" if sweep else f"hydra.run.dir={tmp_path}"
    proc = run_cli([*args, *_quick(args), where])
    assert proc.returncode == 0, proc.stderr
    found = list(tmp_path.rglob("metrics.json"))
    assert found and all(json.loads(p.read_text())["kpis"] for p in found)
    if sweep:
        from experiments.aggregate import expected_jobs

        # a job whose policy does not apply to its scenario leaves a NotApplicable record
        na = [
            p
            for p in tmp_path.rglob("error.json")
            if json.loads(p.read_text())["error"] == "NotApplicable"
        ]
        assert len(found) + len(na) == len(expected_jobs(tmp_path)) > 1


@pytest.mark.parametrize("command", _readme_commands("experiments.optimise"))
def test_readme_optimise_examples_run(command):
    from experiments.optimise import main as optimise

    assert optimise(shlex.split(command)[3:]) == 0


@pytest.mark.parametrize(
    "command", _readme_commands("experiments.clean") + _readme_commands("experiments.backtest")
)
def test_readme_clean_and_backtest_examples_run(command, tmp_path):
    """The README's clean and backtest examples run (backtests shortened to 2 windows)."""
    import os
    import subprocess
    import sys

    args = shlex.split(command)[3:]
    module = shlex.split(command)[2]
    sweep = "-m" in args
    extra = ["backtest.windows=2"] if module == "experiments.backtest" else []
    if module == "experiments.backtest" and not any(a.startswith("demand=") for a in args):
        extra += ["n_skus=4", "horizon=40"]
    where = f"hydra.sweep.dir={tmp_path}" if sweep else f"hydra.run.dir={tmp_path}"
    proc = subprocess.run(
        [sys.executable, "-m", module, *args, *extra, where],
        cwd=ROOT,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    expected = {"experiments.clean": "cleaned.parquet", "experiments.backtest": "backtest.json"}
    assert list(tmp_path.rglob(expected[module]))
    if sweep:
        assert (tmp_path / "leaderboard.csv").exists()


def test_backtest_writes_a_rolling_origin_table(tmp_path):
    env_cmd = [
        "forecaster=ses",
        "demand=seasonal",
        "n_skus=6",
        "horizon=60",
        f"hydra.run.dir={tmp_path}",
    ]
    import os
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-m", "experiments.backtest", *env_cmd],
        cwd=ROOT,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    table = pd.read_csv(tmp_path / "backtest.csv")
    assert list(table["lead"]) == [str(i) for i in range(1, 8)] + ["all"]
    assert (table["mae"] > 0).all() and table["coverage80"].between(0, 1).all()
