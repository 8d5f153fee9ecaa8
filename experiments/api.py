"""Stocklab from Python: compose, run, sweep and load experiments in a notebook.

The CLI's configuration names work here too (Hydra's compose API over ``conf/``), and every
result comes back as pandas DataFrames::

    from experiments import api

    result = api.run(["policy=ss", "n_skus=50", "replications=5"])
    result.kpis          # one row per KPI: mean, ci95 (95% Student t), per_sku
    result.replications  # one row per replication, one column per KPI
    result.nodes         # one row per node and KPI (a network's nodes)
    result.skus          # one row per replication and SKU
    result.trace         # one row per replication, node, traced SKU and period
    result.parameters    # the policy parameters in force (per node on a network)

    table = api.sweep([["policy=ss"], ["policy=base_stock"]])  # one row per run and KPI
    earlier = api.load("outputs/2026-12-02/10-00-00")           # a run folder: a Result
    swept = api.load("multirun/2026-12-02/10-00-00")            # a sweep folder: a table

Scenarios can also be built from objects, without Hydra (``sim`` does not depend on it):
``api.simulate(Scenario(Single(lead_time=2), Poisson(mean=10.0)), BaseStock(), horizon=400)``.

A configuration that the CLI would refuse raises ``ValueError`` with the same one-line
message (the CLI prints it and exits with status 2).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from hydra import compose as _hydra_compose
from hydra import initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from omegaconf import DictConfig, OmegaConf

from experiments.aggregate import split_override
from policies.base import Policy
from sim.runner import RunResult, Scenario
from sim.runner import simulate as _simulate

__all__ = ["Result", "compose", "run", "simulate", "sweep", "load", "CONF_DIR"]

#: The configuration folder the CLI reads.
CONF_DIR = Path(__file__).resolve().parent.parent / "conf"


def compose(overrides: Sequence[str] = ()) -> DictConfig:
    """The configuration ``python -m experiments.run <overrides>`` would run (without
    Hydra's own ``hydra`` section): the same defaults, groups and override syntax."""
    if isinstance(overrides, str):
        raise TypeError("overrides must be a list of strings, e.g. ['policy=ss', 'n_skus=50']")
    if GlobalHydra.instance().is_initialized():  # e.g. inside a Hydra app or a notebook
        GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base=None):
        return _hydra_compose(config_name="config", overrides=list(overrides))


@dataclass
class Result:
    """A run's results as DataFrames (see the module docstring)."""

    kpis: pd.DataFrame
    replications: pd.DataFrame
    nodes: pd.DataFrame
    skus: pd.DataFrame
    trace: pd.DataFrame | None
    parameters: dict[str, Any]
    config: dict[str, Any] | None = None
    path: Path | None = None
    n_skus: int = 1
    #: the simulator's own result object (None for a run loaded from a folder)
    raw: RunResult | None = field(default=None, repr=False)

    def __repr__(self) -> str:
        where = f", path={str(self.path)!r}" if self.path else ""
        return f"Result({len(self.kpis)} KPIs, {len(self.replications)} replications{where})"

    @classmethod
    def from_records(
        cls,
        kpis: dict[str, dict[str, Any]],
        nodes: dict[str, dict[str, dict[str, Any]]],
        skus: pd.DataFrame,
        trace: pd.DataFrame | None,
        parameters: dict[str, Any],
        n_skus: int,
        **extra: Any,
    ) -> Result:
        """From the simulator's KPI records (as ``metrics.json`` stores them)."""
        table = pd.DataFrame(
            {
                "mean": [k["mean"] for k in kpis.values()],
                "ci95": [k["ci95"] for k in kpis.values()],
            },
            index=pd.Index(list(kpis), name="kpi"),
        )
        # additive KPIs per SKU; rates and service levels are already per unit
        per_sku = ~table.index.isin(["fill_rate", "cycle_service_level", "bullwhip"])
        table["per_sku"] = table["mean"].where(per_sku) / n_skus
        reps = pd.DataFrame({name: k["per_replication"] for name, k in kpis.items()})
        reps.index.name = "replication"
        node_rows = [
            {"node": node, "kpi": name, "mean": k["mean"], "ci95": k["ci95"]}
            for node, by_kpi in nodes.items()
            for name, k in by_kpi.items()
        ]
        node_table = pd.DataFrame(node_rows, columns=["node", "kpi", "mean", "ci95"])
        return cls(
            kpis=table,
            replications=reps,
            nodes=node_table,
            skus=skus,
            trace=trace,
            parameters=parameters,
            n_skus=n_skus,
            **extra,
        )

    @classmethod
    def from_run(cls, result: RunResult, n_skus: int, config: dict | None = None) -> Result:
        return cls.from_records(
            result.kpis,
            result.nodes,
            result.sku_table,
            result.trace,
            result.policy_parameters,
            n_skus,
            config=config,
            raw=result,
        )


def simulate(
    scenario: Scenario,
    policy: Policy,
    *,
    horizon: int,
    warmup: int = 0,
    replications: int = 1,
    seed: int = 0,
    trace_skus: int = 0,
) -> Result:
    """Simulate a scenario built from objects (no configuration files): the same engine and
    KPIs as the CLI, returned as a :class:`Result`."""
    result = _simulate(
        scenario,
        policy,
        horizon=horizon,
        warmup=warmup,
        replications=replications,
        seed=seed,
        trace_skus=trace_skus,
    )
    return Result.from_run(result, scenario.n_skus)


def run(config: Sequence[str] | DictConfig = (), *, out_dir: str | Path | None = None) -> Result:
    """Run one configuration - a list of CLI overrides or a composed configuration - and
    return its results; with ``out_dir`` also write the run folder the CLI writes
    (``metrics.json`` last), which :func:`load` reads back."""
    from experiments.run import simulate_config, write_outputs

    cfg = config if isinstance(config, DictConfig) else compose(config)
    scenario, _, result = simulate_config(cfg)
    path = None
    if out_dir is not None:
        path = Path(out_dir)
        write_outputs(path, cfg, result, scenario.demand.history)
    plain = OmegaConf.to_container(cfg, resolve=True)
    out = Result.from_run(result, scenario.n_skus, config=plain)
    out.path = path
    return out


def _label(overrides: Sequence[str]) -> str:
    return " ".join(overrides) if overrides else "(defaults)"


def _tidy(rows: list[dict[str, Any]], runs: list[list[str]]) -> pd.DataFrame:
    """The sweep table: ``rows`` under the overridden keys of all ``runs``, in order."""
    keys = list(dict.fromkeys(split_override(o)[0] for overrides in runs for o in overrides))
    columns = ["configuration", *keys, "status", "kpi", "mean", "ci95"]
    return pd.DataFrame(rows, columns=columns)


def _base(overrides: list[str]) -> dict[str, Any]:
    """A run's label and its overrides as columns, the start of each of its rows."""
    return {"configuration": _label(overrides), **dict(map(split_override, overrides))}


def sweep(configurations: Iterable[Sequence[str]], *, progress: bool = True) -> pd.DataFrame:
    """Run each configuration (a list of CLI overrides) and return one tidy table: one row
    per configuration and KPI, with the overridden keys as columns, ``status`` (``ok``)
    and the KPI's ``mean`` and ``ci95``. A configuration that fails raises, naming it."""
    configurations = [list(c) for c in configurations]
    for c in configurations:
        if isinstance(c, str) or not all(isinstance(o, str) for o in c):
            raise TypeError("each configuration must be a list of overrides, e.g. ['policy=ss']")
    rows: list[dict[str, Any]] = []
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(configurations), desc="configurations", delay=1.0, disable=None)
    try:
        for overrides in configurations:
            try:
                result = run(overrides)
            except Exception as exc:
                raise type(exc)(f"{_label(overrides)}: {exc}") from exc
            base = _base(overrides)
            for kpi, row in result.kpis.iterrows():
                rows.append(base | {"status": "ok", "kpi": kpi} | row[["mean", "ci95"]].to_dict())
            if bar is not None:
                bar.update(1)
    finally:
        if bar is not None:
            bar.close()
    return _tidy(rows, configurations)


def _load_run(path: Path) -> Result:
    from experiments.aggregate import read_metrics

    metrics = read_metrics(path)  # raises on a missing or corrupt record
    config = metrics.get("config") or {}
    skus_file = path / "kpis_by_sku.parquet"
    skus = pd.read_parquet(skus_file) if skus_file.exists() else pd.DataFrame()
    trace_file = path / "trace.parquet"
    trace = pd.read_parquet(trace_file) if "trace.parquet" in metrics.get("files", []) else None
    if trace is None and trace_file.exists() and "files" not in metrics:
        trace = pd.read_parquet(trace_file)
    n_skus = int(skus["sku"].nunique()) if "sku" in skus else int(config.get("n_skus", 1))
    return Result.from_records(
        metrics["kpis"],
        metrics.get("nodes", {}),
        skus,
        trace,
        metrics.get("policy_parameters", {}),
        n_skus,
        config=config,
        path=path,
    )


def _load_sweep(path: Path) -> pd.DataFrame:
    from experiments.aggregate import collect

    jobs = collect(path)
    runs: list[list[str]] = []
    rows: list[dict[str, Any]] = []
    for _, job in jobs.iterrows():
        overrides = job["overrides"].split() if job["overrides"] else []
        runs.append(overrides)
        base = _base(overrides)
        if job["status"] != "ok":
            rows.append(base | {"status": job["status"], "kpi": None})
            continue
        record = json.loads((Path(job["path"]) / "metrics.json").read_text())
        for kpi, k in record["kpis"].items():
            rows.append(base | {"status": "ok", "kpi": kpi, "mean": k["mean"], "ci95": k["ci95"]})
    return _tidy(rows, runs)


def load(path: str | Path) -> Result | pd.DataFrame:
    """An earlier run folder (``metrics.json`` in it) as a :class:`Result`, or a sweep
    folder (numbered job folders) as the tidy table :func:`sweep` returns, with one row
    per job that is not ``ok`` (``status`` says why; no KPI)."""
    path = Path(path)
    if not path.is_dir():
        raise FileNotFoundError(f"{path} is not a folder")
    if (path / "metrics.json").exists() or not any(
        p.is_dir() and p.name.isdigit() for p in path.iterdir()
    ):
        return _load_run(path)
    return _load_sweep(path)
