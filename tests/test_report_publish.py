"""The report of a plain sweep answers "which configuration is best, by how much, and why":
a title naming what was swept, seeds pooled as replications, the policy parameters in
force, the spread of service across SKUs and a generated explanation of the ranking."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from experiments.aggregate import collect
from experiments.report import _fmt, build_report, pool_seeds
from tests.conftest import SHORT, run_cli

pytestmark = pytest.mark.cli


@pytest.fixture(scope="module")
def sweep(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("publish") / "sweep"
    proc = run_cli(["-m", "policy=ss,eoq", "seed=0,1", *SHORT, f"hydra.sweep.dir={path}"])
    assert proc.returncode == 0, proc.stderr[-2000:]
    build_report(path)
    return path


@pytest.fixture(scope="module")
def md(sweep) -> str:
    return (sweep / "report.md").read_text()


def test_title_says_what_was_swept(md, sweep):
    title = md.splitlines()[0]
    assert title.startswith("# policy=ss, eoq on network=")
    assert "seeds 0, 1 pooled" in title
    assert sweep.name not in title


def test_seeds_are_pooled_as_replications(md, sweep):
    ok = collect(sweep)
    assert len(ok) == 4 and ok["scenario"].nunique() == 2  # seed is in aggregate's label
    rows, pooled = pool_seeds(ok)
    assert len(rows) == 2 and rows["scenario"].nunique() == 1
    assert set(rows["replications"]) == {4}
    assert "seeds 0, 1 pooled as replications: 2 × 2 = 4 replications" in md
    assert md.count("## Scenario:") == 1
    for _, row in rows.iterrows():
        jobs = ok[ok["configuration"] == row["configuration"]].sort_values("job")
        values = [
            v
            for p in jobs["path"]
            for v in json.loads((Path(p) / "metrics.json").read_text())["kpis"]["cost_per_period"][
                "per_replication"
            ]
        ]
        assert len(values) == 4
        half = stats.t.ppf(0.975, 3) * np.std(values, ddof=1) / math.sqrt(4)
        assert row["cost_per_period"] == pytest.approx(np.mean(values))
        assert row["cost_per_period_ci95"] == pytest.approx(half)
        by_seed = pooled[(row["scenario"], row["configuration"])]["kpis"]["cost_per_period"]
        assert sorted(by_seed["by_seed"]) == [0, 1]
    # paired differences pair all 4 replications (2 per seed)
    assert "| policy=eoq | policy=ss | cost_per_period |" in md
    line = next(x for x in md.splitlines() if x.startswith("| policy=eoq | policy=ss | cost"))
    assert line.split("|")[6].strip() == "4"


def test_parameters_table_and_sku_service_figure(md):
    assert "### Policy parameters in force" in md
    params = md.split("### Policy parameters in force")[1].split("![")[0]
    assert "policy=ss" in params and "S: " in params
    assert "policy=eoq" in params and "q: " in params
    assert "distribution of per-SKU fill rates per configuration" in md


def test_explanation_names_the_components_with_the_table_numbers(md, sweep):
    rows, _ = pool_seeds(collect(sweep))
    rows = rows.sort_values("cost_per_period").reset_index(drop=True)
    best, other = rows.iloc[0], rows.iloc[1]
    sentence = next(x for x in md.splitlines() if " is cheapest: " in x)
    assert sentence.startswith(
        f"{best['configuration']} is cheapest: {_fmt(best['cost_per_period'])} ± "
    )
    assert f"below {other['configuration']} ({_fmt(other['cost_per_period'])}" in sentence
    gap = other["cost_per_period"] - best["cost_per_period"]
    assert f"{_fmt(gap)} per period" in sentence
    for part in ("holding_cost", "shortage_cost", "ordering_cost"):
        if best[part] != other[part]:
            name = part.replace("_", " ")
            assert f"{name} {_fmt(best[part])} vs {_fmt(other[part])}" in sentence
    kpi_table = md.split("## Scenario:")[1].split("\n\n")[1]
    assert _fmt(best["cost_per_period"]) in kpi_table
