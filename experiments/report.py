"""``python -m experiments.report multirun/<sweep>``: a benchmark report from a sweep folder.

Writes ``report.html`` (self-contained: figures embedded) and ``report.md`` with its
figures in ``figures/``, into the sweep folder (or ``--out``). Where the sweep has several
scenarios (as ``experiment=benchmark`` does), a leaderboard comes first: configurations
ranked by mean rank on cost across scenarios, with a heat map of relative costs. Then, per
scenario:

* KPI table ranked by cost (mean ± 95% CI over replications), with each row's configuration;
* cost vs fill rate with CI bars and the Pareto front (no other configuration is both
  cheaper and better served);
* stacked cost breakdown (holding, shortage, ordering);
* inventory and order trajectories of a few sample SKUs (from ``trace.parquet``);
* forecast accuracy vs cost, where forecasters were swept;
* where a job ran a network of several nodes (``network`` in its ``metrics.json``): a
  drawing of each distinct network, a per-node KPI table (a role with more than
  ``MAX_NODES_PER_ROLE`` nodes shown as one row: costs summed over its nodes, other KPIs
  averaged) and the bullwhip ratio per echelon;
* paired differences under common random numbers: for every pair of configurations,
  the mean difference in cost and fill rate over paired replications with a 95% CI, whether
  it is significant, and -- where it is not -- about how many replications would separate
  the two (``n = (t * s_d / d)^2``, the usual sample-size rule for a paired t-test).

Failed, missing and not-applicable jobs are listed, not dropped. The last section gives the command,
software versions and seeds that reproduce the sweep.
"""

from __future__ import annotations

import argparse
import base64
import html
import io
import itertools
import json
import math
import platform
import sys
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import yaml  # noqa: E402
from scipy import stats  # noqa: E402

from experiments.aggregate import (  # noqa: E402
    CONFIG_PREFIXES,
    RUN_SETTINGS,
    collect,
    describe,
    load_metrics,
)
from experiments.formatting import format_value  # noqa: E402
from experiments.network_plot import draw_bullwhip, draw_network, network_layout  # noqa: E402

__all__ = [
    "build_report",
    "echelon_bullwhip",
    "leaderboard",
    "node_kpis",
    "paired_differences",
    "pareto_front",
    "pool_seeds",
    "sweep_title",
    "explain_ranking",
    "main",
]

COST_PARTS = ("holding_cost", "shortage_cost", "ordering_cost")
#: The parts of cost per period shown in the breakdown and the explanation of the ranking.
COST_COMPONENTS = (*COST_PARTS, "waste_cost")
#: Per-node KPIs in the network section; the costs among them are summed over a role.
NODE_KPIS = (
    "cost_per_period",
    *COST_PARTS,
    "avg_on_hand",
    "avg_backorders",
    "fill_rate",
    "bullwhip",
    "disrupted_periods",
)
NODE_COSTS = ("cost_per_period", *COST_PARTS)
#: A role with more nodes than this is shown as one aggregated row per configuration.
MAX_NODES_PER_ROLE = 5


# ----------------------------------------------------------------------------- statistics
def _paired(xa: Any, xb: Any) -> tuple[np.ndarray, np.ndarray]:
    """Two configurations' replications, paired: lists pair by index; dicts (seed -> list,
    for pooled seeds) pair by index within each seed both have."""
    if isinstance(xa, dict) and isinstance(xb, dict):
        seeds = [s for s in xa if s in xb]
        pairs = [(xa[s][:n], xb[s][:n]) for s in seeds for n in [min(len(xa[s]), len(xb[s]))]]
        a = [v for p in pairs for v in p[0]]
        b = [v for p in pairs for v in p[1]]
    else:
        n = min(len(xa), len(xb))
        a, b = list(xa[:n]), list(xb[:n])
    return np.asarray([_num(v) for v in a], float), np.asarray([_num(v) for v in b], float)


def paired_differences(per_rep: dict[str, dict[str, Any]], kpi: str) -> pd.DataFrame:
    """Pairwise differences ``A - B`` of ``kpi`` over paired replications (same seed, same
    replication index: common random numbers), with a 95% t interval. A KPI's values are a
    list (one seed) or a dict seed -> list (seeds pooled: paired within each seed)."""
    rows = []
    for a, b in itertools.combinations(sorted(per_rep), 2):
        xa, xb = per_rep[a].get(kpi), per_rep[b].get(kpi)
        if xa is None or xb is None:
            continue
        va, vb = _paired(xa, xb)
        n = len(va)
        d = va - vb
        if n < 2 or np.any(np.isnan(d)):
            continue
        mean, sd = float(d.mean()), float(d.std(ddof=1))
        t = float(stats.t.ppf(0.975, n - 1))
        half = t * sd / math.sqrt(n)
        significant = abs(mean) > half
        needed = None
        if not significant and mean != 0:
            needed = int(math.ceil((t * sd / abs(mean)) ** 2))
        rows.append(
            {
                "A": a,
                "B": b,
                "kpi": kpi,
                "mean_difference": mean,
                "ci95": half,
                "replications": n,
                "significant": significant,
                "replications_needed": needed,
            }
        )
    return pd.DataFrame(rows)


def pareto_front(cost: np.ndarray, fill: np.ndarray) -> np.ndarray:
    """Indices on the Pareto front: no other point has lower-or-equal cost and
    higher-or-equal fill rate with one of them strict."""
    keep = []
    for i in range(len(cost)):
        dominated = np.any(
            (cost <= cost[i]) & (fill >= fill[i]) & ((cost < cost[i]) | (fill > fill[i]))
        )
        if not dominated:
            keep.append(i)
    return np.array(sorted(keep, key=lambda i: cost[i]), dtype=int)


def _num(x: Any) -> float:
    return float("nan") if x is None else float(x)


def _mean_ci95(values: np.ndarray) -> tuple[float, float]:
    """Mean and 95% t half-width of the values that are not NaN (as ``sim.kpi`` does)."""
    v = values[~np.isnan(values)]
    if len(v) == 0:
        return float("nan"), float("nan")
    if len(v) == 1:
        return float(v[0]), float("nan")
    return float(v.mean()), float(
        stats.t.ppf(0.975, len(v) - 1) * v.std(ddof=1) / math.sqrt(len(v))
    )


def _over_nodes(records: list[dict[str, Any] | None], total: bool) -> tuple[float, float]:
    """One KPI over several nodes: per replication the sum (``total``) or the mean over the
    nodes that have a value, then mean ± 95% CI over replications. Without per-replication
    values, the sum or mean of the nodes' means, with no CI."""
    reps = [r.get("per_replication") if r else None for r in records]
    if not all(reps):
        means = np.array([[_num((r or {}).get("mean"))] for r in records], dtype=float)
        return float(_combine(means, total)[0]), float("nan")
    n = min(len(r) for r in reps)
    matrix = np.array([[_num(v) for v in r[:n]] for r in reps], dtype=float)
    return _mean_ci95(_combine(matrix, total))


def _combine(matrix: np.ndarray, total: bool) -> np.ndarray:
    """Columns of a nodes x replications matrix summed or averaged, ignoring NaN (NaN
    where a column has no value)."""
    count = (~np.isnan(matrix)).sum(axis=0)
    summed = np.nansum(matrix, axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        combined = summed if total else summed / count
    return np.where(count > 0, combined, np.nan)


def _is_network(metrics: dict[str, Any]) -> bool:
    return len((metrics.get("network") or {}).get("nodes") or []) > 1


def _node_groups(network: dict[str, Any], max_per_role: int) -> list[list[dict[str, Any]]]:
    """Nodes to show one row each (a group of one) or together (a role with more than
    ``max_per_role`` nodes), upstream first, then in the network's order."""
    by_role: dict[str, list[dict[str, Any]]] = {}
    for node in network["nodes"]:
        by_role.setdefault(node.get("role") or "node", []).append(node)
    groups = []
    for nodes in by_role.values():
        groups.extend([nodes] if len(nodes) > max_per_role else [[n] for n in nodes])
    order = {n["name"]: i for i, n in enumerate(network["nodes"])}
    return sorted(
        groups,
        key=lambda g: (-max(n.get("echelon") or 0 for n in g), order[g[0]["name"]]),
    )


def _group_row(group: list[dict[str, Any]], results: dict[str, Any]) -> dict[str, Any]:
    """Name, role, echelon, node count and KPIs (mean and ``_ci95``) of one row."""
    role = group[0].get("role") or "node"
    levels = sorted({n.get("echelon") for n in group}, key=lambda e: -1 if e is None else e)
    row: dict[str, Any] = {
        "node": group[0]["name"] if len(group) == 1 else f"all {len(group)} {role} nodes",
        "role": role,
        "echelon": levels[0] if len(levels) == 1 else f"{levels[0]}–{levels[-1]}",
        "nodes": len(group),
    }
    for kpi in NODE_KPIS:
        records = [(results.get(n["name"]) or {}).get(kpi) for n in group]
        if len(group) == 1:
            record = records[0] or {}
            row[kpi], row[f"{kpi}_ci95"] = _num(record.get("mean")), _num(record.get("ci95"))
        else:
            row[kpi], row[f"{kpi}_ci95"] = _over_nodes(records, total=kpi in NODE_COSTS)
    return row


def node_kpis(
    metrics: dict[str, dict[str, Any]], max_per_role: int = MAX_NODES_PER_ROLE
) -> pd.DataFrame:
    """Per-node KPIs of each configuration's job (``metrics``: configuration -> its
    ``metrics.json``, in the order wanted): one row per (configuration, node), except
    that the nodes of a role with more than ``max_per_role`` of them share one row, with
    costs summed over them and the other KPIs averaged (per replication, then mean ± 95%
    CI over replications). Columns: configuration, node, role, echelon, nodes (how many
    the row covers), and ``<kpi>``, ``<kpi>_ci95`` for each of ``NODE_KPIS``."""
    rows = []
    for configuration, m in metrics.items():
        if not m.get("network"):
            continue
        for group in _node_groups(m["network"], max_per_role):
            row = _group_row(group, m.get("nodes") or {})
            rows.append({"configuration": configuration, **row})
    return pd.DataFrame(rows)


def echelon_bullwhip(metrics: dict[str, dict[str, Any]]) -> pd.DataFrame:
    """Bullwhip ratio per (configuration, echelon) from the ``echelons`` records: columns
    configuration, echelon, mean, ci95 (NaN where the record holds null)."""
    rows = []
    for configuration, m in metrics.items():
        for echelon, kpis in sorted((m.get("echelons") or {}).items(), key=lambda e: int(e[0])):
            record = kpis.get("bullwhip") or {}
            rows.append(
                {
                    "configuration": configuration,
                    "echelon": int(echelon),
                    "mean": _num(record.get("mean")),
                    "ci95": _num(record.get("ci95")),
                }
            )
    return pd.DataFrame(rows, columns=["configuration", "echelon", "mean", "ci95"])


# ----------------------------------------------------------------------------- seeds and title
def _without_seed(scenario: str) -> str:
    """A scenario label without its ``seed=`` part: seeds are replications, not scenarios."""
    return " ".join(t for t in scenario.split() if not t.startswith("seed=")) or (
        "(default scenario)"
    )


def _pool_record(records: list[Any], seeds: list[Any]) -> Any:
    """Several seeds' copies of one part of ``metrics.json`` as one: a KPI record (with
    ``per_replication``) gets its replications concatenated, seed after seed, with mean and
    95% CI over them all and ``by_seed`` (seed -> replications) for pairing; a dict is pooled
    key by key; anything else is the first seed's."""
    first = records[0]
    if isinstance(first, dict) and all(isinstance(r, dict) for r in records):
        if all(isinstance(r.get("per_replication"), list) for r in records):
            values = [v for r in records for v in r["per_replication"]]
            mean, ci95 = _mean_ci95(np.array([_num(v) for v in values], dtype=float))
            return {
                **first,
                "mean": mean,
                "ci95": ci95,
                "per_replication": values,
                "by_seed": {s: r["per_replication"] for s, r in zip(seeds, records, strict=True)},
            }
        return {k: _pool_record([r.get(k) for r in records], seeds) for k in first}
    return first


def pool_seeds(ok: pd.DataFrame) -> tuple[pd.DataFrame, dict[tuple[str, str], dict[str, Any]]]:
    """Jobs that differ only in ``seed`` as one row each: their replications pooled.

    Returns one row per (scenario without seed, configuration) -- ``scenario``,
    ``configuration``, ``path`` (the first seed's job), ``paths``, ``seeds``,
    ``replications`` (all seeds together) and every KPI's mean and ``_ci95`` over the
    pooled replications -- and each row's ``metrics.json`` pooled the same way (KPI records
    gain ``by_seed``), keyed by (scenario, configuration). A configuration run with one seed
    keeps its job's values as they are."""
    ok = ok.assign(scenario=ok["scenario"].map(_without_seed))
    rows, pooled = [], {}
    for (scenario, configuration), jobs in ok.groupby(["scenario", "configuration"], sort=True):
        jobs = jobs.sort_values("job")
        metrics = [load_metrics(Path(p)) or {} for p in jobs["path"]]
        seeds = [m.get("seed", j) for m, j in zip(metrics, jobs["job"], strict=True)]
        m = metrics[0] if len(metrics) == 1 else _pool_record(metrics, seeds)
        m = {
            **m,
            "seeds": seeds,
            "parameters_by_seed": [x.get("policy_parameters") for x in metrics],
        }
        pooled[(scenario, configuration)] = m
        row: dict[str, Any] = {
            "scenario": scenario,
            "configuration": configuration,
            "path": jobs["path"].iloc[0],
            "paths": list(jobs["path"]),
            "seeds": seeds,
            "replications": sum(
                len(k.get("per_replication") or [])
                for k in [mm.get("kpis", {}).get("cost_per_period") or {} for mm in metrics]
            ),
        }
        for name, k in (m.get("kpis") or {}).items():
            row[name], row[f"{name}_ci95"] = _num(k.get("mean")), _num(k.get("ci95"))
        rows.append(row)
    return pd.DataFrame(rows), pooled


def _swept(table: pd.DataFrame) -> dict[str, list[str]]:
    """Override keys whose values differ across the sweep's jobs -> their values, in job
    order (run settings and ``hydra.*`` left out)."""
    values: dict[str, list[str]] = {}
    for overrides in table.sort_values("job")["overrides"]:
        for o in str(overrides).split():
            key, _, value = o.partition("=")
            key = key.lstrip("+~")
            if key.startswith("hydra") or key in RUN_SETTINGS:
                continue
            if value not in values.setdefault(key, []):
                values[key].append(value)
    return {k: v for k, v in values.items() if len(v) > 1}


def _is_config_key(key: str) -> bool:
    return key.split(".")[0].split("/")[0] in CONFIG_PREFIXES


def sweep_title(table: pd.DataFrame, network: str | None, default: str) -> str:
    """What was swept, e.g. ``policy=eoq, ss on network=warehouse, 2 scenarios
    (network.lead_time=1, 2), seeds 0, 1 pooled``; ``default`` where nothing was."""
    swept = _swept(table)
    if not swept:
        return default

    def part(keys: list[str]) -> str:
        return "; ".join(f"{k}={', '.join(swept[k])}" for k in keys)

    config = [k for k in swept if _is_config_key(k)]
    scenario = [k for k in swept if not _is_config_key(k) and k != "seed"]
    title = part(config) if config else "one configuration"
    if network:
        title += f" on network={network}"
    if scenario:
        n = len({_without_seed(s) for s in table.loc[table["status"] == "ok", "scenario"].unique()})
        title += f"{',' if network else ' on'} {n} scenarios ({part(scenario)})"
    if "seed" in swept:
        title += f", seeds {', '.join(swept['seed'])} pooled"
    return title


# ----------------------------------------------------------------------------- figures
def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def _label_points(ax, xs: np.ndarray, ys: np.ndarray, labels: Any) -> None:
    """Label points inside the frame: text to the left of points in the right half, below
    points in the top part, and clipped to the axes."""
    ax.margins(x=0.12, y=0.15)
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    for x, y, label in zip(xs, ys, labels, strict=True):
        right = x > (x0 + x1) / 2
        top = y > y0 + 0.8 * (y1 - y0)
        ax.annotate(
            label,
            (x, y),
            textcoords="offset points",
            xytext=(-5 if right else 5, -9 if top else 4),
            ha="right" if right else "left",
            fontsize=7,
            annotation_clip=True,
            clip_on=True,
        )


def fig_cost_vs_fill(df: pd.DataFrame, title: str) -> bytes:
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    cost, fill = df["cost_per_period"].to_numpy(float), df["fill_rate"].to_numpy(float)
    ax.errorbar(
        fill,
        cost,
        xerr=df["fill_rate_ci95"].fillna(0),
        yerr=df["cost_per_period_ci95"].fillna(0),
        fmt="o",
        capsize=3,
        color="tab:blue",
        ecolor="0.6",
    )
    front = pareto_front(cost, fill)
    if len(front) > 1:
        ax.plot(fill[front], cost[front], "--", color="tab:red", label="Pareto front")
        ax.legend(fontsize=8, loc="best")
    _label_points(ax, fill, cost, df["configuration"])
    ax.set_xlabel("fill rate")
    ax.set_ylabel("cost per period")
    ax.set_title(title, fontsize=9)
    ax.grid(alpha=0.3)
    return _png(fig)


def _components(df: pd.DataFrame) -> list[str]:
    return [p for p in COST_COMPONENTS if p in df and not df[p].isna().all()]


def fig_cost_breakdown(df: pd.DataFrame, title: str) -> bytes:
    fig, ax = plt.subplots(figsize=(6.4, 0.9 + 0.45 * len(df)))
    left = np.zeros(len(df))
    colors = dict(
        zip(COST_COMPONENTS, ("tab:blue", "tab:red", "tab:green", "tab:brown"), strict=True)
    )
    for part in _components(df):
        values = df[part].fillna(0).to_numpy(float)
        ax.barh(
            df["configuration"], values, left=left, color=colors[part], label=part.replace("_", " ")
        )
        left += values
    ax.invert_yaxis()
    ax.set_xlabel("cost per period")
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return _png(fig)


def _warmup(path: Path) -> float:
    m = load_metrics(path) or {}
    return float((m.get("config") or {}).get("warmup") or 0)


def fig_trajectories(jobs: pd.DataFrame, n_skus: int, title: str) -> bytes | None:
    """Small multiples: one row of panels per configuration (net stock, orders as steps) for
    a few sample SKUs of the first node, replication 0 of the first seed; the warm-up is
    shaded."""
    traces, warmups = {}, {}
    for _, job in jobs.iterrows():
        path = Path(job["path"]) / "trace.parquet"
        if path.exists():
            t = pd.read_parquet(
                path,
                columns=["replication", "node", "sku", "period", "on_hand", "backorders", "order"],
            )
            node = t["node"].iloc[0]
            traces[job["configuration"]] = t[(t.replication == 0) & (t.node == node)]
            warmups[job["configuration"]] = _warmup(Path(job["path"]))
    if not traces:
        return None
    skus = sorted(next(iter(traces.values()))["sku"].unique())[:n_skus]
    fig, axes = plt.subplots(
        len(traces), 2, figsize=(9, 0.6 + 1.8 * len(traces)), squeeze=False, sharex=True
    )
    for r, (label, t) in enumerate(traces.items()):
        for sku in skus:
            s = t[t.sku == sku]
            axes[r, 0].plot(s["period"], s["on_hand"] - s["backorders"], lw=0.8, label=f"SKU {sku}")
            axes[r, 1].plot(s["period"], s["order"], lw=0.8, drawstyle="steps-post")
        for ax in axes[r]:
            if warmups[label] > 0:
                ax.axvspan(0, warmups[label], color="0.9", zorder=0)
            ax.tick_params(labelsize=7)
        axes[r, 0].axhline(0, color="0.5", lw=0.5)
        axes[r, 0].set_ylabel(f"{label}\nnet stock", fontsize=7)
        axes[r, 1].set_ylabel("order", fontsize=7)
    axes[0, 1].legend(
        *axes[0, 0].get_legend_handles_labels(),
        fontsize=7,
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        frameon=False,
        title="shaded: warm-up",
        title_fontsize=7,
    )
    axes[-1, 0].set_xlabel("period")
    axes[-1, 1].set_xlabel("period")
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    return _png(fig)


def sku_fill_rates(paths: list[str], metrics: dict[str, Any]) -> pd.Series:
    """Each SKU's fill rate at the demand-facing nodes, averaged over replications (and
    seeds): a Series indexed by (node, sku)."""
    frames = []
    for p in paths:
        f = Path(p) / "kpis_by_sku.parquet"
        if f.exists():
            frames.append(pd.read_parquet(f, columns=["replication", "node", "sku", "fill_rate"]))
    if not frames:
        return pd.Series(dtype=float)
    t = pd.concat(frames, ignore_index=True)
    nodes = (metrics.get("network") or {}).get("nodes") or []
    facing = {n["name"] for n in nodes if n.get("demand_facing")}
    if facing:
        t = t[t["node"].isin(facing)]
    return t.groupby(["node", "sku"])["fill_rate"].mean().dropna()


def fig_sku_fill(rates: dict[str, pd.Series], title: str) -> bytes | None:
    """Box plot (with the SKUs as points) of per-SKU fill rates, one row per configuration."""
    rates = {c: r for c, r in rates.items() if len(r)}
    if not rates:
        return None
    labels = list(rates)
    fig, ax = plt.subplots(figsize=(6.4, 0.9 + 0.5 * len(labels)))
    ax.boxplot(
        [rates[c].to_numpy(float) for c in labels],
        orientation="horizontal",
        widths=0.5,
        showfliers=False,
        medianprops={"color": "tab:red"},
    )
    rng = np.random.default_rng(0)  # jitter only, for legibility
    for i, c in enumerate(labels, start=1):
        v = rates[c].to_numpy(float)
        ax.plot(v, i + rng.uniform(-0.15, 0.15, len(v)), ".", color="tab:blue", ms=3, alpha=0.6)
    ax.set_yticks(range(1, len(labels) + 1), labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("fill rate per SKU (mean over replications)")
    ax.set_title(title, fontsize=9)
    ax.grid(axis="x", alpha=0.3)
    return _png(fig)


def fig_accuracy_vs_cost(df: pd.DataFrame, title: str) -> bytes | None:
    if "forecast_mae" not in df or df["forecast_mae"].isna().all():
        return None
    d = df.dropna(subset=["forecast_mae"])
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    ax.errorbar(
        d["forecast_mae"],
        d["cost_per_period"],
        yerr=d["cost_per_period_ci95"].fillna(0),
        fmt="s",
        capsize=3,
        color="tab:purple",
        ecolor="0.6",
    )
    _label_points(
        ax,
        d["forecast_mae"].to_numpy(float),
        d["cost_per_period"].to_numpy(float),
        d["configuration"],
    )
    ax.set_xlabel("forecast MAE (one step)")
    ax.set_ylabel("cost per period")
    ax.set_title(title, fontsize=9)
    ax.grid(alpha=0.3)
    return _png(fig)


def _short_scenarios(labels: list[str]) -> dict[str, str]:
    """Scenario labels without the ``key=value`` parts that every scenario shares."""
    parts = {label: label.split() for label in labels}
    common = set.intersection(*(set(p) for p in parts.values())) if parts else set()
    return {
        label: " ".join(p for p in tokens if p not in common) or label
        for label, tokens in parts.items()
    }


def leaderboard(ok: pd.DataFrame, all_configs: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rank configurations across scenarios by mean cost per period.

    Returns the leaderboard (one row per configuration: mean rank over the scenarios it ran
    in, wins, the geometric mean of cost relative to the scenario's cheapest configuration,
    mean fill rate, scenarios run) sorted by mean rank, and the matrix of relative costs
    (configuration x scenario; NaN where the configuration did not run there).
    """
    short = _short_scenarios(sorted(ok["scenario"].unique()))
    ok = ok.assign(scenario=ok["scenario"].map(short))
    cost = ok.pivot_table(index="configuration", columns="scenario", values="cost_per_period")
    fill = ok.pivot_table(index="configuration", columns="scenario", values="fill_rate")
    cost = cost.reindex(sorted(set(all_configs) | set(cost.index)))
    fill = fill.reindex(cost.index)
    relative = cost / cost.min(axis=0)
    ranks = cost.rank(axis=0, method="min")
    board = pd.DataFrame(
        {
            "configuration": cost.index,
            "mean rank": ranks.mean(axis=1).to_numpy(),
            "wins": (ranks == 1).sum(axis=1).to_numpy(),
            "relative cost (geo. mean)": np.exp(np.log(relative).mean(axis=1)).to_numpy(),
            "mean fill rate": fill.mean(axis=1).to_numpy(),
            "scenarios run": cost.notna().sum(axis=1).to_numpy(),
        }
    )
    board = board.sort_values(["mean rank", "relative cost (geo. mean)"], na_position="last")
    board.insert(0, "place", range(1, len(board) + 1))
    relative = relative.loc[board["configuration"]]
    return board.reset_index(drop=True), relative


def fig_leaderboard(relative: pd.DataFrame) -> bytes:
    """Heat map of cost relative to each scenario's cheapest configuration."""
    values = relative.to_numpy(float)
    fig, ax = plt.subplots(figsize=(1.6 + 1.1 * values.shape[1], 1.0 + 0.38 * values.shape[0]))
    shown = np.ma.masked_invalid(np.log(values))
    vmax = max(float(np.nanmax(np.log(values))), 1e-6) if np.isfinite(values).any() else 1.0
    image = ax.imshow(shown, cmap="RdYlGn_r", vmin=0.0, vmax=vmax, aspect="auto")
    for (i, j), v in np.ndenumerate(values):
        ax.text(j, i, "n/a" if np.isnan(v) else f"{v:.2f}", ha="center", va="center", fontsize=7)
    ax.set_xticks(range(values.shape[1]), relative.columns, rotation=30, ha="right", fontsize=8)
    ax.set_yticks(range(values.shape[0]), relative.index, fontsize=8)
    ax.set_title("cost relative to the cheapest configuration of each scenario", fontsize=9)
    fig.colorbar(image, ax=ax, label="log relative cost", shrink=0.8)
    return _png(fig)


# ----------------------------------------------------------------------------- tables
def _fmt(x: Any, digits: int = 4) -> str:
    """A table cell or a number in a sentence, in words (:func:`format_value`)."""
    return format_value(x, digits, words=True)


def _with_ci(df: pd.DataFrame, kpi: str) -> list[str]:
    """``mean ± ci95`` of a KPI column, or the mean alone where there is no CI."""
    return [
        f"{_fmt(m)} ± {_fmt(c, 2)}" if not pd.isna(c) else _fmt(m)
        for m, c in zip(df[kpi], df.get(f"{kpi}_ci95", [np.nan] * len(df)), strict=True)
    ]


def _kpi_table(df: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame({"rank": range(1, len(df) + 1), "configuration": df["configuration"]})
    for kpi in (
        "cost_per_period",
        "fill_rate",
        "cycle_service_level",
        *COST_COMPONENTS,
        "forecast_mae",
    ):
        if kpi in df and not df[kpi].isna().all():
            out[kpi] = _with_ci(df, kpi)
    if "replications" in df:
        out["replications"] = df["replications"].to_numpy()
    return out


def _node_table(nodes: pd.DataFrame) -> pd.DataFrame:
    out = nodes[["configuration", "node", "role", "echelon", "nodes"]].copy()
    for kpi in NODE_KPIS:
        out[kpi] = _with_ci(nodes, kpi)
    return out


def _aggregation_note(nodes: pd.DataFrame) -> str | None:
    """One line naming the roles shown as one row, or None where every node has its own."""
    grouped = nodes[nodes["nodes"] > 1].drop_duplicates(["role", "nodes"])
    if grouped.empty:
        return None
    roles = ", ".join(f"{r.role} ({r.nodes} nodes)" for r in grouped.itertuples())
    return (
        f"Aggregated by role (more than {MAX_NODES_PER_ROLE} nodes): {roles}; their costs "
        "are summed over the nodes, the other KPIs averaged over them, per replication."
    )


def _md_table(df: pd.DataFrame) -> str:
    cols = list(df.columns)
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for _, r in df.iterrows():
        lines.append("| " + " | ".join(_fmt(r[c]).replace("|", "\\|") for c in cols) + " |")
    return "\n".join(lines)


def _html_table(df: pd.DataFrame) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(_fmt(r[c]))}</td>" for c in df.columns) + "</tr>"
        for _, r in df.iterrows()
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _compare(best: pd.Series, other: pd.Series, parts: list[str]) -> str:
    """How ``best`` differs from ``other`` in cost and its components, largest first."""
    gap = other["cost_per_period"] - best["cost_per_period"]
    pct = 100 * gap / other["cost_per_period"] if other["cost_per_period"] else float("nan")
    text = (
        f"{_fmt(gap)} per period ({pct:.0f}%) below {other['configuration']} "
        f"({_fmt(other['cost_per_period'])} ± {_fmt(other['cost_per_period_ci95'], 2)})"
    )
    diffs = sorted(parts, key=lambda p: -abs(_num(other[p]) - _num(best[p])))
    said = []
    for p in diffs:
        d = _num(best[p]) - _num(other[p])
        if not np.isfinite(d) or d == 0:
            continue
        said.append(
            f"{p.replace('_', ' ')} {_fmt(best[p])} vs {_fmt(other[p])} "
            f"({'+' if d > 0 else '−'}{_fmt(abs(d))})"
        )
    if said:
        text += "; by component: " + ", ".join(said)
    if "avg_on_hand" in best and np.isfinite(_num(other.get("avg_on_hand"))):
        a, b = _num(best["avg_on_hand"]), _num(other["avg_on_hand"])
        if b > 0 and a != b:
            text += (
                f"; it holds {abs(100 * (a - b) / b):.0f}% {'less' if a < b else 'more'} "
                f"stock (on hand {_fmt(a)} vs {_fmt(b)})"
            )
    return text


def explain_ranking(df: pd.DataFrame) -> str | None:
    """A few sentences on why the ranking (``df`` sorted by cost) comes out as it does: the
    cheapest configuration against the runner-up and the worst, component by component."""
    if len(df) < 2:
        return None
    parts = _components(df)
    best = df.iloc[0]
    text = (
        f"{best['configuration']} is cheapest: {_fmt(best['cost_per_period'])} ± "
        f"{_fmt(best['cost_per_period_ci95'], 2)} per period, "
        f"{_compare(best, df.iloc[1], parts)}."
    )
    if len(df) > 2:
        text += f" Against the most expensive it is {_compare(best, df.iloc[-1], parts)}."
    if "fill_rate" in df:
        text += (
            f" Fill rate: {_fmt(best['fill_rate'])} vs {_fmt(df.iloc[1]['fill_rate'])} "
            f"({df.iloc[1]['configuration']})."
        )
    return text


def _rounded(value: Any) -> Any:
    """Floats to four significant digits, inside lists and dicts, for display."""
    if isinstance(value, float):
        return float(f"{value:.4g}")
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    return value


def _parameters_table(pooled: dict[str, dict[str, Any]]) -> pd.DataFrame | None:
    """Policy parameters in force per configuration (lists summarised as min/median/max, as
    the run header does); where seeds gave different parameters, the first seed's, noted."""
    from experiments.run import _describe

    rows = []
    for configuration, m in pooled.items():
        params = m.get("policy_parameters")
        if params is None:
            continue
        by_seed = [_rounded(p) for p in m.get("parameters_by_seed") or [params]]
        params = by_seed[0]
        if all(p == by_seed[0] for p in by_seed):
            text = _describe(params)
        else:  # fitted to each seed's demand
            text = " | ".join(
                f"seed {s}: {_describe(p)}" for s, p in zip(m["seeds"], by_seed, strict=True)
            )
        rows.append({"configuration": configuration, "policy parameters": text})
    return pd.DataFrame(rows) if rows else None


# ----------------------------------------------------------------------------- report
class _Doc:
    """Builds the Markdown and the HTML twin side by side."""

    def __init__(self, fig_dir: Path):
        self.md: list[str] = []
        self.html: list[str] = []
        self.fig_dir = fig_dir
        self.n_fig = 0

    def heading(self, text: str, level: int = 2) -> None:
        self.md.append(f"{'#' * level} {text}\n")
        self.html.append(f"<h{level}>{html.escape(text)}</h{level}>")

    def para(self, text: str) -> None:
        self.md.append(text + "\n")
        self.html.append(f"<p>{html.escape(text)}</p>")

    def code(self, text: str) -> None:
        self.md.append(f"```\n{text}\n```\n")
        self.html.append(f"<pre>{html.escape(text)}</pre>")

    def table(self, df: pd.DataFrame) -> None:
        self.md.append(_md_table(df) + "\n")
        self.html.append(_html_table(df))

    def figure(self, png: bytes | None, caption: str) -> None:
        if png is None:
            return
        self.n_fig += 1
        name = f"figure_{self.n_fig:02d}.png"
        (self.fig_dir / name).write_bytes(png)
        self.md.append(f"![{caption}](figures/{name})\n")
        b64 = base64.b64encode(png).decode("ascii")
        self.html.append(
            f'<figure><img alt="{html.escape(caption)}" src="data:image/png;base64,{b64}">'
            f"<figcaption>{html.escape(caption)}</figcaption></figure>"
        )


CSS = " ".join(
    [
        "body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em}",
        "table{border-collapse:collapse;margin:1em 0;font-size:13px;display:block;overflow-x:auto}",
        "th,td{border:1px solid #ccc;padding:3px 8px;text-align:right}",
        "th{background:#f0f0f0}td:nth-child(2),th:nth-child(2){text-align:left}",
        "figure{margin:1em 0}img{max-width:100%}",
        "pre{background:#f6f6f6;padding:8px;overflow-x:auto}",
    ]
)


def _versions() -> dict[str, str]:
    import hydra
    import simpy

    import sim

    return {
        "stocklab": sim.__version__,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "simpy": simpy.__version__,
        "hydra-core": hydra.__version__,
        "matplotlib": matplotlib.__version__,
    }


def _command(sweep_dir: Path) -> str:
    spec_path = sweep_dir / "multirun.yaml"
    if not spec_path.exists():
        return "(multirun.yaml not found)"
    spec = yaml.safe_load(spec_path.read_text())
    task = spec["hydra"]["overrides"]["task"]
    return "python -m experiments.run -m " + " ".join(
        f"'{o}'" if any(ch in o for ch in "()[] ") else o for o in task
    )


def _network_key(network: dict[str, Any]) -> str:
    return json.dumps(network, sort_keys=True)


def _network_figures(
    doc: _Doc, networks: list[dict[str, Any]], scenario: str, drawn: dict[str, str]
) -> None:
    """Draw each network not drawn before (``drawn``: network key -> scenario drawn in)."""
    for network in networks:
        key = _network_key(network)
        if key in drawn:
            doc.para(f"The network is drawn above, under scenario {drawn[key]}.")
            continue
        drawn[key] = scenario
        roles = pd.Series([n.get("role") or "node" for n in network["nodes"]]).value_counts()
        summary = ", ".join(f"{count} {role}" for role, count in roles.items())
        fig = draw_network(network_layout(network), f"network ({summary}) — {scenario}")
        doc.figure(_png(fig), "the network: lead times L on the arrows, upstream on the left")


def _network_section(
    doc: _Doc, metrics: dict[str, dict[str, Any]], scenario: str, drawn: dict[str, str]
) -> None:
    """Drawing, per-node KPI table and bullwhip per echelon, where a job ran a network of
    several nodes; nothing otherwise (as for metrics written before networks)."""
    if not any(_is_network(m) for m in metrics.values()):
        return
    doc.heading("Network: per-node results", 3)
    networks = {
        _network_key(m["network"]): m["network"] for m in metrics.values() if _is_network(m)
    }
    _network_figures(doc, list(networks.values()), scenario, drawn)
    nodes = node_kpis(metrics)
    doc.table(_node_table(nodes))
    note = _aggregation_note(nodes)
    if note:
        doc.para(note)
    bullwhip = echelon_bullwhip(metrics)
    fig = draw_bullwhip(bullwhip, f"bullwhip across echelons — {scenario}")
    if fig is None:
        doc.para("Bullwhip: no values (the demand had no variance, or none was recorded).")
    else:
        doc.figure(_png(fig), "bullwhip ratio per echelon with 95% CI bars; dashed: 1")


def build_report(
    sweep_dir: str | Path, out_dir: str | Path | None = None, sample_skus: int = 3
) -> Path:
    """Write report.html, report.md and figures/ for the sweep; return the HTML path."""
    sweep_dir = Path(sweep_dir)
    out = Path(out_dir) if out_dir else sweep_dir
    table = collect(sweep_dir)  # a folder that is not there ends here, creating nothing
    fig_dir = out / "figures"
    fig_dir.mkdir(parents=True, exist_ok=True)
    ok = table[table.status == "ok"].copy()
    doc = _Doc(fig_dir)
    pooled_rows, pooled = pool_seeds(ok) if not ok.empty else (ok, {})
    network = None
    if pooled:
        network = (next(iter(pooled.values())).get("config") or {}).get("network") or {}
        network = network.get("name") if isinstance(network, dict) else None
    default = f"Stocklab benchmark report: {sweep_dir.name}"
    doc.heading(sweep_title(table, network, default), 1)
    doc.para(
        f"{describe(table)}. KPIs are means over replications with 95% confidence "
        "half-widths; costs are per period, summed over SKUs."
    )
    swept_seeds = _swept(table).get("seed")
    if swept_seeds and not pooled_rows.empty:
        reps = sorted(set(pooled_rows["replications"]))
        per_seed = reps[0] // len(swept_seeds) if len(reps) == 1 else None
        count = (
            f"{len(swept_seeds)} × {per_seed} = {reps[0]}"
            if per_seed and per_seed * len(swept_seeds) == reps[0]
            else ", ".join(str(r) for r in reps)
        )
        doc.para(
            f"seeds {', '.join(swept_seeds)} pooled as replications: {count} replications per "
            "configuration. Jobs that differ only in their seed are one configuration; paired "
            "differences pair replications within each seed (common random numbers)."
        )
    seeds = set()
    drawn: dict[str, str] = {}
    if not pooled_rows.empty and pooled_rows["scenario"].nunique() > 1:
        board, relative = leaderboard(pooled_rows, sorted(table["configuration"].unique()))
        doc.heading("Leaderboard")
        doc.para(
            "Configurations ranked by their mean rank on cost per period over the scenarios "
            "they ran in (1 = cheapest). Relative cost is cost divided by the cheapest "
            "configuration's cost in the same scenario, averaged geometrically. A dash in the "
            "table (n/a in the heat map) marks a scenario where the configuration failed or "
            "does not apply; those jobs are listed at the end."
        )
        doc.table(board)
        doc.figure(fig_leaderboard(relative), "relative cost per configuration and scenario")
        matrix = relative.reset_index().rename(columns={"index": "configuration"})
        doc.table(matrix)
    for scenario, df in pooled_rows.groupby("scenario", sort=True) if pooled else []:
        df = df.sort_values("cost_per_period").reset_index(drop=True)
        metrics = {c: pooled[(scenario, c)] for c in df["configuration"]}
        doc.heading(f"Scenario: {scenario}")
        doc.table(_kpi_table(df))
        explanation = explain_ranking(df)
        if explanation:
            doc.para(explanation)
        params = _parameters_table(metrics)
        if params is not None:
            doc.heading("Policy parameters in force", 3)
            doc.table(params)
        front = pareto_front(df["cost_per_period"].to_numpy(float), df["fill_rate"].to_numpy(float))
        doc.figure(
            fig_cost_vs_fill(df, f"cost vs fill rate — {scenario}"),
            "cost vs fill rate with 95% CI bars and Pareto front",
        )
        if len(front) == 1 and len(df) > 1:
            doc.para(
                f"No Pareto front to draw: {df['configuration'].iloc[front[0]]} is both "
                "cheapest and best served, so it dominates every other configuration."
            )
        doc.figure(
            fig_cost_breakdown(df, f"cost breakdown — {scenario}"),
            "cost breakdown per configuration",
        )
        doc.figure(
            fig_sku_fill(
                {
                    r["configuration"]: sku_fill_rates(r["paths"], metrics[r["configuration"]])
                    for _, r in df.iterrows()
                },
                f"fill rate across SKUs (demand-facing nodes) — {scenario}",
            ),
            "distribution of per-SKU fill rates per configuration",
        )
        doc.figure(
            fig_trajectories(df, sample_skus, f"sample SKUs, replication 0 — {scenario}"),
            "net stock and orders of sample SKUs",
        )
        doc.figure(
            fig_accuracy_vs_cost(df, f"forecast accuracy vs cost — {scenario}"),
            "forecast accuracy vs cost",
        )
        for m in metrics.values():
            seeds.update(m.get("seeds") or [m.get("seed")])
        _network_section(doc, metrics, scenario, drawn)
        per_rep = {
            c: {k: v.get("by_seed") or v["per_replication"] for k, v in m["kpis"].items()}
            for c, m in metrics.items()
        }
        pairs = pd.concat(
            [
                paired_differences(per_rep, "cost_per_period"),
                paired_differences(per_rep, "fill_rate"),
            ],
            ignore_index=True,
        )
        if not pairs.empty:
            doc.heading("Paired differences (A − B, common random numbers)", 3)
            doc.table(pairs)
            close = pairs[(pairs.kpi == "cost_per_period") & ~pairs.significant]
            if not close.empty:
                worst = close.sort_values("replications_needed", na_position="last").iloc[0]
                doc.para(
                    f"{len(close)} cost difference(s) are not significant at "
                    f"{int(worst['replications'])} replications; separating "
                    f"{worst['A']} from {worst['B']} would take about "
                    f"{_fmt(worst['replications_needed'])} replications."
                )
    bad = table[table.status != "ok"]
    if not bad.empty:
        doc.heading("Failed, missing and not applicable jobs")
        cols = [c for c in ("job", "status", "overrides", "error") if c in bad]
        doc.table(bad[cols])
    doc.heading("Reproduce")
    doc.code(_command(sweep_dir))
    doc.para("Seeds: " + ", ".join(str(s) for s in sorted(x for x in seeds if x is not None)))
    doc.code(json.dumps(_versions(), indent=2))
    (out / "report.md").write_text("\n".join(doc.md))
    page = (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>Stocklab report</title>"
        f"<style>{CSS}</style></head><body>{''.join(doc.html)}</body></html>"
    )
    html_path = out / "report.html"
    html_path.write_text(page)
    return html_path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Turn a sweep folder into report.html and report.md.")
    ap.add_argument("sweep_dir", type=Path)
    ap.add_argument(
        "--out", type=Path, default=None, help="output folder (default: the sweep folder)"
    )
    ap.add_argument("--skus", type=int, default=3, help="sample SKUs in the trajectory figure")
    args = ap.parse_args(argv)
    if not args.sweep_dir.is_dir():
        print(f"stocklab: error: sweep folder {args.sweep_dir} does not exist", file=sys.stderr)
        return 2
    try:
        path = build_report(args.sweep_dir, args.out, args.skus)
    except FileNotFoundError as exc:
        print(f"stocklab: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(
            f"stocklab: error: could not write the report: {exc.strerror or exc}", file=sys.stderr
        )
        return 1
    print(f"report: {path} and {path.with_suffix('.md')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
