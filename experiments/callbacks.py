"""Hydra callbacks: sweep progress and the loss-free summary (and report) at the end of a sweep.

Counts are read from the sweep folder (``metrics.json`` = done, ``error.json`` = failed),
not kept in memory, so they stay right when a parallel launcher runs jobs in other
processes, and after a resumed sweep.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from experiments.aggregate import NOT_APPLICABLE, describe, expected_jobs, write_summary


def _counts(sweep_dir: Path) -> tuple[int, int, int]:
    """Jobs done, failed, and not applicable, from the files in the sweep folder."""
    done = sum(1 for _ in sweep_dir.glob("*/metrics.json"))
    failed = not_applicable = 0
    for path in sweep_dir.glob("*/error.json"):
        if (path.parent / "metrics.json").exists():
            continue
        try:
            kind = json.loads(path.read_text()).get("error")
        except (OSError, ValueError):
            kind = None
        if kind == NOT_APPLICABLE:
            not_applicable += 1
        else:
            failed += 1
    return done, failed, not_applicable


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
        table = write_summary(sweep_dir)
        print(f"sweep summary: {describe(table)} -> {sweep_dir / 'sweep_summary.csv'}")
        if self.report:
            from experiments.report import build_report

            html = build_report(sweep_dir)
            print(f"report: {html} and {html.with_suffix('.md')}")
