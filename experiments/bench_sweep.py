"""``python -m experiments.bench_sweep``: how much faster a sweep runs in parallel.

Runs one sweep of 8 jobs -- the (s, S) policy on the default warehouse, seeds 0 to 7, each
job 10,000 SKUs x 20 replications of a simulated year (a few seconds of simulation, so
that start-up does not dominate) -- twice, from the command line as a user would:

1. with Hydra's basic launcher (one job after another in one process);
2. with ``hydra/launcher=joblib hydra.launcher.n_jobs=2`` (two worker processes).

Each joblib worker is held to one BLAS/OpenMP thread (joblib's loky workers do this
themselves; the environment says so explicitly), so two workers use two cores and never
fight over them; the basic run keeps the machine's default. Prints the wall time of each
sweep and the speed-up; target (issue #4): >= 1.7x on 2 cores. Both sweeps must list all
jobs ``ok`` with identical KPIs (same seeds, same demand). Needs the ``parallel`` extra.
Wall times include each sweep's start-up. Other load on the machine depresses the figure,
so the bench first measures how much parallelism the machine offers right now: the
speed-up of ``n_jobs`` pure-Python busy loops run at once over one alone (2.0 on an idle
2-core machine); a sweep cannot beat that.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


SPIN = """
import time
t = time.perf_counter()
x = 0
for i in range(20_000_000):
    x += i
print(time.perf_counter() - t)
"""


def cpu_capacity(n: int) -> float:
    """Speed-up of ``n`` CPU-bound processes at once over one: the parallelism on offer."""

    def spin(k: int) -> float:
        procs = [
            subprocess.Popen([sys.executable, "-c", SPIN], stdout=subprocess.PIPE, text=True)
            for _ in range(k)
        ]
        return max(float(p.communicate()[0]) for p in procs)

    return n * spin(1) / spin(n)


def _sweep(
    sweep_dir: Path, jobs: int, n_skus: int, replications: int, launcher: list[str]
) -> float:
    """Wall seconds of one sweep, run in a fresh process."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    if launcher:
        env.update(dict.fromkeys(THREAD_VARS, "1"))
    args = [
        sys.executable,
        "-m",
        "experiments.run",
        "-m",
        *launcher,
        "policy=ss",
        f"seed=range(0,{jobs})",
        f"n_skus={n_skus}",
        f"replications={replications}",
        "trace_skus=0",
        "progress=false",
        f"hydra.sweep.dir={sweep_dir}",
    ]
    t0 = time.perf_counter()
    proc = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"sweep failed ({' '.join(launcher) or 'basic'}):\n{proc.stderr}")
    return wall


def _kpis(sweep_dir: Path, jobs: int) -> list[dict]:
    import pandas as pd

    summary = pd.read_csv(sweep_dir / "sweep_summary.csv")
    if len(summary) != jobs or not (summary.status == "ok").all():
        raise RuntimeError(f"{sweep_dir}: not every job finished ok")
    return [
        json.loads((sweep_dir / str(j) / "metrics.json").read_text())["kpis"] for j in range(jobs)
    ]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jobs", type=int, default=8, help="jobs in the sweep (seeds)")
    ap.add_argument("--n-jobs", type=int, default=2, help="joblib worker processes")
    ap.add_argument("--n-skus", type=int, default=10_000)
    ap.add_argument("--replications", type=int, default=20)
    args = ap.parse_args(argv)
    try:
        import hydra_plugins.hydra_joblib_launcher  # noqa: F401
    except ImportError:
        print(
            "stocklab: error: the joblib launcher is not installed: pip install -e '.[parallel]'",
            file=sys.stderr,
        )
        return 2
    launchers = {
        "basic": [],
        f"joblib n_jobs={args.n_jobs}": [
            "hydra/launcher=joblib",
            f"hydra.launcher.n_jobs={args.n_jobs}",
        ],
    }
    print(
        f"sweep: {args.jobs} jobs x {args.n_skus} SKUs x {args.replications} replications "
        f"(policy=ss, seeds 0..{args.jobs - 1}); {os.cpu_count()} CPUs"
    )
    capacity = cpu_capacity(args.n_jobs)
    print(
        f"CPU capacity now: {capacity:.2f}x for {args.n_jobs} processes "
        f"(load average {os.getloadavg()[0]:.2f})"
    )
    walls, results = {}, {}
    with tempfile.TemporaryDirectory(prefix="bench_sweep_") as tmp:
        for name, launcher in launchers.items():
            sweep_dir = Path(tmp) / name.split()[0]
            walls[name] = _sweep(sweep_dir, args.jobs, args.n_skus, args.replications, launcher)
            results[name] = _kpis(sweep_dir, args.jobs)
            print(f"  {name:<16} {walls[name]:7.1f} s wall")
    basic, parallel = walls.values()
    same = all(r == results["basic"] for r in results.values())
    print(
        f"speed-up: {basic / parallel:.2f}x (target >= 1.7x on 2 cores; "
        f"{basic / parallel / capacity:.0%} of the {capacity:.2f}x capacity measured)"
    )
    print(f"identical KPIs across launchers: {same}")
    print(f"CPU capacity after: {cpu_capacity(args.n_jobs):.2f}x")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
