"""The Gymnasium environment (:mod:`experiments.gym_env`): the engine stepped by an
agent gives the simulator's results to the last digit; the Gymnasium contract holds."""

from __future__ import annotations

import numpy as np
import pytest

gymnasium = pytest.importorskip("gymnasium")

from gymnasium.utils.env_checker import check_env  # noqa: E402

import experiments.gym_env  # noqa: E402,F401 - registers Stocklab-v0
from experiments import api  # noqa: E402
from experiments.gym_env import StocklabEnv  # noqa: E402
from tests.conftest import run_cli  # noqa: E402

RUN = ["n_skus=5", "horizon=120", "warmup=10", "trace_skus=0"]


def _drive(env, levels, **reset) -> tuple[dict, float, int]:
    """One episode under the order-up-to rule; its final info, the sum of the costs the
    rewards and reset charged, and the number of steps."""
    obs, info = env.reset(**reset)
    total, steps = info["cost"], 0
    while True:
        obs, reward, terminated, truncated, info = env.step(
            np.maximum(levels - obs["position"], 0.0)
        )
        total -= reward
        steps += 1
        assert not terminated
        if truncated:
            return info, total, steps


def _levels(result: api.Result, names: list[str]) -> np.ndarray:
    params = result.parameters if len(names) > 1 else {names[0]: result.parameters}
    return np.array([np.atleast_1d(params[n]["level"]) for n in names], dtype=float)


def test_base_stock_rule_gives_the_cli_cost_to_the_last_digit(tmp_path):
    """The default scenario (stochastic lead times, seasonal demand) with seed=4: the CLI's
    first replication and the environment reset with seed 4 agree to the last digit, and
    replication 2 with options={'replication': 2}."""
    overrides = ["policy=base_stock", *RUN, "replications=3", "seed=4"]
    proc = run_cli([*overrides, "progress=false", f"hydra.run.dir={tmp_path}"])
    assert proc.returncode == 0, proc.stderr
    cli = api.load(tmp_path)
    env = gymnasium.make("Stocklab-v0", overrides=overrides).unwrapped
    levels = _levels(cli, env.node_names)
    info, total, steps = _drive(env, levels, seed=4)
    assert steps == 120
    per_rep = cli.replications["cost_per_period"]
    assert info["kpis"]["cost_per_period"] == per_rep[0]  # bit for bit
    assert info["kpis"]["fill_rate"] == cli.replications["fill_rate"][0]
    assert total / 110 == pytest.approx(per_rep[0], rel=1e-12)  # rewards add up
    info, _, _ = _drive(env, levels, options={"replication": 2})
    assert info["kpis"]["cost_per_period"] == per_rep[2]


def test_a_serial_network_and_a_review_period(tmp_path):
    """Three stages, review every 2 periods: every node orders its installation base-stock
    order each step; rewards add up to the run's cost, and the same episode twice gives
    the same costs."""
    overrides = ["network=serial", "network.review_period=2", "demand=poisson", *RUN]
    env = StocklabEnv(overrides)
    assert env.node_names == ["stage1", "stage2", "stage3"]
    assert env.action_space.shape == (3, 5)
    assert env.observation_space["pipeline"].shape[:2] == (3, 2)  # lead times 1, 1, 2
    levels = np.full((3, 5), 30.0)
    info, total, steps = _drive(env, levels, seed=1)
    assert steps == 60
    assert total / 110 == pytest.approx(info["kpis"]["cost_per_period"], rel=1e-12)
    again, total_again, _ = _drive(env, levels, seed=1)
    assert again["kpis"] == info["kpis"] and total_again == total


def test_observation_holds_what_a_policy_sees():
    env = StocklabEnv(["demand=poisson", "demand.mean=4", *RUN, "network.lead_time=3"])
    obs, _ = env.reset(seed=0)
    assert env.observation_space.contains(obs)
    obs, *_ = env.step(np.full((1, 5), 7.0))
    # the order of period 0 arrives at the start of period 3: two periods ahead of period 1
    assert np.array_equal(obs["pipeline"][0, 1], np.full(5, 7.0))
    assert np.array_equal(obs["on_order"][0], obs["pipeline"][0].sum(axis=0))
    assert obs["demand"].shape == (7, 1, 5) and np.all(obs["demand"][:5] == 0)
    assert obs["period"][0] == 1.0
    assert np.allclose(obs["position"], obs["on_hand"] + obs["on_order"] - obs["backorders"])


def test_forecasts_are_observed_where_a_forecaster_runs():
    env = StocklabEnv(["policy=forecast_order_up_to", "forecaster=ses", "demand=poisson", *RUN])
    obs, _ = env.reset(seed=0)
    assert "forecast" in obs and np.all(obs["forecast"] > 0)


def test_gymnasium_checker_passes():
    env = gymnasium.make("Stocklab-v0", overrides=["network=distribution", *RUN]).unwrapped
    check_env(env, skip_render_check=True)


def test_bad_use_is_refused_with_one_line():
    with pytest.raises(ValueError, match=r"review\(='continuous'\)"):
        StocklabEnv(["review=continuous", *RUN])
    env = StocklabEnv(RUN)
    env.reset(seed=0)
    with pytest.raises(ValueError, match=r"action shape \(2, 5\)"):
        env.step(np.zeros((2, 5)))


@pytest.mark.cli
def test_train_agent_example_writes_a_report(tmp_path):
    import subprocess
    import sys

    out = tmp_path / "agent"
    proc = subprocess.run(
        [sys.executable, "-m", "experiments.train_agent", "iterations=2", "population=4"]
        + ["episodes=1", "horizon=80", f"out={out}"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    assert (out / "training.png").exists() and (out / "training.csv").exists()
    assert (out / "0" / "metrics.json").exists() and (out / "1" / "metrics.json").exists()
    proc = subprocess.run(
        [sys.executable, "-m", "experiments.report", str(out)], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    assert "policy.level={warehouse:" in (out / "report.md").read_text()
