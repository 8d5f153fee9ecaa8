"""Rank the forecasters of a backtest sweep: ``python -m experiments.leaderboard DIR``.

A backtest sweep (``python -m experiments.backtest -m demand=bakery
forecaster=seasonal_naive,ets,glm``) leaves one job folder per forecaster, ``0/``, ``1/``,
..., each with a ``backtest.json``: ``{"forecaster": <choice name>, "summary": {metric:
value}, "per_series": [{"series": ..., "rmsse": ..., ...}, ...]}`` (``sim/evaluation.py``
defines the metrics). The leaderboard has one row per job that left a readable file:

``job``, ``forecaster``, ``configuration`` (the job's ``forecaster*`` overrides, or
``forecaster=<name>``), ``scenario`` (its other overrides: jobs of one scenario forecast the
same demand), every number of ``summary``, ``rmsse`` (the summary's mean RMSSE over series,
or the mean of the finite per-series values when the summary lacks it),
``rmsse_vs_baseline`` = ``rmsse`` / ``rmsse`` of the seasonal naive job of the same scenario
- 1 (``-0.23``: 23% lower; NaN without such a job; with several, the one with the fewest
overrides, then the lowest job number), and ``rank`` (1 = lowest ``rmsse`` in its
scenario). Rows are sorted by scenario and rank.

Jobs without a ``backtest.json``, or with one that is not JSON or has no ``summary``, are
skipped with one warning line each on stderr. :func:`write_leaderboard` writes
``leaderboard.csv`` and ``leaderboard.png`` (mean RMSSE per configuration, a bar per job,
the baseline's bar and value marked; one panel per scenario) in the sweep folder, each
atomically (written under a temporary name, then renamed).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from experiments.aggregate import CONFIG_PREFIXES, job_dirs
from experiments.run import _atomic_write

__all__ = ["BASELINE", "leaderboard", "load_job", "plot_leaderboard", "write_leaderboard"]

#: The forecaster every other one is measured against.
BASELINE = "seasonal_naive"


def _warn(message: str) -> None:
    print(f"stocklab: warning: {message}", file=sys.stderr)


def _overrides(job_dir: Path) -> list[str]:
    path = job_dir / ".hydra" / "overrides.yaml"
    try:
        found = yaml.safe_load(path.read_text()) if path.exists() else None
    except (OSError, yaml.YAMLError):
        return []
    return [str(o) for o in found] if isinstance(found, list) else []


def _is_config(override: str) -> bool:
    key = override.partition("=")[0].lstrip("+~")
    return key.split(".")[0].split("/")[0] in CONFIG_PREFIXES


def load_job(job_dir: Path) -> dict[str, Any] | None:
    """One leaderboard row of ``job_dir`` (without the baseline and rank columns), or None
    with a warning when it has no readable ``backtest.json``."""
    path = job_dir / "backtest.json"
    try:
        record = json.loads(path.read_text())
    except FileNotFoundError:
        _warn(f"skipping {job_dir}: no backtest.json")
        return None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        _warn(f"skipping {path}: not readable JSON ({exc})")
        return None
    summary = record.get("summary") if isinstance(record, dict) else None
    if not isinstance(summary, dict):
        _warn(f"skipping {path}: no 'summary' table")
        return None
    overrides = _overrides(job_dir)
    config = [o for o in overrides if _is_config(o)]
    name = record.get("forecaster")
    if not isinstance(name, str):
        name = next((o.partition("=")[2] for o in config if o.startswith("forecaster=")), "")
    row: dict[str, Any] = {
        "job": int(job_dir.name) if job_dir.name.isdigit() else job_dir.name,
        "forecaster": name,
        "configuration": " ".join(config) or f"forecaster={name}",
        "scenario": " ".join(o for o in overrides if not _is_config(o)) or "(default scenario)",
        "n_overrides": len(config),
    }
    for key, value in summary.items():
        if isinstance(value, int | float) and not isinstance(value, bool):
            row[key] = float(value)
    if not math.isfinite(row.get("rmsse", math.nan)):
        row["rmsse"] = _mean_rmsse(record.get("per_series"))
    return row


def _mean_rmsse(per_series: Any) -> float:
    values = [
        r["rmsse"]
        for r in per_series or []
        if isinstance(r, dict) and isinstance(r.get("rmsse"), int | float)
    ]
    finite = np.asarray(values, dtype=float)
    finite = finite[np.isfinite(finite)]
    return float(finite.mean()) if finite.size else math.nan


def leaderboard(sweep_dir: str | Path) -> pd.DataFrame:
    """The leaderboard of the sweep at ``sweep_dir`` (see the module docstring); a
    FileNotFoundError when it holds no readable backtest job."""
    sweep_dir = Path(sweep_dir)
    if not sweep_dir.is_dir():
        raise FileNotFoundError(f"sweep folder {sweep_dir} does not exist")
    rows = [load_job(d) for _, d in sorted(job_dirs(sweep_dir).items())]
    rows = [r for r in rows if r is not None]
    if not rows:
        raise FileNotFoundError(
            f"no backtest jobs in {sweep_dir} (no job folder has a readable backtest.json)"
        )
    table = pd.DataFrame(rows)
    table["rmsse_vs_baseline"] = np.nan
    table["baseline_job"] = pd.Series([None] * len(table), dtype=object)
    for _, group in table.groupby("scenario", sort=False):
        base = group[group.forecaster == BASELINE].sort_values(["n_overrides", "job"])
        if not base.empty and base.rmsse.iloc[0] > 0:
            table.loc[group.index, "rmsse_vs_baseline"] = group.rmsse / base.rmsse.iloc[0] - 1
            table.loc[group.index, "baseline_job"] = base.job.iloc[0]
    table["rank"] = table.groupby("scenario", sort=False).rmsse.rank(method="min")
    table["rank"] = table["rank"].astype("Int64")
    first = ["job", "forecaster", "rank", "rmsse", "rmsse_vs_baseline"]
    last = ["configuration", "scenario", "baseline_job"]
    middle = [c for c in table.columns if c not in first + last + ["n_overrides"]]
    table = table[first + middle + last]
    return table.sort_values(["scenario", "rank", "job"], na_position="last").reset_index(drop=True)


def plot_leaderboard(table: pd.DataFrame) -> Figure:
    """Horizontal bars of mean RMSSE per job, best on top, one panel per scenario; the
    baseline's bar grey, labelled, and its value a dashed line across the panel."""
    scenarios = list(dict.fromkeys(table.scenario))
    heights = [0.4 * (table.scenario == s).sum() + 1.0 for s in scenarios]
    fig = Figure(figsize=(8, sum(heights)), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(len(scenarios), 1, squeeze=False, height_ratios=heights)[:, 0]
    for ax, scenario in zip(axes, scenarios, strict=True):
        part = table[table.scenario == scenario].iloc[::-1]
        is_base = (part.job == part.baseline_job).to_numpy()
        y = np.arange(len(part))
        ax.barh(
            y, part.rmsse.to_numpy(dtype=float), color=np.where(is_base, "tab:grey", "tab:blue")
        )
        labels = [f"{c} (job {j})" for c, j in zip(part.configuration, part.job, strict=True)]
        ax.set_yticks(y, labels)
        for k, (v, rel, base) in enumerate(
            zip(part.rmsse, part.rmsse_vs_baseline, is_base, strict=True)
        ):
            if math.isfinite(v):
                note = " baseline" if base else f" ({rel:+.0%})" if math.isfinite(rel) else ""
                ax.text(v, k, f" {v:.3g}{note}", va="center", fontsize=8)
            if base:
                ax.axvline(v, color="tab:grey", linestyle="--", linewidth=1)
        ax.set_xlabel("mean RMSSE over series (lower is better)")
        ax.set_title(scenario, fontsize=9)
        ax.margins(x=0.2)
    return fig


def write_leaderboard(sweep_dir: str | Path) -> tuple[pd.DataFrame, Path, Path]:
    """Build the leaderboard and write ``leaderboard.csv`` and ``leaderboard.png`` in the
    sweep folder, atomically; return the table and the two paths."""
    sweep_dir = Path(sweep_dir)
    table = leaderboard(sweep_dir)
    csv, png = sweep_dir / "leaderboard.csv", sweep_dir / "leaderboard.png"
    _atomic_write(csv, lambda t: table.to_csv(t, index=False))
    fig = plot_leaderboard(table)
    _atomic_write(png, lambda t: fig.savefig(t, format="png", dpi=110))
    return table, csv, png


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Rank the forecasters of a backtest sweep.")
    ap.add_argument("sweep_dir", type=Path)
    args = ap.parse_args(argv)
    try:
        table, csv, png = write_leaderboard(args.sweep_dir)
    except FileNotFoundError as exc:
        print(f"stocklab: error: {exc}", file=sys.stderr)
        return 2
    shown = ["rank", "job", "forecaster", "rmsse", "rmsse_vs_baseline"]
    shown += [c for c in ("mase", "mae", "rmse", "bias", "coverage80") if c in table]
    shown += ["configuration"] + (["scenario"] if table.scenario.nunique() > 1 else [])
    print(table[shown].to_string(index=False, float_format=lambda x: f"{x:.4g}"))
    print(f"leaderboard: {csv} and {png}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
