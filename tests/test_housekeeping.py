"""Set-up and housekeeping of a run (issue #12, part 5): output files readable by others,
``run.log`` holding what the run printed, a forecaster refused beside a policy that does
not use it, the service level in force printed, a warning for few replications, and a
typo in a sweep refused in the one line a single run gets."""

from __future__ import annotations

import logging
import os
import stat
import subprocess
import sys
import warnings
from pathlib import Path

import hydra
import numpy as np
import pytest

from experiments.run import (
    ENOUGH_REPLICATIONS,
    ConfigError,
    _atomic_write,
    _warnings_logged,
    build,
    precheck,
    run,
)
from experiments.validate import forecast_policies
from forecasters.base import Forecast
from policies.base import InventoryState, PlanningContext
from policies.eoq import EOQ
from policies.forecast_order_up_to import ForecastOrderUpTo
from tests.conftest import CONF, ROOT, TINY, compose_config, poisson_context, run_cli

#: A run of a second or so, with the policy whose service level is derived from costs.
RUN = [*TINY, "policy=eoq"]


def _cli_with_umask(args: list[str], umask: int) -> subprocess.CompletedProcess:
    """``python -m experiments.run`` under ``umask``."""
    return subprocess.run(
        [sys.executable, "-m", "experiments.run", *args],
        cwd=ROOT,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=lambda: os.umask(umask),
    )


def _modes(folder: Path) -> dict[str, int]:
    """The permission bits of every file below ``folder``, by relative path."""
    return {
        str(p.relative_to(folder)): stat.S_IMODE(p.stat().st_mode)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def single(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """A small single run under umask 002 (so a mode of 0o644 would be wrong too)."""
    out = tmp_path_factory.mktemp("single")
    proc = _cli_with_umask([*RUN, f"hydra.run.dir={out}"], 0o002)
    assert proc.returncode == 0, proc.stderr
    return out, proc


@pytest.fixture(scope="module")
def sweep(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """A two-job sweep with its report, under umask 027."""
    out = tmp_path_factory.mktemp("sweep")
    args = ["-m", *RUN, "seed=0,1", "+hydra.callbacks.sweep_summary.report=true"]
    proc = _cli_with_umask([*args, f"hydra.sweep.dir={out}"], 0o027)
    assert proc.returncode == 0, proc.stderr
    return out, proc


# ------------------------------------------------------------------ 1. file permissions


@pytest.mark.cli
def test_every_file_of_a_run_has_the_mode_the_umask_gives(single):
    out, _ = single
    modes = _modes(out)
    assert {"metrics.json", "kpis_by_sku.parquet", "trace.parquet", "run.log"} <= set(modes)
    assert modes == dict.fromkeys(modes, 0o666 & ~0o002), modes


@pytest.mark.cli
def test_every_file_of_a_sweep_and_its_report_has_the_mode_the_umask_gives(sweep):
    out, _ = sweep
    modes = _modes(out)
    assert {"sweep_summary.csv", "report.html", "report.md", "0/metrics.json"} <= set(modes)
    assert any(name.endswith(".png") for name in modes)
    assert modes == dict.fromkeys(modes, 0o666 & ~0o027), modes


@pytest.mark.parametrize("umask", [0o022, 0o077])
def test_an_atomic_write_gets_the_mode_of_a_new_file(umask, tmp_path):
    old = os.umask(umask)
    try:
        _atomic_write(tmp_path / "a.txt", lambda t: Path(t).write_text("whole"))
        with open(tmp_path / "plain.txt", "w") as fh:  # a file written the ordinary way
            fh.write("whole")
    finally:
        os.umask(old)
    assert (tmp_path / "a.txt").read_text() == "whole"
    assert stat.S_IMODE((tmp_path / "a.txt").stat().st_mode) == 0o666 & ~umask
    assert _modes(tmp_path) == dict.fromkeys(["a.txt", "plain.txt"], 0o666 & ~umask)


# ------------------------------------------------------------------ 2. run.log


@pytest.mark.cli
def test_run_log_holds_the_header_warnings_and_kpi_table(single):
    out, proc = single
    log = (out / "run.log").read_text()
    header = proc.stdout.splitlines()[0]
    assert header.startswith("policy=eoq · network=single") and header in log
    for kpi in ("cost_per_period", "fill_rate", "orders_placed"):
        line = next(ln for ln in proc.stdout.splitlines() if ln.startswith(kpi))
        assert line in log, kpi
    assert "policy parameters: " in log and f"results: {out}" in log
    assert "[WARNING] - stocklab: warning: replications=2" in log
    assert "simulated 2 replications in" in log  # the progress bar's summary
    # the terminal shows the lines as before, once, without log prefixes
    assert "[experiments.run]" not in proc.stdout + proc.stderr
    assert proc.stdout.count(header) == 1


@pytest.mark.cli
def test_a_sweep_jobs_run_log_holds_its_run_and_the_sweep_progress(sweep):
    out, _ = sweep
    log = (out / "1" / "run.log").read_text()
    assert "policy=eoq · network=single" in log and "cost_per_period" in log
    assert "sweep: 2/2 jobs finished, 0 failed" in log


@pytest.mark.cli
def test_a_refused_configuration_is_in_run_log_too(tmp_path):
    proc = run_cli([*RUN, "policy.q=-1", f"hydra.run.dir={tmp_path}"])
    assert proc.returncode == 2
    line = proc.stderr.strip()
    assert line.startswith("stocklab: error: ") and "\n" not in line
    assert line in (tmp_path / "run.log").read_text()


def test_python_warnings_are_copied_into_the_log_file(tmp_path):
    root = logging.getLogger()
    handler = logging.FileHandler(tmp_path / "run.log")
    root.addHandler(handler)
    try:
        with pytest.warns(RuntimeWarning, match="ill-conditioned"), _warnings_logged():
            warnings.warn("an ill-conditioned fit", RuntimeWarning, stacklevel=1)
    finally:
        root.removeHandler(handler)
        handler.close()
    assert "RuntimeWarning: an ill-conditioned fit" in (tmp_path / "run.log").read_text()


# ------------------------------------------------------------------ 3. forecaster without use


@pytest.mark.cli
def test_a_forecaster_beside_a_policy_without_forecasts_is_refused_in_one_line(tmp_path):
    proc = run_cli([*TINY, "policy=base_stock", "forecaster=ses", f"hydra.run.dir={tmp_path}"])
    assert proc.returncode == 2, proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert lines[0] == (
        "stocklab: error: forecaster=ses: policy=base_stock does not use forecasts; "
        "expected a policy that does (forecast_order_up_to), or no forecaster"
    )
    assert not (tmp_path / "metrics.json").exists()


@pytest.mark.parametrize("policy", ["eoq", "ss", "newsvendor", "echelon_base_stock"])
def test_a_run_refuses_a_forecaster_that_would_drive_nothing(policy, tmp_path):
    cfg = compose_config([*TINY, f"policy={policy}", "forecaster=naive"])
    with pytest.raises(ConfigError, match=r"^forecaster=.*does not use forecasts"):
        run(cfg, out_dir=tmp_path)
    assert not list(tmp_path.iterdir())  # refused before anything was simulated or written
    build(cfg)  # the objects alone may be built: e.g. for an agent that observes forecasts


def test_the_forecasters_own_checks_come_first(tmp_path):
    cfg = compose_config([*TINY, "forecaster=sarima", "forecaster.history=3"])
    with pytest.raises(ValueError, match=r"forecaster.history\(=3\) is too short"):
        run(cfg, out_dir=tmp_path)


def test_harness_settings_without_a_forecaster_are_no_forecaster(tmp_path):
    run(compose_config([*TINY, "policy=base_stock", "forecaster.history=56"]), tmp_path)
    assert (tmp_path / "metrics.json").exists()


def _context(n: int = 5) -> PlanningContext:
    return poisson_context(np.linspace(3, 20, n))


def _policy_names() -> list[str]:
    return sorted(p.stem for p in (CONF / "policy").glob("*.yaml"))


@pytest.mark.parametrize("name", _policy_names())
def test_needs_forecast_is_set_exactly_on_the_policies_that_read_forecasts(name):
    """A policy without the flag orders the same whatever the forecast says."""
    policy = hydra.utils.instantiate(compose_config([f"policy={name}"]).policy, _convert_="all")
    uses = name in forecast_policies()
    assert policy.needs_forecast is uses
    if uses:
        return
    context = _context()
    prepared = policy.prepare(context)
    n, h = context.n_skus, 6
    wild = Forecast(
        time=0.0,
        mean=np.full((h, n), 500.0),
        std=np.full((h, n), 50.0),
        sum_std=np.full((h, n), 80.0),
        protection_periods=np.full(n, 2),
    )
    rng = np.random.default_rng(1)
    for k in range(20):
        on_hand = np.floor(rng.uniform(0, 60, n))
        state = InventoryState(float(k), on_hand, 0 * on_hand, 0 * on_hand, on_hand)
        assert np.array_equal(
            prepared.order_quantity(state, None), prepared.order_quantity(state, wild)
        )


# ------------------------------------------------------------------ 4. service level in force


@pytest.mark.cli
def test_eoq_prints_the_rule_in_force_not_none(single):
    _, proc = single
    params = next(ln for ln in proc.stdout.splitlines() if ln.startswith("policy parameters"))
    assert "service_level: None" not in params
    assert "service_level: none: r is the cost-optimal reorder point for q" in params


def test_eoq_names_what_sets_r():
    assert "cost-optimal reorder point" in EOQ().service_level_rule()
    assert EOQ(service_level=0.95).service_level_rule() is None
    assert EOQ(r=5, service_level=0.95).service_level_rule() == "not used: policy.r is given"


def test_forecast_order_up_to_reports_the_critical_ratio_in_force(capsys, tmp_path):
    cfg = compose_config([*TINY, "policy=forecast_order_up_to", "forecaster=naive"])
    result = run(cfg, out_dir=tmp_path)
    # costs.holding 0.1, costs.backorder 1: p / (p + h) = 1 / 1.1
    assert result.policy_parameters["service_level"] == pytest.approx(1 / 1.1)
    out = capsys.readouterr().out
    assert "service_level: 0.909091 (critical ratio p/(p+h))" in out


def test_forecast_order_up_to_says_when_the_service_level_is_not_used():
    fill = ForecastOrderUpTo(fill_rate=0.95)
    assert fill.service_level_rule() == "not used: fill_rate=0.95 sets the safety factor"
    prepared = fill.prepare(_context())
    assert prepared.parameters()["service_level"] is None
    given = ForecastOrderUpTo(service_level=0.8).prepare(_context())
    assert given.parameters()["service_level"] == 0.8 and given.service_level_rule() is None
    poisson = ForecastOrderUpTo(fill_rate=0.95, safety_stock="poisson")
    assert "is not used by safety_stock=poisson" in poisson.service_level_rule()


# ------------------------------------------------------------------ 5. few replications


@pytest.mark.parametrize(
    ("replications", "needle"),
    [
        (1, "replications=1: one replication has no confidence interval"),
        (3, "replications=3: confidence intervals from fewer than 5 replications are wide"),
        (ENOUGH_REPLICATIONS, None),
    ],
)
def test_few_replications_warn_in_one_line(replications, needle, capsys, tmp_path):
    cfg = compose_config([*TINY, f"replications={replications}"])
    run(cfg, out_dir=tmp_path)
    warned = [ln for ln in capsys.readouterr().out.splitlines() if "warning" in ln]
    if needle is None:
        assert warned == []
    else:
        assert len(warned) == 1 and warned[0].startswith("stocklab: warning: ")
        assert needle in warned[0]


# ------------------------------------------------------------------ 6. a typo in a sweep


@pytest.mark.cli
def test_a_typo_in_a_sweep_gives_the_single_runs_line(tmp_path):
    single = run_cli([*TINY, "policy=sss", f"hydra.run.dir={tmp_path / 'single'}"])
    swept = run_cli(["-m", *TINY, "policy=eoq,sss", f"hydra.sweep.dir={tmp_path / 'sweep'}"])
    assert single.returncode == swept.returncode == 2
    lines = [[ln for ln in p.stderr.splitlines() if ln.strip()] for p in (single, swept)]
    assert lines[0] == lines[1] and len(lines[0]) == 1, lines
    assert lines[0][0].startswith("stocklab: error: ") and "policy/sss" in lines[0][0]
    assert "Traceback" not in swept.stderr
    assert not (tmp_path / "sweep").exists()  # refused before any job ran


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["policy=eoq,sss"], "Could not find 'policy/sss'"),
        (["policy=ss,eoq", "policy.s=3"], "policy.s"),  # fine for ss, not for eoq
        (["policy=eoq", "seed=0,1", "+polcy.x=1,2"], None),  # values: each job says
        (["policy=eoq,ss", "seed=range(0,3)", "hydra/launcher=basic"], None),
        (["policy=ss", "policy.s=interval(1,3)"], None),  # not listable: Hydra's sweeper
        (["policy=eoq", "horizon=40,abc"], None),  # a bad value fails its own job
    ],
)
def test_a_sweep_is_composed_per_option_before_it_runs(args, needle, capsys):
    if needle is None:
        precheck(["-m", *args])
        return
    with pytest.raises(SystemExit) as exit_:
        precheck(["--multirun", *args])
    assert exit_.value.code == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and err.startswith("stocklab: error: ") and needle in err
