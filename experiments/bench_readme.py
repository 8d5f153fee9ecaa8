"""``python -m experiments.bench_readme``: wall-clock time of every command in the README.

Runs each ``python -m experiments.<module> ...`` line of the README's shell blocks at its
default size, one after the other, in a subprocess (a fresh interpreter, as a user runs
it), with its outputs in a temporary folder (``hydra.run.dir`` / ``hydra.sweep.dir``), and
prints the seconds, the exit status and whether it met the target of issue #11: every
README command finishes in under ``--target`` seconds (60) at its default size.

Skipped, with the reason printed: lines with a placeholder (``<folder>``), lines that need
a cluster (Slurm, a running Ray cluster), and the re-evaluation line that takes the tuner's
output. A sweep's report (``experiments.report``/``aggregate`` on ``multirun/<date>/...``)
is timed on the folder of the first sweep run here.

``--only SUBSTRING`` keeps the commands containing it; ``--timeout`` (default 300 s) stops
a command that runs longer (reported as ``timeout``); ``--json FILE`` writes the rows.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_S = 60.0
#: Lines that need something this machine has not got, with the reason.
NEEDS = {
    "submitit_slurm": "needs a Slurm cluster",
    "ray.init.address=auto": "needs a running Ray cluster",
    "PYTHONPATH=": "an outside plug-in package (tests/test_outside_plugins.py runs it)",
}


#: Modules that are Hydra apps: their outputs go to a folder given on the command line.
HYDRA_APPS = ("experiments.run", "experiments.backtest", "experiments.clean")


def is_sweep(command: str) -> bool:
    return "-m" in shlex.split(command)[3:]


def readme_commands(text: str) -> list[str]:
    """The ``python -m experiments.*`` lines of the README's shell blocks, comments cut."""
    blocks = re.findall(r"```(?:bash|sh)\n(.*?)```", text, flags=re.S)
    lines = []
    for block in blocks:
        for ln in block.splitlines():
            ln = ln.split("  #")[0].strip()
            if ln.startswith(("python -m experiments.", "PYTHONPATH=")):
                lines.append(ln)
    return lines


def skip_reason(command: str) -> str | None:
    for needle, why in NEEDS.items():
        if needle in command:
            return why
    if "<date>" in command:
        return None  # timed on the first sweep's folder
    if re.search(r"<\w+>", command):
        return "takes a value from an earlier run (placeholder)"
    return None


def run_one(command: str, workdir: Path, sweep_dir: Path | None, timeout: float) -> dict:
    args = shlex.split(command)[1:]  # drop "python"
    module = args[1]
    if "<date>" in command:
        if sweep_dir is None:
            return {"command": command, "status": "skipped", "why": "no sweep ran before it"}
        args = [a if "<date>" not in a else str(sweep_dir) for a in args]
    elif module in HYDRA_APPS:
        key = "hydra.sweep.dir" if is_sweep(command) else "hydra.run.dir"
        args.append(f"{key}={workdir}")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    start = time.perf_counter()
    try:
        proc = subprocess.run(
            [sys.executable, *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return {"command": command, "status": "timeout", "seconds": timeout}
    seconds = time.perf_counter() - start
    status = "ok" if proc.returncode == 0 else f"exit {proc.returncode}"
    row = {"command": command, "status": status, "seconds": round(seconds, 2)}
    if proc.returncode != 0:
        row["why"] = (proc.stderr.strip().splitlines() or [""])[-1][:160]
    return row


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--only", default="", help="keep the commands containing this text")
    ap.add_argument("--timeout", type=float, default=300.0)
    ap.add_argument("--target", type=float, default=TARGET_S)
    ap.add_argument("--json", default="", help="write the rows to this file")
    opts = ap.parse_args(argv)
    commands = [c for c in readme_commands((ROOT / "README.md").read_text()) if opts.only in c]
    rows, sweep_dir = [], None
    with tempfile.TemporaryDirectory(prefix="bench_readme_") as tmp:
        for k, command in enumerate(commands):
            why = skip_reason(command)
            if why:
                row = {"command": command, "status": "skipped", "why": why}
            else:
                workdir = Path(tmp) / f"c{k:02d}"
                workdir.mkdir()
                row = run_one(command, workdir, sweep_dir, opts.timeout)
                if sweep_dir is None and row["status"] == "ok" and is_sweep(command):
                    sweep_dir = workdir
            rows.append(row)
            secs = f"{row['seconds']:8.1f}" if "seconds" in row else "       -"
            met = ""
            if row["status"] == "ok":
                met = "yes" if row["seconds"] < opts.target else "NO"
            elif row["status"] != "skipped":
                met = "NO"
            extra = f"  ({row['why']})" if row.get("why") else ""
            print(f"{secs} s  {row['status']:8s} {met:3s}  {command}{extra}", flush=True)
    timed = [r for r in rows if r["status"] != "skipped"]
    slow = [r for r in timed if r["status"] != "ok" or r["seconds"] >= opts.target]
    total = sum(r.get("seconds", 0.0) for r in timed)
    print(
        f"{len(timed)} commands timed ({len(rows) - len(timed)} skipped) in {total:.0f} s; "
        f"{len(timed) - len(slow)} under {opts.target:.0f} s, {len(slow)} not"
    )
    if opts.json:
        Path(opts.json).write_text(json.dumps(rows, indent=1))
    return 0 if not slow else 1


if __name__ == "__main__":
    sys.exit(main())
