from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir

ROOT = Path(__file__).resolve().parents[1]
CONF = ROOT / "conf"
#: The fault-injection suites' run: one node, two SKUs, 30 periods (each case adds a fault).
TINY = [
    "network=single",
    "demand=poisson",
    "n_skus=2",
    "horizon=30",
    "warmup=5",
    "replications=2",
    "trace_skus=1",
    "progress=false",
]
#: Overrides that make any configuration a quick smoke run.
SHORT = ["horizon=40", "warmup=5", "replications=2", "n_skus=5", "trace_skus=2", "progress=false"]


def compose_config(overrides: list[str]):
    with initialize_config_dir(str(CONF), version_base=None):
        return compose("config", overrides=overrides)


def run_cli(
    args: list[str], cwd: Path = ROOT, timeout: int = 300, pythonpath: tuple[Path, ...] = ()
) -> subprocess.CompletedProcess:
    """``python -m experiments.run <args>`` in a subprocess; ``pythonpath``: folders put
    before the repo on ``PYTHONPATH`` (a user's package, a ``sitecustomize`` hook)."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([*map(str, pythonpath), str(ROOT)]))
    return subprocess.run(
        [sys.executable, "-m", "experiments.run", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture
def compose_cfg():
    return compose_config


def poisson_context(mean, order_fixed: float = 20.0):
    """A planning context of Poisson SKUs with the given means: lead time 2, h = 1,
    p = 9, backorders (the contract checkers' test bed)."""
    import numpy as np

    from policies.base import PlanningContext

    mean = np.asarray(mean, dtype=float)
    ones = np.ones(mean.size)
    return PlanningContext(
        n_skus=mean.size,
        demand_family="poisson",
        demand_mean=mean,
        demand_std=np.sqrt(mean),
        lead_time_mean=2 * ones,
        lead_time_std=0 * ones,
        review_period=1,
        holding=ones,
        backorder=9 * ones,
        lost_sale=9 * ones,
        order_fixed=order_fixed * ones,
        unit=0 * ones,
        unmet_demand="backorder",
    )
