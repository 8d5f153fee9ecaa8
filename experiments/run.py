"""``python -m experiments.run``: one experiment (or, with ``-m``, a sweep) from the CLI.

The Hydra entry point is thin: :func:`main` hands the composed configuration to
:func:`run`, which builds the scenario objects, simulates, prints a KPI table and writes
``metrics.json``, ``kpis_by_sku.parquet``, ``trace.parquet`` and ``population.csv`` into
the run's output folder. Bad configuration ends the run with one line naming the key and
the value, and exit status 2.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import sys
import tempfile
import traceback
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
from policies.base import Policy
from sim.forecasting import ForecastSettings
from sim.network import Costs
from sim.runner import RunResult, Scenario, simulate

#: ``forecaster.*`` keys that say how the forecaster runs, not what it is.
HARNESS_KEYS = tuple(f.name for f in dataclasses.fields(ForecastSettings))

__all__ = ["run", "build", "ConfigError", "main", "objective", "objective_settings"]


class ConfigError(ValueError):
    """A configuration value is invalid; the message names the key and the value."""


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
            key = str(cause).split("unexpected keyword argument")[-1].strip(" '\"")
            allowed = [k for k in node if k != "_target_"]
            raise ConfigError(
                f"{section}.{key}: unknown key for {node._target_}; expected one of {allowed}"
            ) from None
        msg = _explain(exc)
        # messages that already name a key of this section need no prefix
        raise ConfigError(msg if msg.startswith(section) else f"{section}: {msg}") from None


def _int(cfg: DictConfig, key: str, low: int) -> int:
    value = cfg[key]
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ConfigError(f"{key}(={value!r}) must be an integer >= {low}")
    return value


def build(cfg: DictConfig) -> tuple[Scenario, Policy]:
    """Scenario and policy objects from a composed configuration."""
    try:
        costs = Costs(**OmegaConf.to_container(cfg.costs, resolve=True))
    except TypeError as exc:
        raise ConfigError(f"costs: {_explain(exc)}") from None
    network = _instantiate("network", cfg.network)
    demand = _instantiate("demand", cfg.demand)
    policy = _instantiate("policy", cfg.policy)
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


def _fmt(x: float | None, digits: int = 6) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    return f"{x:.{digits}g}"


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
            per_sku = _fmt(k["mean"] / n_skus)
        rows.append((name, _fmt(k["mean"]), _fmt(k["ci95"], 3), per_sku))
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
        rows.append((name, *(_fmt(k[c]["mean"]) for c in NODE_COLUMNS)))
    rest = names[len(shown) :]
    if rest:
        cells = []
        for c in NODE_COLUMNS:
            values = [result.nodes[nm][c]["mean"] for nm in rest]
            values = [v for v in values if v is not None]
            if not values:
                cells.append("-")
            elif c in ("fill_rate", "bullwhip"):
                cells.append(_fmt(float(np.mean(values))))
            else:
                cells.append(_fmt(float(np.sum(values))))
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


def _atomic_write(path: Path, write) -> None:
    """Write through a temporary file in the same folder, then rename: never half a file."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_outputs(out_dir: Path, cfg: DictConfig, result: RunResult) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    metrics = {
        "kpis": result.kpis,
        "nodes": result.nodes,
        "echelons": result.echelons,
        "network": result.network,
        "policy_parameters": result.policy_parameters,
        "config": OmegaConf.to_container(cfg, resolve=True),
        "seed": cfg.seed,
        "stocklab_version": sim.__version__,
    }

    def dump(tmp: str) -> None:
        with open(tmp, "w") as fh:
            json.dump(metrics, fh, indent=2, allow_nan=False, default=float)

    _atomic_write(out_dir / "metrics.json", dump)
    _atomic_write(
        out_dir / "kpis_by_sku.parquet", lambda t: result.sku_table.to_parquet(t, index=False)
    )
    if result.trace is not None:
        _atomic_write(out_dir / "trace.parquet", lambda t: result.trace.to_parquet(t, index=False))
    _atomic_write(out_dir / "population.csv", lambda t: result.population.to_csv(t, index=False))
    if result.shifts is not None:
        _atomic_write(out_dir / "shifts.csv", lambda t: result.shifts.to_csv(t, index=False))


def run(cfg: DictConfig, out_dir: Path | None = None) -> RunResult:
    """Simulate the configured experiment, print the KPI table, write the output files."""
    scenario, policy = build(cfg)
    horizon, warmup = _int(cfg, "horizon", 1), _int(cfg, "warmup", 0)
    replications = _int(cfg, "replications", 1)
    trace_skus = _int(cfg, "trace_skus", 0)
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
    try:
        result = simulate(
            scenario,
            policy,
            horizon=horizon,
            warmup=warmup,
            replications=replications,
            seed=cfg.seed,
            trace_skus=trace_skus,
            progress=progress_bar.update if progress_bar else None,
        )
    finally:
        if progress_bar is not None:
            progress_bar.close()
    choices = HydraConfig.get().runtime.choices if HydraConfig.initialized() else {}
    head = " · ".join(
        [
            f"policy={choices.get('policy', '?')}",
            f"network={choices.get('network', '?')}",
            f"demand={choices.get('demand', '?')}",
            f"{scenario.n_skus} SKUs",
            f"{replications} replications × {horizon - warmup} periods (after {warmup} warm-up)",
        ]
    )
    print(head)
    note = getattr(scenario.demand, "pooled_note", lambda: None)()
    if note:
        print(note)
    print("policy parameters: " + _describe(result.policy_parameters))
    print(format_kpis(result, scenario.n_skus))
    if len(result.nodes) > 1:
        print(format_nodes(result))
    if out_dir is None and HydraConfig.initialized():
        out_dir = Path(HydraConfig.get().runtime.output_dir)
    if out_dir is not None:
        history = getattr(scenario.demand, "history", None)
        if history is not None:  # before metrics.json, which says the run is complete
            from experiments.cleaning_report import write_cleaning

            out_dir.mkdir(parents=True, exist_ok=True)
            write_cleaning(history, out_dir)
        write_outputs(out_dir, cfg, result)
        print(f"results: {out_dir}")
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
    if target is not None and (
        isinstance(target, bool) or not isinstance(target, int | float) or not 0 < target <= 1
    ):
        raise ConfigError(
            f"objective.fill_rate_target(={target!r}) must be null or a number in (0, 1]"
        )
    if isinstance(penalty, bool) or not isinstance(penalty, int | float) or not penalty >= 0:
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
    """Run one job; return its :func:`objective` (NaN for a failed sweep job)."""
    hc = HydraConfig.get()
    out_dir = Path(hc.runtime.output_dir)
    sweeping = hc.mode == RunMode.MULTIRUN
    try:
        target, penalty = objective_settings(cfg)
        if cfg.get("resume") and (out_dir / "metrics.json").exists():
            kpis = json.loads((out_dir / "metrics.json").read_text())["kpis"]
            print(f"resume: {out_dir} has its results already; skipped")
            return objective(kpis, target, penalty)
        result = run(cfg)
    except Exception as exc:
        if os.environ.get("HYDRA_FULL_ERROR") == "1":
            raise  # the full traceback, for debugging
        if sweeping:
            # one failed job must not end the sweep: leave a record and go on
            write_error(out_dir, cfg, exc)
            print(
                f"stocklab: job failed: {_explain(exc)} (see {out_dir / 'error.json'})",
                file=sys.stderr,
            )
            return float("nan")
        if isinstance(exc, ConfigError | ValueError | TypeError | OmegaConfBaseException):
            print(f"stocklab: error: {_explain(exc)}", file=sys.stderr)
            sys.exit(2)
        raise
    stale = out_dir / "error.json"
    if stale.exists():  # a resumed job that failed before
        stale.unlink()
    value = objective(result.kpis, target, penalty)
    if target is not None:
        fill = result.kpis["fill_rate"]["mean"]
        print(f"objective: {value:.6g} (fill rate {_fmt(fill, 4)}, target {target:g})")
    return value


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


def precheck(argv: list[str], config_name: str = "config") -> None:
    """Compose a single run's configuration before Hydra does, so that an unknown key or
    config option ends in one line (exit 2) instead of Hydra's multi-line report. Sweeps
    and Hydra's own flags are left to Hydra."""
    if any(a.startswith("-") for a in argv):
        return
    overrides = [a for a in argv if not a.lstrip("+~").startswith(("hydra.", "hydra/"))]
    from hydra import compose, initialize_config_dir

    try:
        with initialize_config_dir(str(CONF_DIR), version_base=None):
            compose(config_name, overrides=overrides)
    except Exception as exc:  # noqa: BLE001 - any composition failure is a config error
        messages = [str(exc)]
        if exc.__cause__ is not None:
            messages.append(str(exc.__cause__))
        print(f"stocklab: error: {_one_line(chr(10).join(messages))}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    precheck(sys.argv[1:])
    main()
