"""The Python API (:mod:`experiments.api`): the same configurations and results as the
CLI, as DataFrames; the README's Python example runs."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from experiments import api
from policies.base_stock import BaseStock
from sim import demand as dm
from sim.network import Costs, Single
from sim.runner import Scenario
from tests.conftest import run_cli

ROOT = Path(__file__).resolve().parent.parent
QUICK = ["n_skus=4", "horizon=80", "warmup=10", "replications=3", "trace_skus=2"]


def test_run_matches_the_cli_to_the_last_digit(tmp_path):
    proc = run_cli(["policy=ss", *QUICK, "progress=false", f"hydra.run.dir={tmp_path / 'cli'}"])
    assert proc.returncode == 0, proc.stderr
    cli = api.load(tmp_path / "cli")
    ours = api.run(["policy=ss", *QUICK])
    pd.testing.assert_frame_equal(ours.kpis, cli.kpis)
    pd.testing.assert_frame_equal(ours.replications, cli.replications)
    pd.testing.assert_frame_equal(ours.skus, cli.skus)
    pd.testing.assert_frame_equal(ours.trace, cli.trace)
    assert ours.parameters == cli.parameters
    assert list(ours.kpis.columns) == ["mean", "ci95", "per_sku"]
    assert len(ours.replications) == 3 and ours.kpis.index.name == "kpi"
    assert set(ours.trace["sku"]) == {0, 1}
    assert ours.kpis.loc["cost_per_period", "per_sku"] == pytest.approx(
        ours.kpis.loc["cost_per_period", "mean"] / 4
    )


def test_a_written_run_loads_back_whole(tmp_path):
    ours = api.run(["network=distribution", "network.stores=2", *QUICK], out_dir=tmp_path)
    back = api.load(tmp_path)
    assert back.path == tmp_path and back.config["network"]["stores"] == 2
    pd.testing.assert_frame_equal(back.kpis, ours.kpis)
    pd.testing.assert_frame_equal(back.nodes, ours.nodes)
    assert set(back.nodes["node"]) == {"store1", "store2", "warehouse"}


def test_sweep_is_one_tidy_table_and_a_sweep_folder_loads_the_same(tmp_path):
    configs = [["policy=ss", *QUICK], ["policy=base_stock", *QUICK]]
    table = api.sweep(configs, progress=False)
    assert list(table.columns[:2]) == ["configuration", "policy"]
    assert set(table["policy"]) == {"ss", "base_stock"}
    assert (table["status"] == "ok").all()
    cost = table[table.kpi == "cost_per_period"].set_index("policy")["mean"]
    assert cost["ss"] == api.run(configs[0]).kpis.loc["cost_per_period", "mean"]
    proc = run_cli(["-m", "policy=ss,base_stock", *QUICK, f"hydra.sweep.dir={tmp_path}"])
    assert proc.returncode == 0, proc.stderr
    loaded = api.load(tmp_path)
    mine = loaded[loaded.kpi == "cost_per_period"].set_index("policy")["mean"]
    assert mine.to_dict() == cost.to_dict()


def test_scenario_from_objects_needs_no_configuration():
    scen = Scenario(Single(lead_time=2), dm.Poisson(mean=10.0), Costs(holding=1, backorder=9))
    result = api.simulate(scen, BaseStock(), horizon=300, warmup=20, replications=2, seed=1)
    assert result.parameters["level"] == 26.0
    assert np.isfinite(result.kpis.loc["cost_per_period", "mean"])


def test_bad_configuration_raises_the_cli_message():
    with pytest.raises(ValueError, match=r"n_skus\(=0\)"):
        api.run(["n_skus=0"])
    with pytest.raises(TypeError, match="list of strings"):
        api.compose("policy=ss")


def test_readme_python_example_runs(tmp_path, monkeypatch):
    text = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert blocks and any("experiments import api" in b for b in blocks)
    monkeypatch.chdir(tmp_path)
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {})
    assert (tmp_path / "api_run" / "metrics.json").exists()
