"""Collect a sweep's jobs into one table, losing none: ``python -m experiments.aggregate DIR``.

Works on any sweep folder -- finished, with failed jobs, or killed half-way. The jobs the
sweep was meant to run are listed from its ``multirun.yaml`` (the basic sweeper's grid, in
Hydra's job order), so a job that never started is marked ``missing`` rather than dropped.
A job is ``ok`` when its ``metrics.json`` (a backtest job: ``backtest.json``) exists and
reads back whole, with every result file it lists (``metrics.json`` is written last, after
the files it lists, so its presence says the job finished); ``corrupt`` when that file, or
its ``error.json``, cannot be read back (truncated, garbage, a listed file gone: the reason
is in ``error``); ``not applicable`` when its policy cannot run on its scenario by design
(e.g. a forecast-driven policy on a serial chain), ``failed`` when it left another
``error.json``, and ``missing`` otherwise. One unreadable job never stops the summary of
the others, and ``resume=true`` re-runs corrupt, failed and missing jobs.

Each row: ``job``, ``status``, ``overrides``, one column per swept key, ``error``, and for
every KPI ``<kpi>`` (the mean over replications) and ``<kpi>_ci95``. Written to
``sweep_summary.csv`` in the sweep folder. A job's *configuration* is its ``policy*``,
``forecaster*`` and ``contender`` overrides; its *scenario* is everything else it overrides
(seed included): jobs of one scenario met the same demand (common random numbers) and can
be paired. The job list includes the sweep parameters a config sets under
``hydra.sweeper.params`` (as ``experiment=benchmark`` does).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

__all__ = [
    "collect",
    "describe",
    "expected_jobs",
    "job_dirs",
    "job_status",
    "read_metrics",
    "CorruptResult",
    "STATUSES",
    "FAILURES",
    "write_summary",
    "load_metrics",
    "CONFIG_PREFIXES",
    "NOT_APPLICABLE",
    "RUN_SETTINGS",
]

#: The error type of a job whose policy cannot run on its scenario by design
#: (``sim.runner.NotApplicable``): its status is ``not applicable``, not ``failed``.
NOT_APPLICABLE = "NotApplicable"

#: Every job status, in the order the summary line lists them.
STATUSES = ("ok", "failed", "corrupt", "missing", "not applicable")

#: Statuses that make a finished sweep exit 1: the sweep did not produce what it promised.
FAILURES = ("failed", "corrupt", "missing")

#: Keys that say how a job runs, not what it computes: they label neither its configuration
#: nor its scenario (so a resumed sweep's summary reads as an uninterrupted one's), and
#: ``resume=true`` ignores them when it compares configurations.
RUN_SETTINGS = ("resume", "progress", "overwrite", "memory_limit")

#: Override keys that choose *what is compared*; every other key belongs to the scenario.
CONFIG_PREFIXES = ("policy", "forecaster", "contender")


def expected_jobs(sweep_dir: Path) -> list[list[str]] | None:
    """The jobs of the sweep, as override lists in Hydra's numbering, or None if unknown."""
    path = sweep_dir / "multirun.yaml"
    if not path.exists():
        return None
    try:
        from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
        from hydra.core.override_parser.overrides_parser import OverridesParser

        spec = yaml.safe_load(path.read_text())
        sweeper = spec["hydra"].get("sweeper") or {}
        if sweeper.get("_target_", "").split(".")[-1] != "BasicSweeper":
            return None
        # as the basic sweeper does: the config's sweep params, then the command line's
        params = [f"{k}={v}" for k, v in (sweeper.get("params") or {}).items()]
        parsed = OverridesParser.create().parse_overrides(
            params + spec["hydra"]["overrides"]["task"]
        )
        batches = BasicSweeper.split_arguments(parsed, None)
        return [job for batch in batches for job in batch]
    except Exception:  # noqa: BLE001 - an unreadable spec only costs the 'missing' rows
        return None


def _job_overrides(job_dir: Path) -> list[str] | None:
    path = job_dir / ".hydra" / "overrides.yaml"
    try:
        overrides = yaml.safe_load(path.read_text()) if path.exists() else None
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None  # the sweep's own job list still names the job
    return overrides if isinstance(overrides, list) else None


class CorruptResult(ValueError):
    """A job's result or error record exists but cannot be read back; says which and why."""


def _read_json(path: Path) -> dict[str, Any]:
    try:
        record = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        raise CorruptResult(f"{path.name} unreadable: {reason}") from None
    if not isinstance(record, dict):
        raise CorruptResult(f"{path.name} unreadable: not a JSON object")
    return record


def read_metrics(job_dir: Path) -> dict[str, Any]:
    """A job's ``metrics.json``, checked whole: KPIs with ``mean`` and ``ci95``, and every
    result file it lists present. Raises :class:`CorruptResult` (with the reason) if not,
    ``FileNotFoundError`` if there is none."""
    path = job_dir / "metrics.json"
    if not path.exists():
        raise FileNotFoundError(path)
    metrics = _read_json(path)
    kpis = metrics.get("kpis")
    if not isinstance(kpis, dict) or not kpis:
        raise CorruptResult("metrics.json unreadable: no 'kpis'")
    for name, k in kpis.items():
        if not isinstance(k, dict) or "mean" not in k or "ci95" not in k:
            raise CorruptResult(f"metrics.json unreadable: KPI {name!r} has no mean and ci95")
    gone = [f for f in metrics.get("files", []) if not (job_dir / str(f)).exists()]
    if gone:
        raise CorruptResult(f"result file(s) listed in metrics.json are gone: {', '.join(gone)}")
    return metrics


def load_metrics(job_dir: Path) -> dict[str, Any] | None:
    """A job's ``metrics.json`` (checked, see :func:`read_metrics`), or None if it has none."""
    path = job_dir / "metrics.json"
    return read_metrics(job_dir) if path.exists() else None


def split_override(override: str) -> tuple[str, str]:
    """``key=value`` (with Hydra's ``+``/``~`` prefix dropped from the key) as its parts."""
    key, _, value = override.partition("=")
    return key.lstrip("+~"), value


def job_dirs(sweep_dir: Path) -> dict[int, Path]:
    """The sweep's job folders that exist, by job number."""
    return {int(p.name): p for p in sweep_dir.iterdir() if p.is_dir() and p.name.isdigit()}


def job_status(job_dir: Path | None) -> tuple[str, dict[str, Any] | None]:
    """A job's status (``ok``, ``not applicable``, ``failed``, ``corrupt`` or ``missing``,
    see above) and its record: for ``ok`` the checked ``metrics.json`` (None for a backtest
    job), for the two kinds of error the ``error.json`` record, for ``corrupt`` a record
    whose ``message`` says what could not be read. Never raises for one job's bad files."""
    if job_dir is None:
        return "missing", None
    try:
        if (job_dir / "metrics.json").exists():
            return "ok", read_metrics(job_dir)
        if (job_dir / "backtest.json").exists():
            _read_json(job_dir / "backtest.json")
            return "ok", None
        path = job_dir / "error.json"
        if not path.exists():
            return "missing", None
        record = _read_json(path)
    except CorruptResult as exc:
        return "corrupt", {"error": "CorruptResult", "message": str(exc)}
    except OSError as exc:  # a folder that vanished or cannot be read
        return "corrupt", {"error": "CorruptResult", "message": f"unreadable: {exc}"}
    return ("not applicable" if record.get("error") == NOT_APPLICABLE else "failed"), record


def collect(sweep_dir: str | Path) -> pd.DataFrame:
    """One row per job of the sweep at ``sweep_dir``."""
    sweep_dir = Path(sweep_dir)
    if not sweep_dir.is_dir():
        raise FileNotFoundError(f"sweep folder {sweep_dir} does not exist")
    found = job_dirs(sweep_dir)
    expected = expected_jobs(sweep_dir)
    numbers = sorted(set(found) | set(range(len(expected) if expected else 0)))
    rows = []
    for num in numbers:
        job_dir = found.get(num)
        overrides = _job_overrides(job_dir) if job_dir else None
        if overrides is None and expected and num < len(expected):
            overrides = expected[num]
        row: dict[str, Any] = {"job": num, "overrides": " ".join(overrides or [])}
        for o in overrides or []:
            key, value = split_override(o)
            row[key] = value
        row["status"], record = job_status(job_dir)
        if row["status"] == "ok":
            for name, k in (record or {}).get("kpis", {}).items():
                row[name] = k["mean"]
                row[f"{name}_ci95"] = k["ci95"]
        elif record is not None:
            row["error"] = str(record.get("message", ""))
        row["path"] = str(job_dir) if job_dir else ""
        rows.append(row)
    table = pd.DataFrame(rows)
    if table.empty:
        raise FileNotFoundError(f"no jobs found in {sweep_dir}")
    keys = [c for c in table.columns if "=" not in c and c in _override_keys(rows)]
    table["configuration"] = table.apply(lambda r: _label(r, keys, config=True), axis=1)
    table["scenario"] = table.apply(lambda r: _label(r, keys, config=False), axis=1)
    return table


def _override_keys(rows: list[dict[str, Any]]) -> set[str]:
    keys: set[str] = set()
    for r in rows:
        for o in r["overrides"].split():
            keys.add(split_override(o)[0])
    return keys


def _label(row: pd.Series, keys: list[str], *, config: bool) -> str:
    parts = []
    for k in sorted(keys):
        if k.startswith("hydra") or k in RUN_SETTINGS:
            continue
        is_config = k.split(".")[0].split("/")[0] in CONFIG_PREFIXES
        if is_config == config and isinstance(row.get(k), str):
            parts.append(f"{k}={row[k]}")
    return " ".join(parts) or ("(default)" if config else "(default scenario)")


def describe(table: pd.DataFrame) -> str:
    """'N jobs: a ok, b failed, c missing' (and 'd corrupt', 'e not applicable' when there
    are such)."""
    counts = table["status"].value_counts().to_dict()
    text = f"{len(table)} jobs: {counts.get('ok', 0)} ok, {counts.get('failed', 0)} failed, "
    if counts.get("corrupt"):
        text += f"{counts['corrupt']} corrupt, "
    text += f"{counts.get('missing', 0)} missing"
    if counts.get("not applicable"):
        text += f", {counts['not applicable']} not applicable (policy does not fit the scenario)"
    return text


def write_summary(sweep_dir: str | Path) -> pd.DataFrame:
    """Collect and write ``sweep_summary.csv`` (atomically) in the sweep folder."""
    from experiments.run import _atomic_write

    table = collect(sweep_dir)
    _atomic_write(Path(sweep_dir) / "sweep_summary.csv", lambda t: table.to_csv(t, index=False))
    return table


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Collect a sweep folder into sweep_summary.csv.")
    ap.add_argument("sweep_dir", type=Path)
    args = ap.parse_args(argv)
    try:
        table = write_summary(args.sweep_dir)
    except FileNotFoundError as exc:
        print(f"stocklab: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        reason = exc.strerror or exc
        print(
            f"stocklab: error: could not write {args.sweep_dir / 'sweep_summary.csv'}: {reason}",
            file=sys.stderr,
        )
        return 1
    print(f"{describe(table)} -> {args.sweep_dir / 'sweep_summary.csv'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
