"""Tuning policy parameters by simulation with ``hydra/sweeper=optuna``.

Zheng & Federgruen (1991): on their instance (Poisson(10) demand, h = 1, p = 9, K = 64,
protection interval one period) the optimal (s, S) = (6, 40) costs 35.021555 per period.
Optuna's TPE sampler, searching s in [0, 20] and S in [21, 80] with 40 short simulations
(common random numbers: every trial meets the same demand), must find a pair whose cost,
re-evaluated on fresh demand with more replications, is within 2% of that optimum. With a
fill-rate target the objective penalises a shortfall, and the tuned pair meets the target.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml

from experiments.run import objective
from policies.optimal.ss import ss_cost_poisson
from tests.conftest import SHORT, run_cli

pytestmark = pytest.mark.cli

OPTIMAL_COST = 35.021555  # Zheng & Federgruen (1991), (s, S) = (6, 40)
INSTANCE = dict(mean=10, holding=1, shortage=9, order_fixed=64, protection_periods=1)


def _tune(sweep: Path, *overrides: str) -> tuple[dict, float]:
    proc = run_cli(
        ["-m", "experiment=tune_zheng_federgruen", *overrides, f"hydra.sweep.dir={sweep}"]
    )
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
    summary = pd.read_csv(sweep / "sweep_summary.csv")
    assert (summary.status == "ok").all()
    result = yaml.safe_load((sweep / "optimization_results.yaml").read_text())
    return result["best_params"], result["best_value"]


def _evaluate(out: Path, s: int, S: int) -> dict:
    """The pair on the instance's own long horizon, with demand the tuning never saw."""
    proc = run_cli(
        [
            "experiment=zheng_federgruen",
            f"policy.s={s}",
            f"policy.S={S}",
            "seed=1",
            "replications=10",
            "trace_skus=0",
            "progress=false",
            f"hydra.run.dir={out}",
        ]
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads((out / "metrics.json").read_text())["kpis"]


def _job_kpis(sweep: Path, params: dict) -> dict:
    """The KPIs of the sweep job that ran ``params``."""
    wanted = {f"{k}={v}" for k, v in params.items()}
    for job in sorted(p for p in sweep.iterdir() if p.name.isdigit()):
        if wanted <= set(yaml.safe_load((job / ".hydra" / "overrides.yaml").read_text())):
            return json.loads((job / "metrics.json").read_text())["kpis"]
    raise AssertionError(f"no job ran {wanted}")


@pytest.mark.slow
def test_zheng_federgruen_tuned_by_optuna_within_2pct(tmp_path):
    params, best = _tune(tmp_path / "sweep")
    assert len(pd.read_csv(tmp_path / "sweep" / "sweep_summary.csv")) == 40
    s, S = params["policy.s"], params["policy.S"]
    assert best == _job_kpis(tmp_path / "sweep", params)["cost_per_period"]["mean"]
    cost = _evaluate(tmp_path / "check", s, S)["cost_per_period"]["mean"]
    assert abs(cost / OPTIMAL_COST - 1) <= 0.02, (s, S, cost)
    assert ss_cost_poisson(s, S, **INSTANCE) <= 1.02 * OPTIMAL_COST, (s, S)  # exact cost


@pytest.mark.slow
def test_fill_rate_target_tunes_for_the_cheapest_policy_that_meets_it(tmp_path):
    # the unconstrained optimum serves about 97.4% of demand from stock
    params, best = _tune(tmp_path / "sweep", "objective.fill_rate_target=0.99")
    kpis = _job_kpis(tmp_path / "sweep", params)
    assert best == pytest.approx(objective(kpis, 0.99, 100.0), rel=1e-12)
    check = _evaluate(tmp_path / "check", params["policy.s"], params["policy.S"])
    # the penalty is a soft constraint, and the re-evaluation meets new demand: half a point
    assert check["fill_rate"]["mean"] >= 0.99 - 0.005, params
    assert OPTIMAL_COST < check["cost_per_period"]["mean"] < 1.1 * OPTIMAL_COST, params


def test_objective_is_cost_with_a_penalty_below_the_fill_rate_target():
    kpis = {"cost_per_period": {"mean": 40.0}, "fill_rate": {"mean": 0.97}}
    assert objective(kpis, None, 100.0) == 40.0
    assert objective(kpis, 0.95, 100.0) == 40.0  # target met: no penalty
    assert objective(kpis, 0.98, 100.0) == pytest.approx(40.0 * (1 + 100 * 0.01))
    assert objective(kpis, 0.98, 0.0) == 40.0


@pytest.mark.parametrize(
    ("override", "needle"),
    [
        ("objective.fill_rate_target=1.5", "objective.fill_rate_target(=1.5)"),
        ("objective.fill_rate_target=high", "objective.fill_rate_target(='high')"),
        ("objective.penalty=-1", "objective.penalty(=-1)"),
    ],
)
def test_bad_objective_gives_one_clear_line(override, needle, tmp_path):
    proc = run_cli([override, *SHORT, f"hydra.run.dir={tmp_path}"])
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    lines = [ln for ln in proc.stderr.strip().splitlines() if ln.strip()]
    assert len(lines) == 1 and needle in lines[0], proc.stderr


@pytest.mark.filterwarnings("ignore:Deprecated API features detected")
def test_sqlite_study_store_keeps_the_study_across_sweeps(tmp_path):
    """With ``hydra.sweeper.storage`` the study lives in SQLite (optuna 2.10 needs
    SQLAlchemy < 2 for it); a second sweep on the same store continues the study."""
    import optuna

    storage = f"sqlite:///{tmp_path / 'study.db'}"
    quick = ["hydra.sweeper.n_trials=3", "horizon=300", f"hydra.sweeper.storage={storage}"]
    for sweep in ("first", "second"):
        _tune(tmp_path / sweep, *quick)
    study = optuna.load_study(study_name="tune_zheng_federgruen", storage=storage)
    trials = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    assert len(trials) == 6
    # each trial's value is its job's cost: trial i of a sweep ran in job folder i
    for i, trial in enumerate(trials[:3]):
        job = tmp_path / "first" / str(i)
        overrides = yaml.safe_load((job / ".hydra" / "overrides.yaml").read_text())
        assert {f"{k}={v}" for k, v in trial.params.items()} <= set(overrides)
        kpis = json.loads((job / "metrics.json").read_text())["kpis"]
        assert trial.value == kpis["cost_per_period"]["mean"]
