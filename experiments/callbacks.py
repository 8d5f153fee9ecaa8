"""Hydra callbacks: sweep progress and the loss-free summary (and report) at the end of a sweep.

Counts are read from the sweep folder (``metrics.json`` = done, ``error.json`` = failed),
not kept in memory, so they stay right when a parallel launcher runs jobs in other
processes, and after a resumed sweep.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from experiments.aggregate import describe, expected_jobs, job_dirs, job_status, write_summary


def _counts(sweep_dir: Path) -> tuple[int, int, int]:
    """Jobs done, failed, and not applicable, from the files in the sweep folder."""
    counts = {"ok": 0, "failed": 0, "not applicable": 0, "missing": 0}
    for job_dir in job_dirs(sweep_dir).values():
        try:
            status, _ = job_status(job_dir)
        except (OSError, ValueError):  # an error record that cannot be read: still a failure
            status = "failed"
        counts[status] += 1
    return counts["ok"], counts["failed"], counts["not applicable"]


class SweepSummary(Callback):
    """Per-job progress on stderr; ``sweep_summary.csv`` (and, with ``report=True``, the
    report: ``report.html``, ``report.md``, ``figures/``) in the sweep folder at the end."""

    def __init__(self, report: bool = False) -> None:
        if not isinstance(report, bool):
            raise ValueError(
                f"hydra.callbacks.sweep_summary.report(={report!r}) must be true or false"
            )
        self.report = report

    def on_job_end(self, config: DictConfig, job_return: Any, **kwargs: Any) -> None:
        hc = config.hydra
        if hc.mode is None or str(hc.mode) != "RunMode.MULTIRUN":
            return
        sweep_dir = Path(hc.sweep.dir)
        jobs = expected_jobs(sweep_dir)
        total = f"/{len(jobs)}" if jobs else ""
        done, failed, not_applicable = _counts(sweep_dir)
        extra = f", {not_applicable} not applicable" if not_applicable else ""
        print(
            f"sweep: {done + failed + not_applicable}{total} jobs finished, {failed} failed{extra}",
            file=sys.stderr,
        )

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        sweep_dir = Path(config.hydra.sweep.dir)
        if any((d / "backtest.json").exists() for d in job_dirs(sweep_dir).values()):
            from experiments.leaderboard import write_leaderboard

            write_leaderboard(sweep_dir)
            print(f"leaderboard: {sweep_dir / 'leaderboard.csv'}, {sweep_dir / 'leaderboard.png'}")
            return
        table = write_summary(sweep_dir)
        print(f"sweep summary: {describe(table)} -> {sweep_dir / 'sweep_summary.csv'}")
        if self.report:
            from experiments.report import build_report

            html = build_report(sweep_dir)
            print(f"report: {html} and {html.with_suffix('.md')}")
