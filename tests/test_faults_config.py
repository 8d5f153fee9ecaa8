"""Strict configuration: every bad setting ends in one line naming the key (and the value),
exit status 2, and nothing written (``experiments/validate.py``, issue #10)."""

from __future__ import annotations

import math
import tracemalloc

import pytest

from experiments.run import ConfigError, build, precheck
from experiments.validate import (
    available_bytes,
    estimate_bytes,
    memory_limit_bytes,
    plugin_keys,
    top_level_keys,
)
from sim.runner import simulate
from tests.conftest import TINY, compose_config, run_cli

#: A quick single-node run; every case adds its fault.
QUICK = TINY

# (overrides, words the one line must hold: the key, and the value where there is one)
CLI_CASES = [
    (["+polcy=eoq"], ["'polcy'", "eoq", "did you mean 'policy'"]),
    (["+bogus=1"], ["'bogus'", "=1"]),
    (["+costs.holdng=1"], ["costs.holdng", "did you mean 'costs.holding'"]),
    (["+objective.penalti=3"], ["objective.penalti", "objective.penalty"]),
    (["+forecaster.histroy=30"], ["forecaster.histroy", "forecaster.history"]),
    (
        ["+policy.levl=1"],
        ["policy.levl", "BaseStock", "did you mean 'policy.level'", "expected one of: level"],
    ),
    (["experiment=newsvendor_normal", "demand=poisson"], ["demand.std", "sim.demand.Poisson"]),
    (["network.lead_time=nan"], ["network.lead_time", "nan"]),
    (["network.lead_time=inf"], ["network.lead_time", "inf"]),
    (["demand.mean=1e15"], ["demand.mean", "1000000000000000", "1e+10"]),
    (["policy.level=abc"], ["policy.level", "abc", "number"]),
    (["progress=maybe"], ["progress", "maybe", "true or false"]),
    (["resume=maybe"], ["resume", "maybe"]),
    (["forecaster=sarima", "forecaster.history=3"], ["forecaster.history", "3", "14"]),
    (["forecaster=holt_winters", "forecaster.history=10"], ["forecaster.history", "10", "14"]),
    (
        ["forecaster=ets", "forecaster.seasonal=add", "forecaster.history=8"],
        ["forecaster.history", "8", "14"],
    ),
    (["policy.level=-1", "unmet_demand=lost_sales"], ["policy.level", "-1", ">= 0"]),
    (["n_skus=1000000000"], ["n_skus", "1000000000", "GiB"]),
    (["horizon=1000000000"], ["horizon", "1000000000", "GiB"]),
    (
        ["n_skus=100000", "horizon=100000", "trace_skus=100000"],
        ["trace_skus", "100000", "GiB"],
    ),
    (["memory_limit=0.000001"], ["memory_limit", "1e-06", "GiB"]),
    (["horizon=nan"], ["horizon", "nan"]),
]


@pytest.mark.cli
@pytest.mark.parametrize(("overrides", "needles"), CLI_CASES)
def test_cli_refuses_in_one_line(overrides, needles, tmp_path):
    proc = run_cli([*QUICK, *overrides, f"hydra.run.dir={tmp_path}"])
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    lines = [ln for ln in proc.stderr.strip().splitlines() if ln.strip()]
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert lines[0].startswith("stocklab: error: ")
    for needle in needles:
        assert needle in lines[0], lines[0]
    assert not list(tmp_path.rglob("metrics.json"))


# in-process: precheck (composition and the strict checks), then build (plug-ins, size)
INPROCESS_CASES = [
    (["+sed=1"], ["'sed'", "did you mean 'seed'"]),
    (["+backtest.windos=3"], ["backtest.windos", "backtest.windows"]),
    (["warmup=nan"], ["warmup", "nan"]),
    (["replications=inf"], ["replications", "inf"]),
    (["seed=nan"], ["seed", "nan"]),
    (["n_skus=inf"], ["n_skus", "inf"]),
    (["trace_skus=-inf"], ["trace_skus", "-inf"]),
    (["initial_stock=inf"], ["initial_stock", "inf"]),
    (["initial_stock=nan"], ["initial_stock", "nan"]),
    (["costs.holding=nan"], ["costs.holding", "nan"]),
    (["costs.order_fixed=inf"], ["costs.order_fixed", "inf"]),
    (["objective.penalty=nan"], ["objective.penalty", "nan"]),
    (["objective.fill_rate_target=inf"], ["objective.fill_rate_target", "inf"]),
    (["forecaster.cusum_h=nan"], ["forecaster.cusum_h", "nan"]),
    (["forecaster=ses", "forecaster.alpha=nan"], ["forecaster.alpha", "nan"]),
    (["demand.mean=nan"], ["demand.mean", "nan"]),
    (["demand.mean_spread=inf"], ["demand.mean_spread", "inf"]),
    (["policy.level=inf"], ["policy.level", "inf"]),
    (["policy=ss", "policy.s=nan", "policy.S=10"], ["policy.s", "nan"]),
    (["backtest.season=nan"], ["backtest.season", "nan"]),
    (["seed=-1"], ["seed", "-1"]),
    (["horizon=2.5"], ["horizon", "2.5"]),
    (["overwrite=perhaps"], ["overwrite", "perhaps"]),
    (["progress=1"], ["progress", "1"]),
    (["memory_limit=abc"], ["memory_limit", "abc"]),
    (["memory_limit=-2"], ["memory_limit", "-2"]),
    (["policy=ss", "policy.s=-5", "policy.S=-1"], ["policy.S", "-1"]),
    (["policy=min_max", "policy.min=-3", "policy.max=-1"], ["policy.max", "-1"]),
    (["policy=rs", "policy.level=[1,-2]"], ["policy.level", "-2"]),
    (["policy=newsvendor", "policy.level=-4"], ["policy.level", "-4"]),
    (
        ["network=serial", "policy=echelon_base_stock", "policy.levels=[5,-1]"],
        ["policy.levels", "-1"],
    ),
    (["policy.level=true"], ["policy.level", "True"]),
    (["demand.mean=1e11"], ["demand.mean", "100000000000"]),
    (["+demand.std=3"], ["demand.std", "sim.demand.Poisson", "mean_spread"]),
    (["n_skus=1000000000"], ["n_skus", "GiB"]),
]


def _refusal(overrides: list[str], capsys) -> str:
    """The one line a run of ``overrides`` is refused with, before anything runs."""
    args = [*QUICK, *overrides]
    try:
        precheck(args)
    except SystemExit as exc:
        assert exc.code == 2
        err = capsys.readouterr().err
        lines = err.strip().splitlines()
        assert len(lines) == 1, err
        return lines[0]
    with pytest.raises(ValueError) as info:
        build(compose_config(args))
    message = str(info.value)
    assert "\n" not in message
    return message


@pytest.mark.parametrize(("overrides", "needles"), INPROCESS_CASES)
def test_refused_before_the_run(overrides, needles, capsys):
    line = _refusal(overrides, capsys)
    for needle in needles:
        assert needle in line, line


def test_enough_distinct_faults():
    faults = {tuple(o) for o, _ in CLI_CASES} | {tuple(o) for o, _ in INPROCESS_CASES}
    assert len(faults) >= 50


def test_every_default_key_and_group_is_known():
    keys = top_level_keys()
    cfg = compose_config([])
    assert set(cfg) <= set(keys)
    for group in ("network", "demand", "policy", "forecaster", "disruption", "scenario"):
        assert group in keys
    assert {"contender", "experiment", "hydra", "memory_limit"} <= set(keys)


@pytest.mark.parametrize(
    "overrides",
    [
        [],
        ["experiment=zheng_federgruen"],
        ["scenario=supplier_outage", "policy=ss"],
        ["forecaster=sarima", "policy=forecast_order_up_to"],
        ["memory_limit=null"],
        ["memory_limit=4"],
    ],
)
def test_valid_configurations_pass_the_checks(overrides):
    scenario, _ = build(compose_config([*QUICK, *overrides]))
    assert scenario.n_skus == 2


def test_plugin_keys_are_the_constructor_keywords():
    assert plugin_keys("policies.base_stock.BaseStock") == ["level"]
    keys = plugin_keys("sim.demand.Poisson")
    assert {"mean", "mean_spread", "weekly_amplitude", "shelf_life"} <= set(keys)
    assert "std" not in keys
    assert plugin_keys("no.such.Class") is None


def test_memory_limit_settings():
    assert memory_limit_bytes(None) is None
    assert memory_limit_bytes(2) == 2 * 1024**3
    auto = memory_limit_bytes("auto")
    assert 0 < auto <= available_bytes()
    for bad in ("lots", 0, -1.0, math.inf, True):
        with pytest.raises(ConfigError, match="memory_limit"):
            memory_limit_bytes(bad)


def test_size_guard_is_quick():
    import time

    cfg = compose_config(["n_skus=1000000000"])
    started = time.perf_counter()
    with pytest.raises(ValueError, match="n_skus"):
        build(cfg)
    assert time.perf_counter() - started < 1.0


@pytest.mark.parametrize(
    "overrides",
    [
        ["n_skus=1000"],
        ["n_skus=1000", "trace_skus=300"],
        ["n_skus=800", "network=distribution", "trace_skus=0"],
        ["n_skus=1000", "network=single", "policy=forecast_order_up_to", "forecaster=ses"],
    ],
)
def test_estimate_bounds_the_measured_peak(overrides):
    """The estimate is never below the peak of traced allocations (NumPy's included),
    and within a factor 3 of it. The estimate covers the run's arrays: a short run first
    loads the compiled kernels (numba's one-off allocations, some 15 MB on first use in a
    process), as any earlier run in the process would have; a kernel is compiled for the
    arrays' types, not their sizes, so a few SKUs do."""
    cfg = compose_config([*overrides, "horizon=200", "warmup=20", "replications=2"])
    scenario, policy = build(compose_config([*overrides, "n_skus=20", "horizon=30", "warmup=5"]))
    simulate(scenario, policy, horizon=30, warmup=5, seed=0)
    tracemalloc.start()
    try:
        scenario, policy = build(cfg)
        simulate(
            scenario,
            policy,
            horizon=cfg.horizon,
            warmup=cfg.warmup,
            replications=cfg.replications,
            seed=0,
            trace_skus=cfg.trace_skus,
        )
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    estimate = estimate_bytes(scenario, cfg.horizon, cfg.trace_skus, cfg.replications)
    assert peak <= estimate <= 3 * peak, (peak, estimate)
