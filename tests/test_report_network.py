"""The report's network section: per-node KPI table (aggregated by role for many stores),
a drawing of each distinct network and the bullwhip ratio per echelon; and nothing new for
metrics written before networks (no ``network``, ``nodes``, ``echelons`` keys).

The sweep folders are written by hand, as ``experiments.run -m`` lays them out (one
numbered folder per job with ``.hydra/overrides.yaml`` and ``metrics.json``), so these
tests run in seconds and do not depend on the engine.
"""

from __future__ import annotations

import base64
import io
import json
import math
import re
from html.parser import HTMLParser
from pathlib import Path

import matplotlib.image
import numpy as np
import pytest
import yaml
from scipy import stats

from experiments.network_plot import (
    EXTERNAL,
    draw_bullwhip,
    draw_network,
    echelons,
    edge_label,
    network_layout,
)
from experiments.report import build_report, echelon_bullwhip, node_kpis

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
SECTION = "Network: per-node results"
POLICIES = ("base_stock", "ss")
NODE_KPI_NAMES = (
    "cost_per_period",
    "holding_cost",
    "shortage_cost",
    "ordering_cost",
    "avg_on_hand",
    "avg_backorders",
    "avg_in_transit",
    "fill_rate",
    "orders_placed",
    "disrupted_periods",
    "bullwhip",
)


# ----------------------------------------------------------------------------- fixtures
def kpi(values: list[float | None]) -> dict:
    """A KPI record as ``sim.kpi.summarize`` writes it (null where a value is missing)."""
    v = np.array([np.nan if x is None else x for x in values], dtype=float)
    v = v[~np.isnan(v)]
    mean = float(v.mean()) if len(v) else None
    ci = None
    if len(v) > 1:
        ci = float(stats.t.ppf(0.975, len(v) - 1) * v.std(ddof=1) / math.sqrt(len(v)))
    return {"mean": mean, "ci95": ci, "per_replication": list(values)}


def distribution_network(n_stores: int, store_lead: float = 2.0) -> dict:
    """A warehouse (lead time 4 from the external supplier) feeding ``n_stores`` stores."""
    stores = [
        {
            "name": f"store{i}",
            "role": "store",
            "holding": 0.1,
            "demand_facing": True,
            "capacity": None,
            "echelon": 0,
        }
        for i in range(1, n_stores + 1)
    ]
    warehouse = {
        "name": "warehouse",
        "role": "warehouse",
        "holding": 0.05,
        "demand_facing": False,
        "capacity": None,
        "echelon": 1,
    }
    edges = [
        {
            "supplier": "warehouse",
            "customer": s["name"],
            "lead_time_mean": store_lead,
            "lead_time_std": 0.0,
            "capacity": None,
            "units": 1.0,
        }
        for s in stores
    ]
    edges.append(
        {
            "supplier": None,
            "customer": "warehouse",
            "lead_time_mean": 4.0,
            "lead_time_std": 0.0,
            "capacity": None,
            "units": 1.0,
        }
    )
    return {"nodes": [*stores, warehouse], "edges": edges}


def store_values(i: int, shift: float) -> dict[str, list[float | None]]:
    """Per-replication KPIs of store ``i`` (two replications); known, so sums can be checked."""
    cost = [1.0 + 0.01 * i + shift, 1.2 + 0.01 * i + shift]
    return {
        "cost_per_period": cost,
        "holding_cost": [c * 0.5 for c in cost],
        "shortage_cost": [c * 0.3 for c in cost],
        "ordering_cost": [c * 0.2 for c in cost],
        "avg_on_hand": [10.0 + i, 12.0 + i],
        "avg_backorders": [0.5, 0.7],
        "avg_in_transit": [20.0, 21.0],
        "fill_rate": [0.9 + 0.0005 * i, 0.92],
        "orders_placed": [30.0, 30.0],
        "disrupted_periods": [0.0, 0.0],
        # a store whose demand had no variance has no bullwhip ratio
        "bullwhip": [None, None] if i == 2 else [1.1 + shift, 1.3 + shift],
    }


def warehouse_values(shift: float) -> dict[str, list[float | None]]:
    values = store_values(0, shift)
    values["bullwhip"] = [2.0 + shift, 2.4 + shift]
    values["fill_rate"] = [0.97, 0.98]
    return values


def network_metrics(network: dict, shift: float = 0.0) -> dict:
    """A job's metrics.json with the network keys the engine writes."""
    raw = {n["name"]: store_values(i, shift) for i, n in enumerate(network["nodes"], start=1)}
    raw["warehouse"] = warehouse_values(shift)
    nodes = {name: {k: kpi(v) for k, v in values.items()} for name, values in raw.items()}
    facing = [n["name"] for n in network["nodes"] if n["demand_facing"]]
    total = {
        k: [sum(raw[n][k][r] for n in raw) for r in range(2)]
        for k in ("cost_per_period", "holding_cost", "shortage_cost", "ordering_cost")
    }
    kpis = {k: kpi(v) for k, v in total.items()}
    kpis["fill_rate"] = kpi(
        [float(np.mean([raw[s]["fill_rate"][r] for s in facing])) for r in (0, 1)]
    )
    return {
        "kpis": kpis,
        "seed": 0,
        "stocklab_version": "0.1.0",
        "network": network,
        "nodes": nodes,
        "echelons": {
            "0": {"bullwhip": kpi([1.1 + shift, 1.3 + shift])},
            "1": {"bullwhip": kpi([2.0 + shift, 2.4 + shift])},
        },
    }


def old_metrics(metrics: dict) -> dict:
    """The same job as written before networks: none of the new keys."""
    return {k: v for k, v in metrics.items() if k not in ("network", "nodes", "echelons")}


def write_sweep(root: Path, jobs: list[tuple[list[str], dict]]) -> Path:
    for number, (overrides, metrics) in enumerate(jobs):
        job = root / str(number)
        (job / ".hydra").mkdir(parents=True)
        (job / ".hydra" / "overrides.yaml").write_text(yaml.safe_dump(overrides))
        (job / "metrics.json").write_text(json.dumps(metrics))
    return root


class Page(HTMLParser):
    """Images (alt, src) and tables (rows of cell text) of report.html."""

    def __init__(self, text: str):
        super().__init__()
        self.images: list[tuple[str, str]] = []
        self.tables: list[list[list[str]]] = []
        self._cell: list[str] | None = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            a = dict(attrs)
            self.images.append((a["alt"], a["src"]))
        elif tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            self.tables[-1][-1].append("".join(self._cell))
            self._cell = None


def node_tables(page: Page) -> list[list[list[str]]]:
    return [
        t
        for t in page.tables
        if t and t[0][:5] == ["configuration", "node", "role", "echelon", "nodes"]
    ]


def assert_png(data: bytes) -> None:
    assert data[:8] == PNG_MAGIC
    image = matplotlib.image.imread(io.BytesIO(data), format="png")
    assert image.shape[0] > 50 and image.shape[1] > 50


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> tuple[Path, str, str]:
    """Three scenarios: 3 stores under two demands (one network, drawn once) and 100
    stores; two policies each."""
    root = tmp_path_factory.mktemp("network_sweep")
    three, hundred = distribution_network(3), distribution_network(100)
    jobs = []
    for scenario, network in (
        (["network=stores3", "demand=poisson"], three),
        (["network=stores3", "demand=negbin"], three),
        (["network=stores100", "demand=poisson"], hundred),
    ):
        for shift, policy in enumerate(POLICIES):
            jobs.append(([*scenario, f"policy={policy}"], network_metrics(network, 0.1 * shift)))
    write_sweep(root, jobs)
    html_path = build_report(root)
    return root, html_path.read_text(), (root / "report.md").read_text()


# ----------------------------------------------------------------------------- the report
def test_every_network_scenario_has_a_per_node_table_after_its_heading(report):
    _, page, md = report
    assert page.count(f"<h3>{SECTION}</h3>") == 3
    sections = re.split(r"^## Scenario: ", md, flags=re.M)[1:]
    assert len(sections) == 3
    for section in sections:
        assert f"### {SECTION}" in section
        heading = section.index(f"### {SECTION}")
        assert section.index("| configuration | node | role | echelon | nodes |") > heading


def test_small_networks_get_one_row_per_configuration_and_node(report):
    tables = node_tables(Page(report[1]))
    small = [t for t in tables if len(t) == 1 + 2 * 4]
    assert len(small) == 2  # the two 3-store scenarios
    for table in small:
        rows = table[1:]
        assert {(r[0].split("=")[-1], r[1]) for r in rows} == {
            (p, n) for p in POLICIES for n in ("warehouse", "store1", "store2", "store3")
        }
        assert [r[1] for r in rows[:4]] == ["warehouse", "store1", "store2", "store3"]
        assert all(r[4] == "1" for r in rows)
        header = table[0]
        for column in ("cost_per_period", "fill_rate", "bullwhip", "disrupted_periods"):
            assert column in header
        store2 = next(r for r in rows if r[1] == "store2")
        assert store2[header.index("bullwhip")] == "-"  # null bullwhip shows as a dash
        assert "±" in store2[header.index("cost_per_period")]


def test_many_stores_are_aggregated_by_role_and_the_report_says_so(report):
    _, page, md = report
    big = [t for t in node_tables(Page(page)) if len(t) == 1 + 2 * 2]
    assert len(big) == 1
    rows = big[0][1:]
    assert [(r[1], r[2], r[4]) for r in rows[:2]] == [
        ("warehouse", "warehouse", "1"),
        ("all 100 store nodes", "store", "100"),
    ]
    assert "store57" not in page
    note = [line for line in md.splitlines() if line.startswith("Aggregated by role")]
    assert len(note) == 1 and "store (100 nodes)" in note[0]


def test_one_drawing_per_distinct_network_and_a_bullwhip_figure_per_scenario(report):
    root, page, md = report
    images = Page(page).images
    drawings = [src for alt, src in images if alt.startswith("the network")]
    bullwhips = [src for alt, src in images if alt.startswith("bullwhip")]
    assert len(drawings) == 2 and len(bullwhips) == 3
    assert page.count("The network is drawn above, under scenario") == 1
    for src in drawings + bullwhips:
        assert src.startswith("data:image/png;base64,")
        assert_png(base64.b64decode(src.split(",", 1)[1]))
    names = re.findall(r"!\[(?:the network|bullwhip)[^\]]*\]\(figures/(figure_\d+\.png)\)", md)
    assert len(names) == 5
    for name in names:
        assert_png((root / "figures" / name).read_bytes())


def test_metrics_without_network_keys_report_as_before(tmp_path):
    three = distribution_network(3)
    warehouse = {**three["nodes"][-1], "demand_facing": True, "echelon": 0}
    single = {"nodes": [warehouse], "edges": three["edges"][-1:]}
    jobs = [
        (["network=stores3", f"policy={p}"], old_metrics(network_metrics(three))) for p in POLICIES
    ]
    jobs += [(["network=single", f"policy={p}"], network_metrics(single)) for p in POLICIES]
    html_path = build_report(write_sweep(tmp_path / "old", jobs), tmp_path / "out")
    page = html_path.read_text()
    md = (tmp_path / "out" / "report.md").read_text()
    assert page.count("<h2>Scenario: ") == 2
    assert SECTION not in page and SECTION not in md
    assert not node_tables(Page(page))
    assert not any(alt.startswith(("the network", "bullwhip")) for alt, _ in Page(page).images)


# ----------------------------------------------------------------------------- the parts
def test_role_aggregate_sums_costs_and_averages_the_rest_per_replication():
    metrics = {"policy=ss": network_metrics(distribution_network(8))}
    table = node_kpis(metrics, max_per_role=5)
    assert list(table["node"]) == ["warehouse", "all 8 store nodes"]
    stores = table.iloc[1]
    raw = [store_values(i, 0.0) for i in range(1, 9)]
    cost = np.array([[v["cost_per_period"][r] for v in raw] for r in (0, 1)]).sum(axis=1)
    assert stores["cost_per_period"] == pytest.approx(cost.mean())
    t = stats.t.ppf(0.975, 1)
    assert stores["cost_per_period_ci95"] == pytest.approx(t * cost.std(ddof=1) / math.sqrt(2))
    on_hand = np.array([[v["avg_on_hand"][r] for v in raw] for r in (0, 1)]).mean(axis=1)
    assert stores["avg_on_hand"] == pytest.approx(on_hand.mean())
    # store 2 has no bullwhip: the mean is over the seven stores that have one
    assert stores["bullwhip"] == pytest.approx(np.mean([1.1, 1.3]))
    assert stores["nodes"] == 8 and stores["echelon"] == 0
    assert table.iloc[0]["cost_per_period"] == pytest.approx(np.mean([1.0, 1.2]))
    assert len(node_kpis(metrics, max_per_role=8)) == 9


@pytest.mark.parametrize("n_stores", [3, 12, 13, 35, 100])
def test_layout_keeps_at_most_twelve_boxes_a_column(n_stores):
    layout = network_layout(distribution_network(n_stores))
    stores = [b for b in layout.boxes if b.echelon == 0]
    assert len(stores) == min(n_stores, 12)
    assert len([b for b in stores if not b.hidden]) + sum(b.hidden for b in stores) == n_stores
    assert all(b.demand_facing for b in stores)
    warehouse = layout.position["warehouse"]
    assert layout.position[EXTERNAL][0] < warehouse[0] < layout.position["store1"][0]
    labels = {(a.supplier, a.customer): a.label for a in layout.arrows}
    assert labels[(EXTERNAL, "warehouse")] == "L=4"
    if n_stores > 12:
        ellipsis = stores[-1]
        assert ellipsis.hidden == n_stores - 11
        assert ellipsis.label.startswith(f"… {n_stores - 11} more")
        assert labels[("warehouse", ellipsis.key)] == "L=2"
    assert len(layout.arrows) == len(stores) + 1


def test_edge_labels_show_spread_ranges_capacity_and_units():
    edge = {"lead_time_mean": 2.0, "lead_time_std": 0.5, "capacity": None, "units": 1.0}
    assert edge_label([edge]) == "L=2±0.5"
    assert edge_label([edge, {**edge, "lead_time_mean": 3.0}]) == "L=2–3"
    assert edge_label([{**edge, "lead_time_std": 0.0, "capacity": 50, "units": 2.0}]) == (
        "L=2, cap 50, ×2"
    )


def test_echelons_are_derived_where_not_recorded():
    network = distribution_network(2)
    for node in network["nodes"]:
        node["echelon"] = None
    assert echelons(network) == {"store1": 0, "store2": 0, "warehouse": 1}


def test_assembly_network_draws():
    """Two component plants feed one assembly plant (2 units of one per product)."""
    network = {
        "nodes": [
            {"name": "assembly", "role": "plant", "demand_facing": True, "echelon": 0},
            {"name": "part_a", "role": "supplier", "demand_facing": False, "echelon": 1},
            {"name": "part_b", "role": "supplier", "demand_facing": False, "echelon": 1},
        ],
        "edges": [
            {"supplier": "part_a", "customer": "assembly", "lead_time_mean": 1.0, "units": 2.0},
            {"supplier": "part_b", "customer": "assembly", "lead_time_mean": 3.0, "units": 1.0},
            {"supplier": None, "customer": "part_a", "lead_time_mean": 5.0},
            {"supplier": None, "customer": "part_b", "lead_time_mean": 5.0},
        ],
    }
    layout = network_layout(network)
    assert {a.label for a in layout.arrows} == {"L=1, ×2", "L=3", "L=5"}
    buf = io.BytesIO()
    draw_network(layout, "assembly").savefig(buf, format="png")
    assert_png(buf.getvalue())


def test_bullwhip_figure_has_a_dashed_line_at_one_and_skips_nulls():
    metrics = {"policy=ss": network_metrics(distribution_network(3))}
    metrics["policy=ss"]["echelons"]["1"]["bullwhip"] = kpi([None, None])
    data = echelon_bullwhip(metrics)
    assert list(data["echelon"]) == [0, 1] and np.isnan(data["mean"].iloc[1])
    fig = draw_bullwhip(data, "bullwhip")
    ax = fig.axes[0]
    assert any(
        line.get_linestyle() == "--" and list(line.get_ydata()) == [1.0, 1.0]
        for line in ax.get_lines()
    )
    assert draw_bullwhip(data.iloc[1:], "none") is None
