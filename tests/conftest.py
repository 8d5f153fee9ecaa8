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


def run_cli(args: list[str], cwd: Path = ROOT, timeout: int = 300) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
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
