"""``python -m experiments.run``: one experiment (or, with ``-m``, a sweep) from the CLI.

The Hydra entry point is thin: :func:`main` hands the composed configuration to
:func:`run`, which builds the scenario objects, simulates, prints a KPI table and writes
``kpis_by_sku.parquet``, ``trace.parquet``, ``population.csv`` (and the other result files)
and, last, ``metrics.json`` into the run's output folder. ``metrics.json`` is the
completion record: every file is written atomically, and a run that fails while writing
removes what it wrote, so a folder holds a run's results whole or not at all.

Exit status and messages (one line on stderr, ``stocklab: ...``):

* 0: done (a sweep: every job ``ok`` or ``not applicable``).
* 1: a single run failed (``could not write results to <dir>: <reason>`` when the disk is
  full or a file size limit is hit), or a sweep ended with failed, corrupt or missing jobs
  (after writing ``sweep_summary.csv``).
* 2: bad configuration (one line naming the key and the value), or a run folder that holds
  another run's results (without ``overwrite=true``) or is in use by another run.
* 130: interrupted (Ctrl-C); no ``metrics.json`` is left behind.

Run folders: a single run refuses a folder that holds another run's results
(:data:`RESULT_FILES`) unless ``overwrite=true``, which deletes them first; a lock
(``.stocklab.lock``, ``flock``) held for the whole run keeps two runs out of one folder.
Given ``hydra.run.dir=<folder>`` on the command line, both checks happen before Hydra
writes ``.hydra/`` into the folder (:func:`claim`), so a refused run changes nothing there.
In a sweep each job has its own folder: ``resume=true`` skips a job only when its
``metrics.json`` reads back whole and the configuration stored in it (key ``config``)
equals the one the job would run now, ignoring the keys that say how it runs, not what it
computes (:data:`NOT_IDENTITY`: ``resume``, ``progress``, ``overwrite``,
``memory_limit``, ``hydra``); any other job, corrupt or changed, is re-run and its old
files replaced. A single run with ``resume=true`` skips in the same way.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import math
import os
import re
import secrets
import sys
import time
import traceback
import warnings
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import hydra
import numpy as np
from hydra.core.hydra_config import HydraConfig
from hydra.errors import InstantiationException
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

import sim
from experiments import interrupts
from experiments.aggregate import RUN_SETTINGS
from experiments.formatting import format_value
from policies.base import Policy
from sim.checks import is_number
from sim.forecasting import ForecastSettings
from sim.network import Costs
from sim.runner import RunResult, Scenario, simulate

#: ``forecaster.*`` keys that say how the forecaster runs, not what it is.
HARNESS_KEYS = tuple(f.name for f in dataclasses.fields(ForecastSettings))

__all__ = [
    "run",
    "build",
    "ConfigError",
    "WriteError",
    "FolderInUse",
    "main",
    "objective",
    "objective_settings",
    "RESULT_FILES",
    "NOT_IDENTITY",
]

#: What :func:`experiments.cleaning_report.write_cleaning` writes (a run on replayed data).
CLEANING_FILES = (
    "cleaned.parquet",
    "cleaning_report.md",
    "cleaning_report.html",
    "cleaning_before_after.png",
)
#: The files a run leaves in its folder (``metrics.json`` last). Any of them in a folder
#: means it holds a run's results: a single run refuses it without ``overwrite=true``.
#: (Hydra's own ``.hydra/`` and ``run.log`` are written before the run starts; they do not
#: count.)
RESULT_FILES = (
    "metrics.json",
    "kpis_by_sku.parquet",
    "trace.parquet",
    "population.csv",
    "shifts.csv",
    *CLEANING_FILES,
    "error.json",
    "backtest.json",
    "backtest.csv",
    "per_series.csv",
)
#: Top-level keys that say how a job runs, not what it computes: ``resume=true`` ignores
#: them when it compares a job's stored configuration with the one it would run now.
NOT_IDENTITY = (*RUN_SETTINGS, "hydra")
#: The lock file a run holds (``flock``) in its folder while it runs.
LOCK_NAME = ".stocklab.lock"
#: Replications below which a run warns that its confidence intervals are wide.
ENOUGH_REPLICATIONS = 5

#: The run's own lines in its log file (``run.log``); see :func:`say`.
log = logging.getLogger("experiments.run")


def _to_log_file(text: str, level: int = logging.INFO) -> None:
    """Copy ``text`` (one record a line) into the log files of the root logger: Hydra's
    ``run.log`` in a job. The terminal has the text already (:func:`say`); outside Hydra
    there is no log file and nothing happens."""
    handlers = [
        h
        for h in logging.getLogger().handlers
        if isinstance(h, logging.FileHandler) and level >= h.level
    ]
    for line in text.splitlines() if handlers else ():
        record = log.makeRecord(log.name, level, __file__, 0, line, None, None)
        for handler in handlers:
            handler.handle(record)


def say(text: str, level: int = logging.INFO, file: Any = None) -> None:
    """Print ``text`` as it is (stdout, or ``file``) and copy it into ``run.log``."""
    print(text, file=file or sys.stdout)
    _to_log_file(text, level)


@contextlib.contextmanager
def _warnings_logged() -> Iterator[None]:
    """Python warnings raised meanwhile are shown as usual and copied into ``run.log``."""
    shown = warnings.showwarning

    def show(message, category, filename, lineno, file=None, line=None):
        shown(message, category, filename, lineno, file, line)
        text = warnings.formatwarning(message, category, filename, lineno, line)
        _to_log_file(text.rstrip(), logging.WARNING)

    warnings.showwarning = show
    try:
        yield
    finally:
        warnings.showwarning = shown


class ConfigError(ValueError):
    """A configuration value is invalid; the message names the key and the value."""


class WriteError(OSError):
    """The results could not be written (disk full, file size limit, permissions); the
    files written so far have been removed."""

    def __init__(self, out_dir: Path, cause: OSError) -> None:
        code = cause.errno
        if code is None:  # pyarrow: "... Detail: [errno 27] File too large"
            found = re.search(r"errno (\d+)", str(cause))
            code = int(found.group(1)) if found else None
        reason = os.strerror(code) if code else str(cause) or type(cause).__name__
        super().__init__(code, f"could not write results to {out_dir}: {reason}")

    def __str__(self) -> str:
        return self.strerror


class FolderInUse(RuntimeError):
    """The run folder already holds another run's results, or another run holds its lock."""


def _explain(exc: BaseException) -> str:
    """One line from an exception raised while building objects from the config."""
    while isinstance(exc, InstantiationException) and exc.__cause__ is not None:
        exc = exc.__cause__
    msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if isinstance(exc, TypeError) and "unexpected keyword argument" in msg:
        key = msg.split("unexpected keyword argument")[-1].strip(" '\"")
        return f"unknown key {key!r}: {msg}"
    return msg


def _instantiate(section: str, node: Any) -> Any:
    if not isinstance(node, DictConfig) or "_target_" not in node:
        raise ConfigError(f"{section}(={node!r}) must be a config group with a _target_")
    try:
        return hydra.utils.instantiate(node, _convert_="all")
    except InstantiationException as exc:
        cause = exc.__cause__
        if isinstance(cause, TypeError) and "unexpected keyword argument" in str(cause):
            import difflib

            from experiments.validate import plugin_keys

            key = str(cause).split("unexpected keyword argument")[-1].strip(" '\"")
            allowed = plugin_keys(str(node._target_))
            if allowed is None:
                allowed = [k for k in node if k not in ("_target_", key)]
            close = difflib.get_close_matches(key, allowed, n=1)
            hint = f" (did you mean '{section}.{close[0]}'?)" if close else ""
            raise ConfigError(
                f"unknown key '{section}.{key}'={node.get(key)!r}: not a key of "
                f"{node._target_}{hint}; expected one of: {', '.join(allowed)}"
            ) from None
        msg = _explain(exc)
        # "demand mean(=-3) ..." names the key demand.mean
        if msg.startswith(f"{section} ") and msg[len(section) + 1 : len(section) + 2].isalpha():
            msg = f"{section}.{msg[len(section) + 1 :]}"
        # messages that already name a key of this section need no prefix
        raise ConfigError(msg if msg.startswith(section) else f"{section}: {msg}") from None


def _int(cfg: DictConfig, key: str, low: int) -> int:
    from experiments.validate import integer

    return integer(cfg, key, low)


def build(cfg: DictConfig) -> tuple[Scenario, Policy]:
    """Scenario and policy objects from a composed configuration, after the strict checks
    of :mod:`experiments.validate` (keys, finite numbers, types, and the memory the run
    needs against ``memory_limit``)."""
    from experiments import validate
    from policies.base import check_levels

    validate.check_config(cfg)
    try:
        costs = Costs(**OmegaConf.to_container(cfg.costs, resolve=True))
    except TypeError as exc:
        raise ConfigError(f"costs: {_explain(exc)}") from None
    network = _instantiate("network", cfg.network)
    demand = _instantiate("demand", cfg.demand)
    policy = _instantiate("policy", cfg.policy)
    check_levels(policy)
    disruption = None
    if cfg.get("disruption") is not None:
        disruption = _instantiate("disruption", cfg.disruption)
    forecaster, settings = _forecasting(cfg)
    scenario = Scenario(
        network=network,
        demand=demand,
        costs=costs,
        unmet_demand=cfg.unmet_demand,
        n_skus=_n_skus(cfg, demand),
        review=cfg.review,
        initial_stock=cfg.initial_stock,
        forecaster=forecaster,
        forecasting=settings,
        disruption=disruption,
    )
    validate.check_size(cfg, scenario)
    return scenario, policy


def _overridden(key: str) -> bool:
    """Whether the command line set ``key`` (an experiment's YAML does not count)."""
    if not HydraConfig.initialized():
        return False
    task = HydraConfig.get().overrides.task
    return any(o.lstrip("+~").split("=", 1)[0] == key for o in task)


def _n_skus(cfg: DictConfig, demand: Any) -> int:
    """``n_skus``, or the SKUs of replayed data (a different ``n_skus`` given on the command
    line is refused)."""
    n = _int(cfg, "n_skus", 1)
    fixed = demand.fixed_n_skus
    if fixed is None:
        return n
    if n != fixed and _overridden("n_skus"):
        raise ConfigError(
            f"n_skus(={n}): the replayed data ({demand.path}) has {fixed} SKUs; drop n_skus"
        )
    return int(fixed)


def _forecasting(cfg: DictConfig):
    node = cfg.get("forecaster")
    if node is None:
        return None, ForecastSettings()
    values = OmegaConf.to_container(node, resolve=True)
    harness = {k: values.pop(k) for k in HARNESS_KEYS if k in values}
    try:
        settings = ForecastSettings(**harness)
    except TypeError as exc:
        raise ConfigError(f"forecaster: {_explain(exc)}") from None
    if "_target_" not in values:
        return None, settings
    return _instantiate("forecaster", OmegaConf.create(values)), settings


def _describe(value: Any) -> str:
    if (
        isinstance(value, list)
        and len(value) > 6
        and all(isinstance(v, int | float) for v in value)
    ):
        a = np.asarray(value, dtype=float)
        return f"{len(a)} values: min {a.min():.4g}, median {np.median(a):.4g}, max {a.max():.4g}"
    if isinstance(value, dict) and not all(isinstance(v, dict) for v in value.values()):
        return "; ".join(f"{k}: {_describe(v)}" for k, v in value.items())
    if isinstance(value, dict):
        # nodes with the same parameters are listed once: "store1 … store10 (10 nodes): …"
        groups: dict[str, list[str]] = {}
        for k, v in value.items():
            groups.setdefault(_describe(v), []).append(str(k))
        parts = []
        for text, keys in groups.items():
            name = keys[0] if len(keys) == 1 else f"{keys[0]} … {keys[-1]} ({len(keys)} nodes)"
            parts.append(f"{name}: {text}")
        return "; ".join(parts)
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def format_kpis(result: RunResult, n_skus: int) -> str:
    rows = [("KPI", "mean", "± 95% CI", "per SKU")]
    for name in result.kpis:
        k = result.kpis[name]
        per_sku = ""
        if name.endswith("_cost") or name.startswith("avg_") or name == "cost_per_period":
            per_sku = format_value(k["mean"] / n_skus)
        rows.append((name, format_value(k["mean"]), format_value(k["ci95"], 3), per_sku))
    return _table(rows)


NODE_COLUMNS = ("cost_per_period", "avg_on_hand", "avg_backorders", "fill_rate", "bullwhip")


def format_nodes(result: RunResult, max_rows: int = 12) -> str:
    """Per-node means (``metrics.json`` has them all, with CIs); beyond ``max_rows`` nodes,
    the rest are summed (costs, levels) or averaged (rates) in one line."""
    names = list(result.nodes)
    shown = names if len(names) <= max_rows else names[: max_rows - 1]
    rows = [("node", *NODE_COLUMNS)]
    for name in shown:
        k = result.nodes[name]
        rows.append((name, *(format_value(k[c]["mean"]) for c in NODE_COLUMNS)))
    rest = names[len(shown) :]
    if rest:
        cells = []
        for c in NODE_COLUMNS:
            values = [result.nodes[nm][c]["mean"] for nm in rest]
            values = [v for v in values if v is not None]
            if not values:
                cells.append("-")
            elif c in ("fill_rate", "bullwhip"):
                cells.append(format_value(float(np.mean(values))))
            else:
                cells.append(format_value(float(np.sum(values))))
        rows.append((f"{len(rest)} more", *cells))
    return _table(rows)


def _table(rows: list[tuple[str, ...]]) -> str:
    """A plain-text table: the first row is the header, the first column left-aligned."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(r, widths, strict=True))
        )
        for r in rows
    ]
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines)


def _temporary(path: Path) -> str:
    """A new empty file beside ``path`` (``.<name>.<random>.tmp``), made with the mode any
    new file gets (0o666 less the umask, e.g. 0o644): unlike ``tempfile.mkstemp``'s 0o600,
    which the rename would pass on to the result."""
    for _ in range(100):
        tmp = path.parent / f".{path.name}.{secrets.token_hex(4)}.tmp"
        try:
            os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        except FileExistsError:
            continue
        return str(tmp)
    raise FileExistsError(f"no free temporary name for {path}")


def _atomic_write(path: Path, write) -> None:
    """Write through a temporary file in the same folder, then rename: never half a file."""
    tmp = _temporary(path)
    try:
        write(tmp)
        os.replace(tmp, path)
        interrupts.check()  # a Ctrl-C Python dropped: the caller removes what it wrote
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_outputs(out_dir: Path, cfg: DictConfig, result: RunResult, history: Any = None) -> None:
    """Write a run's results into ``out_dir``: the cleaned data and cleaning report (a run
    on replayed ``history``), ``kpis_by_sku.parquet``, ``trace.parquet``,
    ``population.csv``, ``shifts.csv``, then ``metrics.json`` last, which lists the others
    (key ``files``) and says the run is complete. Each file is written atomically. A
    ``metrics.json`` already there is removed first; on any failure (or Ctrl-C) every file
    of this write is removed again, so the folder never holds half a result. A failed
    write raises :class:`WriteError`."""
    files = list(CLEANING_FILES) if history is not None else []
    files.append("kpis_by_sku.parquet")
    if result.trace is not None:
        files.append("trace.parquet")
    files.append("population.csv")
    if result.shifts is not None:
        files.append("shifts.csv")
    metrics = {
        "kpis": result.kpis,
        "nodes": result.nodes,
        "echelons": result.echelons,
        "network": result.network,
        "policy_parameters": result.policy_parameters,
        # the classes that ran (a user's own plug-ins included), by import path
        "classes": {
            section: str(cfg[section]["_target_"])
            for section in ("policy", "forecaster", "demand", "network")
            if isinstance(cfg.get(section), DictConfig) and "_target_" in cfg[section]
        },
        "config": OmegaConf.to_container(cfg, resolve=True),
        "seed": cfg.seed,
        "stocklab_version": sim.__version__,
        "files": files,
    }
    # serialised before anything is written: a value JSON cannot hold fails here
    text = json.dumps(metrics, indent=2, allow_nan=False, default=float)
    done = out_dir / "metrics.json"
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        done.unlink(missing_ok=True)  # the old completion record goes first
        if history is not None:
            from experiments.cleaning_report import write_cleaning

            write_cleaning(history, out_dir)
        _atomic_write(
            out_dir / "kpis_by_sku.parquet",
            lambda t: result.sku_table.to_parquet(t, index=False),
        )
        if result.trace is not None:
            _atomic_write(
                out_dir / "trace.parquet", lambda t: result.trace.to_parquet(t, index=False)
            )
        _atomic_write(
            out_dir / "population.csv", lambda t: result.population.to_csv(t, index=False)
        )
        if result.shifts is not None:
            _atomic_write(out_dir / "shifts.csv", lambda t: result.shifts.to_csv(t, index=False))
        _atomic_write(done, lambda t: Path(t).write_text(text))
    except BaseException as exc:
        _remove(out_dir, [*files, "metrics.json"])
        if isinstance(exc, OSError):
            raise WriteError(out_dir, exc) from exc
        raise


def _remove(out_dir: Path, names: Iterable[str]) -> None:
    """Delete the named files of ``out_dir`` and any temporary files left of them."""
    for name in names:
        for path in [out_dir / name, *out_dir.glob(f".{name}.*.tmp")]:
            with contextlib.suppress(OSError):
                path.unlink()


def _parameters_text(policy: Policy, parameters: dict[str, Any]) -> str:
    """The parameters in force, with the policy's own words for its ``service_level`` where
    it has them (``service_level_rule()``: e.g. null is not "None" but a rule from costs)."""
    rule = getattr(policy, "service_level_rule", None)
    note = rule() if callable(rule) else None
    if note is None:
        return _describe(parameters)

    def annotated(params: dict[str, Any]) -> dict[str, Any]:
        if "service_level" not in params:
            return params
        value = params["service_level"]
        shown = note if value is None else f"{_describe(value)} ({note})"
        return {**params, "service_level": shown}

    if all(isinstance(v, dict) for v in parameters.values()):  # one entry per node
        return _describe({node: annotated(p) for node, p in parameters.items()})
    return _describe(annotated(parameters))


def _replications_warning(replications: int) -> str | None:
    """One line when ``replications`` is too few for useful confidence intervals."""
    if replications >= ENOUGH_REPLICATIONS:
        return None
    if replications == 1:
        return (
            "stocklab: warning: replications=1: one replication has no confidence interval "
            f"(the ± 95% CI column is empty); use replications={ENOUGH_REPLICATIONS} or more"
        )
    return (
        f"stocklab: warning: replications={replications}: confidence intervals from fewer "
        f"than {ENOUGH_REPLICATIONS} replications are wide; use "
        f"replications={ENOUGH_REPLICATIONS} or more"
    )


def _plugin_label(section: str, cfg: DictConfig, choices: Any) -> str:
    """``policy=<option>`` for a config option of Stocklab's; the class path where the
    class is a user's own (selected by ``_target_``, or an option of a user's config
    folder whose class lives outside the repo)."""
    choice = choices.get(section)
    node = cfg.get(section)
    target = node.get("_target_") if isinstance(node, DictConfig) else None
    own = target is not None and not str(target).startswith(PLUGIN_PACKAGES)
    if choice is None:
        return f"{section}={target or '?'}"
    return f"{section}={choice} ({target})" if own else f"{section}={choice}"


#: Packages whose classes are Stocklab's own plug-ins.
PLUGIN_PACKAGES = ("policies.", "forecasters.", "sim.")


def simulate_config(
    cfg: DictConfig, progress: Callable[[int], None] | None = None
) -> tuple[Scenario, Policy, RunResult]:
    """Build and simulate a composed configuration (the CLI's and the Python API's run).
    A forecaster beside a policy that does not use forecasts is refused here
    (``check_forecast_use``), not in :func:`build`: a learning agent in place of the
    policy (:mod:`experiments.gym_env`) may observe the forecasts."""
    from experiments.validate import check_forecast_use

    scenario, policy = build(cfg)
    check_forecast_use(cfg, scenario, policy)
    result = simulate(
        scenario,
        policy,
        horizon=_int(cfg, "horizon", 1),
        warmup=_int(cfg, "warmup", 0),
        replications=_int(cfg, "replications", 1),
        seed=cfg.seed,
        trace_skus=_int(cfg, "trace_skus", 0),
        progress=progress,
    )
    return scenario, policy, result


def run(cfg: DictConfig, out_dir: Path | None = None) -> RunResult:
    """Simulate the configured experiment, print the KPI table, write the output files.
    What it prints is copied into the job's ``run.log`` (:func:`say`)."""
    horizon, warmup = _int(cfg, "horizon", 1), _int(cfg, "warmup", 0)
    replications = _int(cfg, "replications", 1)
    progress_bar = None
    if cfg.progress:
        from tqdm import tqdm

        progress_bar = tqdm(
            total=replications,
            desc="replications",
            unit="rep",
            delay=1.0,
            file=sys.stderr,
            disable=None,  # on terminals only: logs of batch jobs stay clean
        )
    started = time.perf_counter()
    try:
        scenario, policy, result = simulate_config(
            cfg, progress_bar.update if progress_bar else None
        )
    finally:
        if progress_bar is not None:
            progress_bar.close()
    interrupts.check()  # a Ctrl-C dropped while simulating (see experiments.interrupts)
    # the progress bar's summary, for the log file only (the terminal had the bar)
    _to_log_file(
        f"simulated {replications} replication{'s' * (replications != 1)} "
        f"in {time.perf_counter() - started:.2f} s"
    )
    choices = HydraConfig.get().runtime.choices if HydraConfig.initialized() else {}
    head = " · ".join(
        [
            _plugin_label("policy", cfg, choices),
            f"network={choices.get('network', '?')}",
            f"demand={choices.get('demand', '?')}",
            f"{scenario.n_skus} SKUs",
            f"{replications} replication{'s' * (replications != 1)} × {horizon - warmup} "
            f"periods (after {warmup} warm-up)",
        ]
    )
    say(head)
    few = _replications_warning(replications)
    if few:
        say(few, logging.WARNING)
    note = scenario.demand.pooled_note()
    if note:
        say(note)
    say("policy parameters: " + _parameters_text(policy, result.policy_parameters))
    say(format_kpis(result, scenario.n_skus))
    if len(result.nodes) > 1:
        say(format_nodes(result))
    if out_dir is None and HydraConfig.initialized():
        out_dir = Path(HydraConfig.get().runtime.output_dir)
    if out_dir is not None:
        # replayed data: the cleaned table and report go before metrics.json, too
        write_outputs(out_dir, cfg, result, scenario.demand.history)
        say(f"results: {out_dir}")
    return result


def write_error(out_dir: Path, cfg: DictConfig, exc: BaseException) -> None:
    """The error record of a failed sweep job: config, exception, traceback."""
    out_dir.mkdir(parents=True, exist_ok=True)
    record = {
        "error": type(exc).__name__,
        "message": _explain(exc),
        "traceback": traceback.format_exception(exc),
        "config": OmegaConf.to_container(cfg, resolve=False),
        "stocklab_version": sim.__version__,
    }
    _atomic_write(
        out_dir / "error.json", lambda t: Path(t).write_text(json.dumps(record, indent=2))
    )


def objective_settings(cfg: DictConfig) -> tuple[float | None, float]:
    """The validated ``objective.fill_rate_target`` and ``objective.penalty``."""
    node = cfg.get("objective") or {}
    target, penalty = node.get("fill_rate_target"), node.get("penalty", 100.0)
    if target is not None and not (is_number(target, types=int | float) and 0 < target <= 1):
        raise ConfigError(
            f"objective.fill_rate_target(={target!r}) must be null or a number in (0, 1]"
        )
    if not (is_number(penalty, types=int | float) and penalty >= 0):
        raise ConfigError(f"objective.penalty(={penalty!r}) must be a number >= 0")
    return (None if target is None else float(target)), float(penalty)


def objective(kpis: dict[str, Any], fill_rate_target: float | None, penalty: float) -> float:
    """What a sweeper minimises (the job's return value, e.g. for ``hydra/sweeper=optuna``).

    The mean cost per period; with a fill-rate target, a policy whose mean fill rate falls
    short of it by ``shortfall = target - fill_rate`` scores
    ``cost_per_period * (1 + penalty * shortfall)`` (a soft constraint, free of the cost's
    scale: with ``penalty=100`` a policy one point short, 0.01, scores twice its cost).
    """
    cost = float(kpis["cost_per_period"]["mean"])
    if fill_rate_target is None:
        return cost
    fill = float(kpis["fill_rate"]["mean"])
    shortfall = fill_rate_target - fill if math.isfinite(fill) else 0.0
    return cost * (1.0 + penalty * shortfall) if shortfall > 0 else cost


@hydra.main(version_base=None, config_path="../conf", config_name="config")
def main(cfg: DictConfig) -> float:
    """Run one job; return its :func:`objective` (NaN for a failed sweep job). The exit
    statuses and run-folder rules are in the module docstring."""
    hc = HydraConfig.get()
    out_dir = Path(hc.runtime.output_dir)
    sweeping = hc.mode == RunMode.MULTIRUN
    interrupts.install()
    try:
        with contextlib.ExitStack() as held:
            try:
                held.enter_context(_run_lock(out_dir))
            except FolderInUse as exc:  # another process holds this folder: leave it alone
                if not sweeping:
                    print(f"stocklab: error: {exc}", file=sys.stderr)
                    sys.exit(2)
                print(f"stocklab: job skipped: {exc}", file=sys.stderr)
                return float("nan")
            except OSError as exc:  # the folder or its lock file could not be made
                if not sweeping:
                    print(f"stocklab: error: {WriteError(out_dir, exc)}", file=sys.stderr)
                    sys.exit(1)
                print(f"stocklab: job failed: {WriteError(out_dir, exc)}", file=sys.stderr)
                return float("nan")
            return _job(cfg, out_dir, sweeping)
    except KeyboardInterrupt:
        # write_outputs has removed a half-written result; nothing looks complete
        interrupts.exit_interrupted()


#: Folders this process claimed before Hydra started, with their held lock (kept referenced
#: so that it is released only when the process ends): see :func:`claim`.
_CLAIMED: dict[Path, Any] = {}


def claim(argv: list[str]) -> None:
    """A single run given ``hydra.run.dir=<folder>``: refuse a folder that holds another
    run's results (unless ``overwrite=true`` or ``resume=true``) and take its lock, before
    Hydra writes ``.hydra/`` into it, so a refused or losing run changes nothing there. The
    lock stays held until the process ends; :func:`main` then does not take it again."""
    if any(a.startswith("-") for a in argv):
        return
    dirs = [a.split("=", 1)[1] for a in argv if a.startswith("hydra.run.dir=")]
    if not dirs or "${" in dirs[-1]:
        return
    out_dir = Path(dirs[-1])
    flags = {a.split("=", 1)[0].lstrip("+"): a.split("=", 1)[1].lower() for a in argv if "=" in a}
    if flags.get("overwrite") != "true" and flags.get("resume") != "true":
        present = _results_in(out_dir)
        if present:
            print(f"stocklab: error: {_taken(out_dir, present)}", file=sys.stderr)
            sys.exit(2)
    try:
        lock = _run_lock(out_dir)
        lock.__enter__()
    except FolderInUse as exc:
        print(f"stocklab: error: {exc}", file=sys.stderr)
        sys.exit(2)
    except OSError:
        return  # main() says why the folder cannot be used
    _CLAIMED[out_dir.resolve()] = lock


def _results_in(out_dir: Path) -> list[str]:
    """The result files (:data:`RESULT_FILES`) a run folder holds already."""
    return [n for n in RESULT_FILES if (out_dir / n).exists()]


def _taken(out_dir: Path, present: list[str], why: str | None = None) -> str:
    """The one line that refuses a folder holding another run's results."""
    reason = f" ({why})" if why else ""
    return (
        f"{out_dir} already holds the results of another run{reason}: {', '.join(present)}; "
        "pass overwrite=true to replace them, or choose another hydra.run.dir"
    )


@contextlib.contextmanager
def _run_lock(out_dir: Path) -> Iterator[None]:
    """Hold ``<out_dir>/.stocklab.lock`` (``flock``) for the run; :class:`FolderInUse` if
    another run holds it. A folder this process claimed already (:func:`claim`) is held."""
    if out_dir.resolve() in _CLAIMED:
        yield
        return
    out_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(out_dir / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o666)  # less the umask
    try:
        try:
            import fcntl
        except ImportError:  # no flock (Windows): the folder check alone
            fcntl = None
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise FolderInUse(
                    f"{out_dir} is in use by another run (it holds {LOCK_NAME}); "
                    "wait for it to end or choose another hydra.run.dir"
                ) from None
        yield
    finally:
        os.close(fd)


def _job(cfg: DictConfig, out_dir: Path, sweeping: bool) -> float:
    """One job in its locked folder: resume, refuse or clear the folder, run, record."""
    try:
        target, penalty = objective_settings(cfg)
        resume, overwrite = _flag(cfg, "resume"), _flag(cfg, "overwrite")
        found = _finished(out_dir, cfg) if resume else None
        if isinstance(found, dict):
            say(f"resume: {out_dir} has its results already; skipped")
            return objective(found, target, penalty)
        present = _results_in(out_dir)
        if present and not sweeping and not overwrite:
            raise FolderInUse(_taken(out_dir, present, found))
        if found:
            say(f"resume: {out_dir}: {found}; re-running")
        _remove(out_dir, RESULT_FILES)  # a re-run job, or overwrite=true: old files go
        with _warnings_logged():
            result = run(cfg)
    except Exception as exc:
        if os.environ.get("HYDRA_FULL_ERROR") == "1":
            raise  # the full traceback, for debugging
        if sweeping:
            # one failed job must not end the sweep: leave a record and go on
            _record_failure(out_dir, cfg, exc)
            return float("nan")
        # not into run.log: a folder that cannot take a write, or another run's folder
        if isinstance(exc, WriteError | FolderInUse):
            print(f"stocklab: error: {_explain(exc)}", file=sys.stderr)
            sys.exit(1 if isinstance(exc, WriteError) else 2)
        if isinstance(exc, ConfigError | ValueError | TypeError | OmegaConfBaseException):
            say(f"stocklab: error: {_explain(exc)}", logging.ERROR, sys.stderr)
            sys.exit(2)
        say(
            f"stocklab: error: {type(exc).__name__}: {_explain(exc)} "
            "(HYDRA_FULL_ERROR=1 shows the traceback)",
            logging.ERROR,
            sys.stderr,
        )
        sys.exit(1)
    value = objective(result.kpis, target, penalty)
    if target is not None:
        fill = result.kpis["fill_rate"]["mean"]
        say(f"objective: {value:.6g} (fill rate {format_value(fill, 4)}, target {target:g})")
    return value


def _flag(cfg: DictConfig, key: str) -> bool:
    from experiments.validate import boolean

    return boolean(cfg, key)


def _record_failure(out_dir: Path, cfg: DictConfig, exc: BaseException) -> None:
    """A failed sweep job's ``error.json`` and one line; a record that cannot be written
    (disk full) is said, and the job stays without results (``missing``)."""
    try:
        write_error(out_dir, cfg, exc)
    except OSError as err:  # a folder that takes no record takes no log line either
        where = f"no error record: {WriteError(out_dir, err)}"
        print(f"stocklab: job failed: {_explain(exc)} ({where})", file=sys.stderr)
        return
    where = f"see {out_dir / 'error.json'}"
    say(f"stocklab: job failed: {_explain(exc)} ({where})", logging.ERROR, sys.stderr)


def _identity(config: Any) -> Any:
    """What a job computes: its resolved configuration without :data:`NOT_IDENTITY`, in the
    form it takes in ``metrics.json`` (through JSON)."""
    if not isinstance(config, dict):
        return None
    kept = {k: v for k, v in config.items() if k not in NOT_IDENTITY}
    return json.loads(json.dumps(kept, default=float))


def _flat(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict) and value:
        out: dict[str, Any] = {}
        for k, v in value.items():
            out.update(_flat(v, f"{prefix}{k}."))
        return out
    return {prefix.rstrip("."): value}


def _differences(old: Any, new: Any, shown: int = 3) -> str:
    """'n_skus: 2 -> 3, ...': the keys whose values differ between two configurations."""
    a, b = _flat(old or {}), _flat(new or {})
    keys = sorted(k for k in set(a) | set(b) if a.get(k, "<absent>") != b.get(k, "<absent>"))
    parts = [f"{k}: {a.get(k, '<absent>')} -> {b.get(k, '<absent>')}" for k in keys[:shown]]
    if len(keys) > shown:
        parts.append(f"{len(keys) - shown} more")
    return ", ".join(parts)


def _finished(out_dir: Path, cfg: DictConfig) -> dict[str, Any] | str | None:
    """The KPIs of the results in ``out_dir`` if they are whole and of this very
    configuration (see :data:`NOT_IDENTITY`); otherwise why not (None: no results)."""
    from experiments.aggregate import CorruptResult, read_metrics

    if not (out_dir / "metrics.json").exists():
        return None
    try:
        metrics = read_metrics(out_dir)
    except (CorruptResult, OSError) as exc:
        return str(exc)
    stored = _identity(metrics.get("config"))
    wanted = _identity(OmegaConf.to_container(cfg, resolve=True))
    if stored != wanted:
        changed = _differences(stored, wanted) or "none stored"
        return f"results of another configuration ({changed})"
    return metrics["kpis"]


CONF_DIR = Path(__file__).resolve().parents[1] / "conf"


def _one_line(message: str) -> str:
    """Hydra's multi-line composition errors, folded into one line."""
    parts: list[str] = []
    listing = False
    for raw in message.splitlines():
        line = raw.strip()
        if not line or line.startswith(("full_key:", "object_type=", "Set the environment")):
            continue
        if line.startswith("Config search path"):
            break
        if listing and raw.startswith(("\t", "    ")):
            parts[-1] += (" " if parts[-1].endswith(":") else ", ") + line
            continue
        listing = line.endswith(":")
        parts.append(line.rstrip("."))
    return "; ".join(parts)


MULTIRUN_FLAGS = ("-m", "--multirun")


def _sweep_compositions(overrides: list[str]) -> list[list[str]]:
    """The override lists that stand for a sweep's jobs in :func:`precheck`: the first job
    (every swept key at its first value) and, for each further value of a swept config
    group (``policy=eoq,sss``), the first job with that value. Other swept keys only take
    values, which composition does not check; sweeps that cannot be listed (``interval``,
    ``glob``) are left to Hydra. A syntax error raises, as Hydra's parser does."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    chosen: dict[str, list[str]] = {}  # by key, the last override of a key wins (as Hydra)
    for override in OverridesParser.create().parse_overrides(overrides):
        key = override.get_key_element()
        if not override.is_sweep_override():
            chosen[key] = [override.input_line or f"{key}={override.get_value_element_as_str()}"]
            continue
        try:
            values = [f"{key}={v}" for v in override.sweep_string_iterator()]
        except Exception:  # noqa: BLE001 - not listable here: Hydra's sweeper says
            chosen.pop(key, None)
            continue
        if values:
            group = (CONF_DIR / override.key_or_group).is_dir()
            chosen[key] = values if group else values[:1]
    first = [values[0] for values in chosen.values()]
    jobs = [first]
    for i, values in enumerate(chosen.values()):
        jobs.extend([*first[:i], value, *first[i + 1 :]] for value in values[1:])
    return jobs


def _unknown_plugin_key(exc: Exception, job: list[str], config_name: str) -> Exception | None:
    """Hydra's "Could not override 'policy.levl' ... not in struct" as Stocklab's line:
    the key, its value, the class of that section and the keys the class accepts (with a
    suggestion), composed without the bad override; None for any other failure."""
    import difflib

    from hydra import compose

    from experiments.validate import plugin_keys

    found = re.search(r"Could not override '(\w+)\.(\w+)'", str(exc))
    if found is None:
        return None
    section, key = found.groups()
    bad = [o for o in job if o.split("=", 1)[0] == f"{section}.{key}"]
    try:
        node = compose(config_name, overrides=[o for o in job if o not in bad]).get(section)
    except Exception:  # noqa: BLE001 - the other overrides fail too: Hydra's message
        return None
    target = node.get("_target_") if isinstance(node, DictConfig) else None
    allowed = plugin_keys(str(target)) if target else None
    if allowed is None:
        allowed = [k for k in node if k != "_target_"] if isinstance(node, DictConfig) else []
    close = difflib.get_close_matches(key, allowed, n=1)
    hint = f" (did you mean '{section}.{close[0]}'?)" if close else ""
    value = bad[0].split("=", 1)[1] if bad else "?"
    return ConfigError(
        f"unknown key '{section}.{key}'={value}: not a key of {target or section}{hint}; "
        f"expected one of: {', '.join(allowed)}"
    )


def precheck(argv: list[str], config_name: str = "config") -> None:
    """Compose a run's configuration before Hydra does, so that an unknown key or config
    option ends in one line (exit 2) instead of Hydra's multi-line report; then, for a
    single run, :func:`experiments.validate.check_config` (unknown keys, NaN and infinite
    numbers, run settings of the wrong type). A sweep (``-m``) is composed for each value
    of its swept config groups (:func:`_sweep_compositions`), so ``-m policy=eoq,sss``
    gives the same line as ``policy=sss`` before any job runs; the other checks stay with
    each job's :func:`build`, which records a failed job and goes on. Hydra's other flags
    are left to Hydra."""
    sweep = any(a in MULTIRUN_FLAGS for a in argv)
    if any(a.startswith("-") and a not in MULTIRUN_FLAGS for a in argv):
        return
    # Hydra's own settings are Hydra's, except the search path: a user's config folder
    # (``hydra.searchpath=[file://...]``) adds config groups the composition must see
    overrides = [
        a
        for a in argv
        if a not in MULTIRUN_FLAGS
        and (
            not a.lstrip("+~").startswith(("hydra.", "hydra/"))
            or a.lstrip("+").startswith("hydra.searchpath=")
        )
    ]
    from hydra import compose, initialize_config_dir

    try:
        jobs = _sweep_compositions(overrides) if sweep else [overrides]
        with initialize_config_dir(str(CONF_DIR), version_base=None):
            for job in jobs:
                try:
                    cfg = compose(config_name, overrides=job)
                except Exception as exc:  # noqa: BLE001
                    better = _unknown_plugin_key(exc, job, config_name)
                    if better is None:
                        raise
                    raise better from None
    except Exception as exc:  # noqa: BLE001 - any composition failure is a config error
        messages = [str(exc)]
        if exc.__cause__ is not None:
            messages.append(str(exc.__cause__))
        print(f"stocklab: error: {_one_line(chr(10).join(messages))}", file=sys.stderr)
        sys.exit(2)
    if config_name == "config" and not sweep:
        from experiments.validate import check_config

        try:
            check_config(cfg)
        except ValueError as exc:  # run.py runs as __main__: its ConfigError is another class
            print(f"stocklab: error: {exc}", file=sys.stderr)
            sys.exit(2)


if __name__ == "__main__":
    from experiments import callbacks

    try:
        precheck(sys.argv[1:])
        claim(sys.argv[1:])
        main()
    except KeyboardInterrupt:  # before or after a job (during one, main says it)
        interrupts.exit_interrupted()
    # Hydra's multirun returns normally whatever its jobs did: the sweep callback left the
    # outcome; failed, corrupt or missing jobs exit 1, after sweep_summary.csv is written
    sys.exit(callbacks.exit_status())
