"""Every YAML in conf/ composes, instantiates and runs on a short horizon; every policy
passes the contract checker."""

from __future__ import annotations

import json

import hydra
import numpy as np
import pytest

from experiments.run import run
from policies.base import check_policy
from tests.conftest import CONF, ROOT, SHORT, compose_config, poisson_context


def _names(group: str) -> list[str]:
    return sorted(p.stem for p in (CONF / group).glob("*.yaml"))


def _smoke(overrides, tmp_path):
    cfg = compose_config(overrides + SHORT)
    res = run(cfg, out_dir=tmp_path)
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert np.isfinite(metrics["kpis"]["cost_per_period"]["mean"])
    assert len(metrics["kpis"]["cost_per_period"]["per_replication"]) == 2
    return res


def test_groups_are_not_empty():
    for group in (
        "network",
        "demand",
        "policy",
        "experiment",
        "forecaster",
        "scenario",
        "contender",
    ):
        assert _names(group), group


@pytest.mark.parametrize("policy", _names("policy"))
def test_policy_config_runs(policy, tmp_path):
    net = "serial" if policy == "echelon_base_stock" else "single"
    extra = ["forecaster=ses"] if policy == "forecast_order_up_to" else []
    _smoke([f"policy={policy}", f"network={net}", *extra], tmp_path)


@pytest.mark.parametrize("forecaster", _names("forecaster"))
def test_forecaster_config_drives_a_simulation(forecaster, tmp_path):
    # the networks: one fit per replication, of one epoch; this checks that the YAML
    # drives a run (tests/forecasters/test_deep.py checks what they learn)
    text = (CONF / f"forecaster/{forecaster}.yaml").read_text()
    deep = ["forecaster.epochs=1", "forecaster.refit_every=40"] if "epochs" in text else []
    res = _smoke(
        [
            "policy=forecast_order_up_to",
            f"forecaster={forecaster}",
            "network=single",
            "forecaster.history=60",
            "forecaster.refit_every=10",
            *deep,
        ],
        tmp_path,
    )
    assert np.isfinite(res.kpis["forecast_mae"]["mean"])


@pytest.mark.parametrize("network", _names("network"))
def test_network_config_runs(network, tmp_path):
    _smoke([f"network={network}", "policy=base_stock"], tmp_path)


@pytest.mark.parametrize("demand", _names("demand"))
def test_demand_config_runs(demand, tmp_path):
    # replayed demand needs an export: the example shipped with the repo
    data = [f"demand.path={ROOT / 'sim/datasets/example_sales.csv'}"] if demand == "replay" else []
    _smoke([f"demand={demand}", "policy=ss", *data], tmp_path)


@pytest.mark.parametrize("experiment", _names("experiment"))
def test_experiment_config_runs(experiment, tmp_path):
    _smoke([f"experiment={experiment}"], tmp_path)


@pytest.mark.parametrize("scenario", _names("scenario"))
def test_scenario_config_runs_alone(scenario, tmp_path):
    _smoke([f"scenario={scenario}", "policy=ss"], tmp_path)


@pytest.mark.parametrize("contender", _names("contender"))
def test_contender_config_runs(contender, tmp_path):
    _smoke([f"contender={contender}", "scenario=stationary_poisson"], tmp_path)


def _context(n=6):
    return poisson_context(np.random.default_rng(3).uniform(2, 30, n))


@pytest.mark.parametrize("policy", _names("policy"))
def test_policy_passes_contract_checker(policy):
    cfg = compose_config([f"policy={policy}"])
    check_policy(hydra.utils.instantiate(cfg.policy, _convert_="all"), _context())
