"""Drawings for the benchmark report's network section: the supply network and the
bullwhip ratio across echelons.

A network arrives as the ``network`` record of a job's ``metrics.json``: ``nodes`` (name,
role, holding, demand_facing, capacity, echelon) and ``edges`` (supplier, customer,
lead_time_mean, lead_time_std, capacity, units; ``supplier`` None = the external supplier).
Echelon 0 holds the nodes with nothing downstream, echelon 1 their suppliers, and so on.

:func:`network_layout` is pure: it places nodes in one column per echelon, upstream on the
left and the external supplier left of all. Columns are placed from upstream down, each
ordered by the mean row of its nodes' suppliers (the barycentre heuristic of Sugiyama,
Tagawa & Toda (1981)) so that arrows cross little; a column of more than ``max_shown``
nodes shows its first ``max_shown - 1`` and one ellipsis box "… N more".
:func:`draw_network` and :func:`draw_bullwhip` turn data into matplotlib figures and
nothing else.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import islice, zip_longest
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

__all__ = [
    "MAX_SHOWN",
    "Arrow",
    "Box",
    "Layout",
    "draw_bullwhip",
    "draw_network",
    "echelons",
    "edge_label",
    "network_layout",
]

#: The most boxes a column of the drawing holds (an ellipsis box included).
MAX_SHOWN = 12
#: Key of the external supplier in a layout's positions and arrows.
EXTERNAL = "(external supplier)"
ROLE_COLORS = {"store": "#cfe8ff", "warehouse": "#ffe0b0", "plant": "#d8f0cf"}
OTHER_COLORS = ("#eadcf5", "#f9d5d5", "#e6e6c8", "#d5eeee")
DEMAND_COLOR = "tab:orange"
MARKERS = "osD^vP*X"


@dataclass(frozen=True)
class Box:
    """A drawn node: a node of the network, or an ellipsis standing for ``hidden`` nodes."""

    key: str
    label: str
    role: str
    echelon: int
    demand_facing: bool
    hidden: int = 0


@dataclass(frozen=True)
class Arrow:
    """A drawn edge between two boxes (``EXTERNAL`` for the external supplier)."""

    supplier: str
    customer: str
    label: str


@dataclass(frozen=True)
class Layout:
    boxes: tuple[Box, ...]
    position: dict[str, tuple[float, float]]
    arrows: tuple[Arrow, ...]


# ----------------------------------------------------------------------------- layout
def echelons(network: dict[str, Any]) -> dict[str, int]:
    """Each node's echelon: as recorded, or else 0 with nothing downstream, else one more
    than its highest customer."""
    nodes = network["nodes"]
    customers: dict[str, list[str]] = {n["name"]: [] for n in nodes}
    for e in network["edges"]:
        if e.get("supplier") is not None:
            customers[e["supplier"]].append(e["customer"])
    found: dict[str, int] = {n["name"]: n["echelon"] for n in nodes if n.get("echelon") is not None}

    def level(name: str, seen: frozenset[str] = frozenset()) -> int:
        if name not in found:
            below = [level(c, seen | {name}) for c in customers[name] if c not in seen]
            found[name] = 1 + max(below) if below else 0
        return found[name]

    return {n["name"]: level(n["name"]) for n in nodes}


def _fmt_number(x: float) -> str:
    return f"{x:g}"


def edge_label(edges: Sequence[dict[str, Any]]) -> str:
    """Lead time of one or several edges drawn as one arrow: ``L=2``, ``L=2±0.5`` (mean ±
    standard deviation) or ``L=2–4`` where they differ; plus capacity and units per
    order (bill of materials) where set and shared."""
    spans = {(e["lead_time_mean"], e.get("lead_time_std") or 0.0) for e in edges}
    if len(spans) == 1:
        mean, std = next(iter(spans))
        label = f"L={_fmt_number(mean)}" + (f"±{_fmt_number(std)}" if std else "")
    else:
        means = [m for m, _ in spans]
        label = f"L={_fmt_number(min(means))}–{_fmt_number(max(means))}"
    capacities = {e.get("capacity") for e in edges}
    if len(capacities) == 1 and None not in capacities:
        label += f", cap {_fmt_number(next(iter(capacities)))}"
    units = {e.get("units", 1.0) for e in edges}
    if len(units) == 1 and next(iter(units)) not in (None, 1, 1.0):
        label += f", ×{_fmt_number(next(iter(units)))}"
    return label


def _barycentre(name: str, suppliers: dict[str, list[str]], row: dict[str, float]) -> float:
    """Mean row of a node's placed suppliers (infinity when none is placed)."""
    rows = [row[s] for s in suppliers.get(name, []) if s in row]
    return float(np.mean(rows)) if rows else float("inf")


def _column(
    names: list[str], suppliers: dict[str, list[str]], row: dict[str, float], max_shown: int
) -> tuple[list[str], list[str]]:
    """The names shown in a column, ordered by barycentre, and those folded into its
    ellipsis box. Where some must fold, the shown ones are taken in turn from each group
    of nodes sharing suppliers, so that every supplier keeps some drawn customers."""
    centre = {name: _barycentre(name, suppliers, row) for name in names}
    ordered = sorted(names, key=centre.__getitem__)  # stable: network order within a tie
    if len(ordered) <= max_shown:
        return ordered, []
    groups: dict[float, list[str]] = {}
    for name in ordered:
        groups.setdefault(centre[name], []).append(name)
    in_turn = (n for tier in zip_longest(*groups.values()) for n in tier if n is not None)
    picked = set(islice(in_turn, max_shown - 1))
    return [n for n in ordered if n in picked], [n for n in ordered if n not in picked]


def network_layout(network: dict[str, Any], max_shown: int = MAX_SHOWN) -> Layout:
    """Boxes, their positions (x = column, upstream left; y = row, top down) and arrows."""
    nodes = {n["name"]: n for n in network["nodes"]}
    level = echelons(network)
    top = max(level.values(), default=0)
    shown_as: dict[str, str] = {}  # node name -> key of the box that draws it
    suppliers: dict[str, list[str]] = {}
    for e in network["edges"]:
        suppliers.setdefault(e["customer"], []).append(e["supplier"] or EXTERNAL)
    boxes: list[Box] = []
    position: dict[str, tuple[float, float]] = {}
    row: dict[str, float] = {EXTERNAL: 0.0}
    for echelon in range(top, -1, -1):
        members = [name for name in nodes if level[name] == echelon]
        shown, folded = _column(members, suppliers, row, max_shown)
        column = [_box(nodes[name], echelon) for name in shown]
        if folded:
            column.append(_ellipsis(folded, nodes, echelon))
        x = float(top - echelon + 1)
        for i, box in enumerate(column):
            row[box.key] = i - (len(column) - 1) / 2
            position[box.key] = (x, -row[box.key])
        shown_as.update({name: name for name in shown})
        shown_as.update({name: column[-1].key for name in folded})
        row.update({name: row[shown_as[name]] for name in members})
        boxes.extend(column)
    if any(e["supplier"] is None for e in network["edges"]):
        position[EXTERNAL] = (0.0, 0.0)
    boxes.sort(key=lambda b: b.echelon)
    return Layout(tuple(boxes), position, _arrows(network["edges"], shown_as))


def _box(node: dict[str, Any], echelon: int) -> Box:
    return Box(
        node["name"],
        node["name"],
        node.get("role") or "node",
        echelon,
        bool(node.get("demand_facing")),
    )


def _ellipsis(folded: list[str], nodes: dict[str, dict[str, Any]], echelon: int) -> Box:
    roles = sorted({nodes[n].get("role") or "node" for n in folded})
    return Box(
        f"… echelon {echelon}",
        f"… {len(folded)} more\n({', '.join(roles)})",
        roles[0] if len(roles) == 1 else "node",
        echelon,
        any(nodes[n].get("demand_facing") for n in folded),
        hidden=len(folded),
    )


def _arrows(edges: list[dict[str, Any]], shown_as: dict[str, str]) -> tuple[Arrow, ...]:
    """One arrow per pair of boxes, labelled with the lead times of the edges it draws."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for e in edges:
        supplier = EXTERNAL if e["supplier"] is None else shown_as[e["supplier"]]
        groups.setdefault((supplier, shown_as[e["customer"]]), []).append(e)
    return tuple(Arrow(s, c, edge_label(group)) for (s, c), group in groups.items())


# ----------------------------------------------------------------------------- drawing
def _role_colors(boxes: Sequence[Box]) -> dict[str, str]:
    others = iter(OTHER_COLORS * (1 + len(boxes) // len(OTHER_COLORS)))
    roles = dict.fromkeys(b.role for b in boxes)
    return {r: ROLE_COLORS.get(r) or next(others) for r in roles}


def draw_network(layout: Layout, title: str) -> Figure:
    """Boxes per node (colour = role; orange frame and arrow = faces customer demand),
    arrows labelled with lead times, the external supplier as a grey saw-toothed box."""
    xs = [x for x, _ in layout.position.values()]
    ys = [y for _, y in layout.position.values()]
    width = 2.4 * (max(xs) - min(xs) + 1) + 1.2
    height = 0.55 * (max(ys) - min(ys) + 1) + 1.2
    fig, ax = plt.subplots(figsize=(width, height))
    colors = _role_colors(layout.boxes)
    artists = {
        b.key: _draw_box(ax, b, layout.position[b.key], colors[b.role]) for b in layout.boxes
    }
    if EXTERNAL in layout.position:
        artists[EXTERNAL] = ax.text(
            *layout.position[EXTERNAL],
            "external\nsupplier",
            ha="center",
            va="center",
            fontsize=8,
            bbox={"boxstyle": "sawtooth,pad=0.4", "fc": "0.85", "ec": "0.4"},
        )
    inbound = Counter(arrow.customer for arrow in layout.arrows)
    for arrow in layout.arrows:
        # fanning out: label near the customer; converging on one box: near the supplier
        along = 0.3 if inbound[arrow.customer] > 1 else 0.7
        _draw_arrow(ax, arrow, layout.position, artists, along)
    ax.set_xlim(min(xs) - 0.5, max(xs) + 0.7)
    ax.set_ylim(min(ys) - 0.6, max(ys) + 0.6)
    ax.axis("off")
    ax.set_title(title, fontsize=9)
    handles = [Patch(fc=c, ec="0.3", label=r) for r, c in colors.items()]
    handles.append(Patch(fc="white", ec=DEMAND_COLOR, lw=2, label="faces demand"))
    ax.legend(handles=handles, fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return fig


def _draw_box(ax, box: Box, at: tuple[float, float], color: str):
    frame = {"boxstyle": "round,pad=0.35", "fc": color, "ec": "0.3", "lw": 1.0}
    if box.demand_facing:
        frame.update(ec=DEMAND_COLOR, lw=2.0)
    if box.hidden:
        frame.update(ls="--")
    text = ax.text(*at, box.label, ha="center", va="center", fontsize=8, bbox=frame)
    if box.demand_facing:
        ax.annotate(
            "demand",
            xy=(1.0, 0.5),
            xycoords=text,
            xytext=(22, 0),
            textcoords="offset points",
            va="center",
            fontsize=6,
            color=DEMAND_COLOR,
            arrowprops={"arrowstyle": "<|-", "color": DEMAND_COLOR, "shrinkA": 1, "shrinkB": 2},
        )
    return text


def _draw_arrow(
    ax, arrow: Arrow, position: dict[str, tuple[float, float]], artists, along: float
) -> None:
    """An arrow between two boxes, its label ``along`` the way from supplier to customer."""
    ax.annotate(
        "",
        xy=(0.0, 0.5),
        xycoords=artists[arrow.customer],
        xytext=(1.0, 0.5),
        textcoords=artists[arrow.supplier],
        arrowprops={"arrowstyle": "-|>", "color": "0.35", "shrinkA": 4, "shrinkB": 4},
    )
    (x0, y0), (x1, y1) = position[arrow.supplier], position[arrow.customer]
    ax.text(
        x0 + along * (x1 - x0),
        y0 + along * (y1 - y0),
        arrow.label,
        ha="center",
        va="center",
        fontsize=6.5,
        color="0.2",
        bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.85},
    )


def draw_bullwhip(bullwhip: pd.DataFrame, title: str) -> Figure | None:
    """Bullwhip ratio (variance of orders over variance of demand) per echelon: one line
    per configuration with 95% CI bars, and a dashed line at 1 (no amplification).

    ``bullwhip``: columns ``configuration``, ``echelon``, ``mean``, ``ci95``."""
    data = bullwhip.dropna(subset=["mean"])
    if data.empty:
        return None
    configurations = list(dict.fromkeys(data["configuration"]))
    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    dodge = 0.06 * (np.arange(len(configurations)) - (len(configurations) - 1) / 2)
    for i, configuration in enumerate(configurations):
        d = data[data["configuration"] == configuration].sort_values("echelon")
        ax.errorbar(
            d["echelon"].to_numpy(float) + dodge[i],
            d["mean"].to_numpy(float),
            yerr=d["ci95"].to_numpy(float, na_value=0.0),
            fmt="-" + MARKERS[i % len(MARKERS)],
            capsize=3,
            lw=1,
            label=configuration,
        )
    ax.axhline(1.0, ls="--", color="0.4", lw=1, label="no amplification")
    ax.set_xticks(sorted(data["echelon"].unique()))
    ax.set_xlabel("echelon (0 = facing demand; higher = further upstream)")
    ax.set_ylabel("bullwhip ratio  Var(orders) / Var(demand)")
    ax.set_title(title, fontsize=9)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    return fig
