"""A sweep's results do not depend on what launches its jobs.

The same three-policy sweep runs through Hydra's basic launcher (one job after another, in
the driver process), through joblib worker processes on this machine, through submitit's
local executor (what ``hydra/launcher=submitit_slurm`` does on a SLURM cluster, without
the cluster) and through a local Ray cluster. Every job must write its ``metrics.json``
into the sweep's numbered job folder, the sweep summary must list every job ``ok``, and
the KPIs must equal those of the basic launcher bit for bit (same seeds, same demand).
Two sweeps started at the same moment must not share a folder.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd
import pytest
import yaml
from hydra import compose, initialize_config_dir

from experiments.aggregate import expected_jobs
from tests.conftest import CONF, ROOT, run_cli

pytestmark = pytest.mark.cli

TINY = ["n_skus=2", "horizon=40", "warmup=5", "replications=2", "trace_skus=2", "progress=false"]
SWEEP = ["policy=eoq,ss,base_stock", "seed=3", *TINY]
POLICIES = {"eoq", "ss", "base_stock"}


def _ok(proc: subprocess.CompletedProcess) -> str:
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-4000:]
    return log


def _only_sweep(cwd: Path) -> Path:
    """The sweep folder a run with the default ``hydra.sweep.dir`` made under ``cwd``."""
    found = sorted(p for p in (cwd / "multirun").glob("*/*") if p.is_dir())
    assert len(found) == 1, found
    return found[0]


def _results(sweep: Path) -> dict[str, dict]:
    """KPIs per policy, after checking every job of the sweep finished in its own folder."""
    summary = pd.read_csv(sweep / "sweep_summary.csv")
    assert len(summary) == len(POLICIES) == len(expected_jobs(sweep))
    assert (summary.status == "ok").all(), summary[["job", "status"]]
    results = {}
    for job in summary.job:
        job_dir = sweep / str(job)
        overrides = yaml.safe_load((job_dir / ".hydra" / "overrides.yaml").read_text())
        policy = dict(o.split("=", 1) for o in overrides)["policy"]
        results[policy] = json.loads((job_dir / "metrics.json").read_text())["kpis"]
    assert set(results) == POLICIES
    return results


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> dict[str, dict]:
    """The sweep through Hydra's basic launcher."""
    sweep = tmp_path_factory.mktemp("basic")
    _ok(run_cli(["-m", *SWEEP, f"hydra.sweep.dir={sweep}"]))
    return _results(sweep)


def test_joblib_runs_two_jobs_at_a_time_with_the_same_results(reference, tmp_path):
    log = _ok(run_cli(["-m", "hydra/launcher=joblib", "hydra.launcher.n_jobs=2", *SWEEP], tmp_path))
    assert "Joblib.Parallel(n_jobs=2" in log
    assert _results(_only_sweep(tmp_path)) == reference


@pytest.mark.slow
def test_submitit_local_executor_gives_the_same_results(reference, tmp_path):
    log = _ok(
        run_cli(
            ["-m", "hydra/launcher=submitit_local", "hydra.launcher.timeout_min=5", *SWEEP],
            tmp_path,
        )
    )
    assert "Submitit 'local' sweep output dir" in log
    sweep = _only_sweep(tmp_path)
    assert any((sweep / ".submitit").iterdir())  # submitit's own records stay in the sweep
    assert _results(sweep) == reference


@pytest.mark.slow
def test_ray_local_cluster_gives_the_same_results(reference, tmp_path, monkeypatch):
    monkeypatch.setenv("RAY_USAGE_STATS_ENABLED", "0")
    # Ray's socket paths live under its temp dir and must stay within the 107-byte AF_UNIX
    # limit, which a pytest tmp_path can exceed: use a short folder of our own
    ray_tmp = tempfile.mkdtemp(prefix="ray", dir="/tmp")
    try:
        log = _ok(
            run_cli(
                [
                    "-m",
                    "hydra/launcher=ray",
                    "+hydra.launcher.ray.init.num_cpus=2",
                    "+hydra.launcher.ray.init.include_dashboard=false",
                    f"+hydra.launcher.ray.init._temp_dir={ray_tmp}",
                    *SWEEP,
                ],
                tmp_path,
            )
        )
        assert "Ray Launcher is launching 3 jobs" in log
        assert any(Path(ray_tmp).glob("session_*"))  # the local cluster used our folder
        assert _results(_only_sweep(tmp_path)) == reference
    finally:
        shutil.rmtree(ray_tmp, ignore_errors=True)


def test_sweep_folders_differ_within_the_same_second():
    """``hydra.sweep.dir`` carries microseconds: two sweeps composed in one second differ."""
    with initialize_config_dir(str(CONF), version_base=None):
        for _ in range(20):
            first, second = (
                str(compose("config", return_hydra_config=True).hydra.sweep.dir) for _ in range(2)
            )
            if first[: -len("-123456")] == second[: -len("-123456")]:
                break
    assert first.startswith("multirun/")
    assert first[: -len("-123456")] == second[: -len("-123456")]  # the same second ...
    assert first != second  # ... and yet two folders


@pytest.mark.slow
def test_two_sweeps_started_together_write_to_different_folders(tmp_path):
    """Two submitit sweeps started at the same moment, in the same working folder, with the
    default sweep folder: each keeps its own jobs and its own submitit records."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "experiments.run",
                "-m",
                "hydra/launcher=submitit_local",
                "policy=eoq,ss",
                f"seed={seed}",
                *TINY,
            ],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for seed in (1, 2)
    ]
    for proc in procs:
        out, _ = proc.communicate(timeout=300)
        assert proc.returncode == 0, out[-4000:]
    sweeps = sorted(p for p in (tmp_path / "multirun").glob("*/*") if p.is_dir())
    assert len(sweeps) == 2, sweeps
    seeds = set()
    for sweep in sweeps:
        summary = pd.read_csv(sweep / "sweep_summary.csv")
        assert len(summary) == 2 and (summary.status == "ok").all()
        assert any((sweep / ".submitit").iterdir())
        job_seeds = {
            json.loads((sweep / str(j) / "metrics.json").read_text())["seed"] for j in summary.job
        }
        assert len(job_seeds) == 1  # no job of the other sweep strayed in
        seeds |= job_seeds
    assert seeds == {1, 2}
