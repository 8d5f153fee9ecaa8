"""Networks from the command line: outputs per node, and one-line errors for bad networks."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from sim.kpi import NODE_KPI_NAMES
from tests.conftest import run_cli

pytestmark = pytest.mark.cli
QUICK = ["horizon=40", "warmup=5", "replications=2", "n_skus=3"]
GRAPH = [
    "network=graph",
    "network.nodes=[{name:dc},{name:a,demand:true},{name:b,demand:true}]",
]


def test_distribution_run_writes_nodes_network_and_echelons(tmp_path):
    proc = run_cli(
        ["network=distribution", "network.stores=3", "disruption=store_edge", *QUICK]
        + ["trace_skus=2", f"hydra.run.dir={tmp_path}"]
    )
    assert proc.returncode == 0, proc.stderr
    assert "warehouse" in proc.stdout and "bullwhip" in proc.stdout  # the per-node table
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert list(metrics["nodes"]) == ["store1", "store2", "store3", "warehouse"]
    for kpis in metrics["nodes"].values():
        assert set(kpis) == set(NODE_KPI_NAMES)
        assert len(kpis["cost_per_period"]["per_replication"]) == 2
    total = sum(k["cost_per_period"]["mean"] for k in metrics["nodes"].values())
    assert total == pytest.approx(metrics["kpis"]["cost_per_period"]["mean"], rel=1e-9)
    assert set(metrics["echelons"]) == {"0", "1"}
    edges = {(e["supplier"], e["customer"]) for e in metrics["network"]["edges"]}
    assert (None, "warehouse") in edges and ("warehouse", "store2") in edges
    # store_edge: outages of warehouse -> store1 only, in the trace and the KPIs
    assert metrics["nodes"]["store1"]["disrupted_periods"]["mean"] > 0
    assert metrics["nodes"]["store2"]["disrupted_periods"]["mean"] == 0
    trace = pd.read_parquet(tmp_path / "trace.parquet")
    assert set(trace["node"]) == {"store1", "store2", "store3", "warehouse"}
    assert trace.loc[trace["node"] == "store1", "disrupted"].sum() > 0


@pytest.mark.parametrize(
    ("overrides", "needles"),
    [
        (
            [
                *GRAPH,
                "network.edges=[{customer:dc,lead_time:1},{supplier:dc,customer:a,lead_time:1},"
                "{supplier:a,customer:b,lead_time:1},{supplier:b,customer:a,lead_time:1}]",
            ],
            ["cycle", "a -> b -> a"],
        ),
        (
            [
                *GRAPH,
                "network.edges=[{customer:dc,lead_time:1},{supplier:dc,customer:c,lead_time:1}]",
            ],
            ["network.edges[1].customer", "'c'"],
        ),
        (
            [
                *GRAPH,
                "network.edges=[{customer:dc,lead_time:1},{supplier:dc,customer:a,lead_time:1}]",
            ],
            ["network.nodes", "'b'", "no supplier reaches"],
        ),
        (
            [
                "network=graph",
                "network.nodes=[{name:dc},{name:a}]",
                "network.edges=[{customer:dc,lead_time:1},{supplier:dc,customer:a,lead_time:1}]",
            ],
            ["no node faces customer demand"],
        ),
        (
            [
                *GRAPH,
                "network.edges=[{customer:dc,lead_time:1},{supplier:dc,customer:a,lead_time:1,"
                "units:2},{supplier:dc,customer:b,lead_time:1}]",
            ],
            ["network.edges[1].units", "2", "one supplier"],
        ),
        (["network=distribution", "network.allocation=lifo"], ["network.allocation", "lifo"]),
        (
            ["network=distribution", "policy=base_stock", "policy.level={store11:3}"],
            ["policy.level.store11", "3", "no node or role"],
        ),
        (["network=distribution", "network.store_capacity=-1"], ["network.store_capacity", "-1"]),
        (
            [
                *GRAPH,
                "network.edges=[{customer:dc,lead_time:1,capacity:-5},"
                "{supplier:dc,customer:a,lead_time:1},{supplier:dc,customer:b,lead_time:1}]",
            ],
            ["network.edges[0].capacity", "-5"],
        ),
        (
            [
                "network=distribution",
                "disruption=supplier_outage",
                "disruption.outages.0.probability=1.5",
            ],
            ["probability", "1.5", "[0, 1]"],
        ),
        (
            ["network=distribution", "disruption=store_edge", "disruption.outages.0.target=x->y"],
            ["target", "x->y"],
        ),
        (["network=graph", "network.file=/nonexistent/net.yaml"], ["network.file", "nonexistent"]),
        (["network=distribution", "network.stores=0"], ["network.stores", "0"]),
    ],
)
def test_bad_network_gives_one_clear_line(overrides, needles, tmp_path):
    proc = run_cli([*QUICK, *overrides, f"hydra.run.dir={tmp_path}"])
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    lines = [ln for ln in proc.stderr.strip().splitlines() if ln.strip()]
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
