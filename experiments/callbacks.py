"""Hydra callbacks: sweep progress and the loss-free summary (and report) at the end of a sweep.

Counts are read from the sweep folder (``metrics.json`` = done, ``error.json`` = failed or
not applicable, an unreadable one of either = corrupt), not kept in memory, so they stay
right when a parallel launcher runs jobs in other processes, and after a resumed sweep.

Hydra's multirun returns normally whatever its jobs did, and it swallows exceptions raised
by callbacks, so the callback does not exit itself: it leaves the sweep's outcome in
:data:`OUTCOME`, and ``python -m experiments.run`` turns failed, corrupt or missing jobs into
exit status 1 once the summary is written (:func:`exit_status`).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from experiments.aggregate import (
    FAILURES,
    STATUSES,
    describe,
    expected_jobs,
    job_dirs,
    job_status,
    write_summary,
)

#: The outcome of the last sweep this process ran (set by :meth:`SweepSummary.on_multirun_end`):
#: ``{"sweep_dir": str, "counts": {status: n}, "error": str | None}``, or None if none ended.
OUTCOME: dict[str, Any] | None = None

#: Statuses already read, by job folder and the (size, mtime) of its record files, so that
#: progress after each job does not re-read every finished job's metrics.json.
_SEEN: dict[Path, tuple[tuple[tuple[int, int], ...], str]] = {}


def _stamp(job_dir: Path) -> tuple[tuple[int, int], ...]:
    stamp = []
    for name in ("metrics.json", "backtest.json", "error.json"):
        try:
            st = (job_dir / name).stat()
            stamp.append((st.st_size, st.st_mtime_ns))
        except OSError:
            stamp.append((-1, -1))
    return tuple(stamp)


def _counts(sweep_dir: Path) -> dict[str, int]:
    """Jobs per status (``ok``, ``failed``, ``corrupt``, ``not applicable``, ``missing``),
    from the files in the sweep folder (jobs not started yet are not counted)."""
    counts = dict.fromkeys(STATUSES, 0)
    for job_dir in job_dirs(sweep_dir).values():
        stamp = _stamp(job_dir)
        seen = _SEEN.get(job_dir)
        if seen is not None and seen[0] == stamp:
            status = seen[1]
        else:
            status, _ = job_status(job_dir)
            _SEEN[job_dir] = (stamp, status)
        counts[status] += 1
    return counts


def exit_status() -> int:
    """1 if the last sweep of this process ended with failed, corrupt or missing jobs (or
    could not be summarised), else 0; says so in one line on stderr."""
    if OUTCOME is None:
        return 0
    if OUTCOME.get("error"):
        print(f"stocklab: error: {OUTCOME['error']}", file=sys.stderr)
        return 1
    counts = OUTCOME["counts"]
    bad = {s: counts.get(s, 0) for s in FAILURES if counts.get(s, 0)}
    if not bad:
        return 0
    total = sum(counts.values())
    what = ", ".join(f"{n} {s}" for s, n in bad.items())
    print(
        f"stocklab: error: {what} of {total} jobs "
        f"(see {Path(OUTCOME['sweep_dir']) / OUTCOME.get('summary', 'sweep_summary.csv')})",
        file=sys.stderr,
    )
    return 1


class SweepSummary(Callback):
    """Per-job progress on stderr (and in the job's ``run.log``); ``sweep_summary.csv``
    (and, with ``report=True``, the report: ``report.html``, ``report.md``, ``figures/``) in
    the sweep folder at the end."""

    def __init__(self, report: bool = False) -> None:
        if not isinstance(report, bool):
            raise ValueError(
                f"hydra.callbacks.sweep_summary.report(={report!r}) must be true or false"
            )
        self.report = report

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        global OUTCOME
        OUTCOME = None
        _SEEN.clear()

    def on_job_end(self, config: DictConfig, job_return: Any, **kwargs: Any) -> None:
        hc = config.hydra
        if hc.mode is None or str(hc.mode) != "RunMode.MULTIRUN":
            return
        sweep_dir = Path(hc.sweep.dir)
        jobs = expected_jobs(sweep_dir)
        total = f"/{len(jobs)}" if jobs else ""
        counts = _counts(sweep_dir)
        finished = sum(n for s, n in counts.items() if s != "missing")
        failed = counts["failed"]
        extra = f", {counts['corrupt']} corrupt" if counts["corrupt"] else ""
        if counts["not applicable"]:
            extra += f", {counts['not applicable']} not applicable"
        from experiments.run import say

        # the job's logging is still set up: the line also ends its run.log
        say(f"sweep: {finished}{total} jobs finished, {failed} failed{extra}", file=sys.stderr)

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        global OUTCOME
        sweep_dir = Path(config.hydra.sweep.dir)
        OUTCOME = {"sweep_dir": str(sweep_dir), "counts": {}, "error": None}
        try:
            if any((d / "backtest.json").exists() for d in job_dirs(sweep_dir).values()):
                from experiments.leaderboard import write_leaderboard

                write_leaderboard(sweep_dir)
                OUTCOME["counts"] = {s: n for s, n in _counts(sweep_dir).items() if n}
                OUTCOME["summary"] = "leaderboard.csv"
                print(
                    f"leaderboard: {sweep_dir / 'leaderboard.csv'}, {sweep_dir / 'leaderboard.png'}"
                )
                return
            table = write_summary(sweep_dir)
            OUTCOME["counts"] = table["status"].value_counts().to_dict()
            print(f"sweep summary: {describe(table)} -> {sweep_dir / 'sweep_summary.csv'}")
            if self.report:
                from experiments.report import build_report

                html = build_report(sweep_dir)
                print(f"report: {html} and {html.with_suffix('.md')}")
        except Exception as exc:  # noqa: BLE001 - Hydra would swallow it: record it instead
            reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
            OUTCOME["error"] = f"could not summarise the sweep in {sweep_dir}: {reason}"
