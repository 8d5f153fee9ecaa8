"""Compiling networks into arrays (:func:`sim.network.compile_topology`): node and edge
order, the ``content`` matrix of echelon positions, echelon ranges, and the errors a bad
network gives (each names the key and the value)."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from sim import leadtime as lt
from sim.allocation import Priority
from sim.network import (
    Assembly,
    Costs,
    Distribution,
    Edge,
    Graph,
    Node,
    Serial,
    Single,
    compile_topology,
)


def graph(nodes, edges, **kwargs):
    """A built Graph network from compact specs."""
    net = Graph(nodes=nodes, edges=edges, **kwargs)
    net.build(Costs())
    return net


def node(name, **kw):
    return {"name": name, **kw}


def edge(supplier, customer, lead_time=1, **kw):
    return {"supplier": supplier, "customer": customer, "lead_time": lead_time, **kw}


# Raw material feeds component A; A (2 per kit) and B (3 per kit) are assembled into the
# product, which ships to the one store where customers buy.
ASSEMBLY_NODES = [
    node("raw"),
    node("compA"),
    node("compB"),
    node("product"),
    node("store", demand=True),
]
ASSEMBLY_EDGES = [
    edge("external", "raw"),
    edge("raw", "compA"),
    edge("external", "compB"),
    edge("compA", "product", units=2),
    edge("compB", "product", units=3),
    edge("product", "store"),
]


# --------------------------------------------------------------------------- compilation


def test_single_is_one_node_fed_externally():
    net = Single(lead_time=2)
    net.build(Costs())
    top = net.topology
    assert top.names == ("store",)
    np.testing.assert_array_equal(top.supplier, [-1])
    np.testing.assert_array_equal(top.customer, [0])
    np.testing.assert_array_equal(top.content, [[1.0]])
    np.testing.assert_array_equal(top.demand_nodes, [0])
    assert top.echelon_ranges == [(0, 1)]


def test_serial_nodes_run_downstream_first():
    net = Serial(stages=3)
    net.build(Costs())
    top = net.topology
    assert top.names == ("stage1", "stage2", "stage3")
    np.testing.assert_array_equal(top.echelon, [0, 1, 2])
    np.testing.assert_array_equal(top.customer, [0, 1, 2])
    np.testing.assert_array_equal(top.supplier, [1, 2, -1])
    # content[i, j]: units of item i in a unit held at j, nonzero where j is at or below i
    np.testing.assert_array_equal(top.content, [[1, 0, 0], [1, 1, 0], [1, 1, 1]])
    np.testing.assert_array_equal(top.below, top.content > 0)
    np.testing.assert_array_equal(top.demand_nodes, [0])
    assert top.echelon_ranges == [(0, 1), (1, 2), (2, 3)]
    assert [e.tolist() for e in top.inbound] == [[0], [1], [2]]
    assert [e.tolist() for e in top.outbound] == [[], [0], [1]]


def test_distribution_lists_stores_before_the_warehouse():
    net = Distribution(stores=3)
    net.build(Costs())
    top = net.topology
    assert top.names == ("store1", "store2", "store3", "warehouse")
    assert top.roles == ("store", "store", "store", "warehouse")
    np.testing.assert_array_equal(top.echelon, [0, 0, 0, 1])
    np.testing.assert_array_equal(top.customer, [0, 1, 2, 3])  # edges by customer
    np.testing.assert_array_equal(top.supplier, [3, 3, 3, -1])
    expected = np.eye(4)
    expected[3] = 1.0  # the warehouse's item is in every store
    np.testing.assert_array_equal(top.content, expected)
    np.testing.assert_array_equal(top.demand_nodes, [0, 1, 2])
    assert top.echelon_ranges == [(0, 3), (3, 4)]
    assert top.outbound[3].tolist() == [0, 1, 2]
    assert [ed.name for ed in net.edges] == [
        "warehouse->store1",
        "warehouse->store2",
        "warehouse->store3",
        "external->warehouse",
    ]


def test_assembly_shape_with_units():
    net = Assembly(components=2, units=[2, 3])
    net.build(Costs())
    top = net.topology
    assert top.names == ("product", "component1", "component2")
    np.testing.assert_array_equal(top.customer, [0, 0, 1, 2])
    np.testing.assert_array_equal(top.supplier, [1, 2, -1, -1])
    np.testing.assert_array_equal(top.units, [2, 3, 1, 1])
    np.testing.assert_array_equal(top.content, [[1, 0, 0], [2, 1, 0], [3, 0, 1]])
    assert top.inbound[0].tolist() == [0, 1]


def test_graph_with_assembly_units_two_and_three():
    net = graph(ASSEMBLY_NODES, ASSEMBLY_EDGES)
    top = net.topology
    assert top.names == ("store", "product", "compA", "compB", "raw")
    np.testing.assert_array_equal(top.echelon, [0, 1, 2, 2, 3])
    assert top.echelon_ranges == [(0, 1), (1, 2), (2, 4), (4, 5)]
    # edges sorted by customer, then supplier (external first)
    assert [ed.name for ed in net.edges] == [
        "product->store",
        "compA->product",
        "compB->product",
        "raw->compA",
        "external->compB",
        "external->raw",
    ]
    np.testing.assert_array_equal(top.customer, [0, 1, 1, 2, 3, 4])
    np.testing.assert_array_equal(top.supplier, [1, 2, 3, 4, -1, -1])
    np.testing.assert_array_equal(top.units, [1, 2, 3, 1, 1, 1])
    #                         store product compA compB raw
    expected = np.array(
        [
            [1, 0, 0, 0, 0],  # store
            [1, 1, 0, 0, 0],  # product
            [2, 2, 1, 0, 0],  # compA: two per product
            [3, 3, 0, 1, 0],  # compB: three per product
            [2, 2, 1, 0, 1],  # raw: one per compA
        ],
        dtype=float,
    )
    np.testing.assert_array_equal(top.content, expected)
    np.testing.assert_array_equal(top.demand_nodes, [0])
    assert [e.tolist() for e in top.inbound] == [[0], [1, 2], [3], [4], [5]]
    assert [e.tolist() for e in top.outbound] == [[], [0], [1], [2], [3]]
    assert net.lead_time_stream(1) == "compA->product"  # several suppliers: the edge
    assert net.lead_time_stream(0) == "store"  # one supplier: the customer


def test_content_multiplies_units_along_paths_and_adds_over_paths():
    # a diamond: top supplies left and right (units 1 each), both assembled into bottom
    # with units 2 and 3; top's content in bottom is 2 + 3
    net = graph(
        [node("top"), node("left"), node("right"), node("bottom", demand=True)],
        [
            edge("external", "top"),
            edge("top", "left"),
            edge("top", "right"),
            edge("left", "bottom", units=2),
            edge("right", "bottom", units=3),
        ],
    )
    top = net.topology
    assert top.names == ("bottom", "left", "right", "top")
    np.testing.assert_array_equal(top.content[:, 0], [1, 2, 3, 5])


def test_nodes_of_one_echelon_keep_their_listed_order():
    net = graph(
        [node("dc"), node("zeta", demand=True), node("alpha", demand=True), node("mid")],
        [
            edge("external", "dc"),
            edge("dc", "mid"),
            edge("mid", "zeta"),
            edge("dc", "alpha"),
        ],
    )
    assert net.topology.names == ("zeta", "alpha", "mid", "dc")
    np.testing.assert_array_equal(net.topology.echelon, [0, 0, 1, 2])
    assert net.topology.echelon_ranges == [(0, 2), (2, 3), (3, 4)]


def test_compile_topology_reorders_its_lists_in_place():
    nodes = [Node("dc", 1.0), Node("shop", 1.0, demand_facing=True)]
    edges = [
        Edge(None, "dc", lt.Deterministic(value=1)),
        Edge("dc", "shop", lt.Deterministic(value=1)),
    ]
    top = compile_topology(nodes, edges)
    assert [nd.name for nd in nodes] == list(top.names) == ["shop", "dc"]
    assert [ed.name for ed in edges] == ["dc->shop", "external->dc"]
    assert top.index("dc") == 1


def test_graph_holding_defaults_to_costs_and_roles_to_names():
    net = Graph(
        nodes=[node("dc", holding=0.5, role="hub"), node("shop", demand=True)],
        edges=[edge("external", "dc"), edge("dc", "shop")],
    )
    net.build(Costs(holding=2.0))
    assert [(nd.name, nd.holding, nd.role) for nd in net.nodes] == [
        ("shop", 2.0, "shop"),
        ("dc", 0.5, "hub"),
    ]


def test_a_demand_facing_supplier_is_allowed():
    net = graph(
        [node("dc", demand=True), node("shop", demand=True)],
        [edge("external", "dc"), edge("dc", "shop")],
    )
    np.testing.assert_array_equal(net.topology.demand_nodes, [0, 1])


# --------------------------------------------------------------------------- Graph(file=)


def test_graph_reads_a_yaml_file(tmp_path):
    spec = {"nodes": ASSEMBLY_NODES, "edges": ASSEMBLY_EDGES}
    path = tmp_path / "net.yaml"
    path.write_text(yaml.safe_dump(spec))
    net = Graph(file=str(path))
    net.build(Costs())
    inline = graph(ASSEMBLY_NODES, ASSEMBLY_EDGES)
    assert net.topology.names == inline.topology.names
    np.testing.assert_array_equal(net.topology.content, inline.topology.content)


def test_graph_file_may_wrap_the_network_and_replaces_inline_specs(tmp_path):
    path = tmp_path / "net.yaml"
    path.write_text(
        yaml.safe_dump(
            {"network": {"nodes": [node("a", demand=True)], "edges": [edge("external", "a", 3)]}}
        )
    )
    net = Graph(file=str(path), nodes=ASSEMBLY_NODES, edges=ASSEMBLY_EDGES)
    net.build(Costs())
    assert net.topology.names == ("a",)
    assert net.edges[0].lead_time.constant == 3


# --------------------------------------------------------------------------- errors

SHOP = [node("dc"), node("shop", demand=True)]
SHOP_EDGES = [edge("external", "dc"), edge("dc", "shop")]


@pytest.mark.parametrize(
    ("nodes", "edges", "message"),
    [
        (
            [node("a", demand=True), node("b"), node("c")],
            [edge("external", "a"), edge("a", "b"), edge("b", "c"), edge("c", "a")],
            r"network\.edges form a cycle \((a -> b -> c -> a|b -> c -> a -> b|c -> a -> b -> c)\)",
        ),
        (
            [node("a", demand=True)],
            [edge("external", "a"), edge("a", "a")],
            r"network\.edges\[1\]\(a->a\) is a cycle",
        ),
        (
            SHOP,
            [edge("external", "dc"), edge("depot", "shop")],
            r"network\.edges\[1\]\.supplier\(='depot'\) names no node; nodes: dc, shop",
        ),
        (
            SHOP,
            [edge("external", "dc"), edge("dc", "store")],
            r"network\.edges\[1\]\.customer\(='store'\) names no node",
        ),
        (
            [*SHOP, node("orphan")],
            SHOP_EDGES,
            r"network\.nodes\[2\]\.name\(='orphan'\): no supplier reaches this node",
        ),
        (
            [node("a"), node("b", demand=True)],
            [edge("a", "b")],  # a has no supply at all: neither does b
            r"network\.nodes\[0\]\.name\(='a'\): no supplier reaches",
        ),
        (
            [node("dc"), node("shop")],
            SHOP_EDGES,
            r"network: no node faces customer demand; mark one with demand: true",
        ),
        (
            SHOP,
            [edge("external", "dc"), edge("dc", "shop", units=2)],
            r"network\.edges\[1\]\.units\(=2\): a bill of materials needs an assembly node, "
            r"but 'shop' has one supplier",
        ),
        (
            SHOP,
            [edge("external", "dc"), edge("dc", "shop", units=0)],
            r"network\.edges\[1\]\.units\(=0\) must be > 0",
        ),
        (
            SHOP,
            [edge("external", "dc"), edge("dc", "shop", capacity=-1)],
            r"network\.edges\[1\]\.capacity\(=-1\) must be >= 0",
        ),
        (
            [node("dc", capacity=-2.5), node("shop", demand=True)],
            SHOP_EDGES,
            r"network\.nodes\[0\]\.capacity\(=-2\.5\) must be >= 0",
        ),
        (
            [node("dc"), node("shop", demand=True), node("dc")],
            SHOP_EDGES,
            r"network\.nodes\[[02]\]\.name\(='dc'\) is used twice",
        ),
        (
            [node("external"), node("shop", demand=True)],
            [edge("external", "shop")],
            r"network\.nodes\[0\]\.name\(='external'\) must be a non-empty name other than",
        ),
        (
            SHOP,
            [*SHOP_EDGES, edge("dc", "shop")],
            r"network\.edges\[2\]\(dc->shop\) is listed twice",
        ),
        (
            [node("dc"), node("shop", demand=True, demand_weight=0)],
            SHOP_EDGES,
            r"network\.nodes\[1\]\.demand_weight\(=0\) must be > 0",
        ),
        (
            [node("dc", holding=-1), node("shop", demand=True)],
            SHOP_EDGES,
            r"network\.nodes\[0\]\.holding\(=-1\) must be >= 0",
        ),
    ],
    ids=[
        "cycle",
        "self-loop",
        "unknown-supplier",
        "unknown-customer",
        "unreached-node",
        "no-external-supply",
        "no-demand",
        "units-on-one-supplier",
        "zero-units",
        "negative-edge-capacity",
        "negative-node-capacity",
        "duplicate-name",
        "node-named-external",
        "duplicate-edge",
        "zero-demand-weight",
        "negative-holding",
    ],
)
def test_bad_network_is_rejected_naming_key_and_value(nodes, edges, message):
    with pytest.raises(ValueError, match=message):
        graph(nodes, edges)


@pytest.mark.parametrize(
    ("nodes", "edges", "message"),
    [
        (
            [{"name": "dc", "colour": "red"}, node("shop", demand=True)],
            SHOP_EDGES,
            r"network\.nodes\[0\]\.colour: unknown key; expected one of \['name'",
        ),
        (
            SHOP,
            [edge("external", "dc"), {**edge("dc", "shop"), "cost": 1}],
            r"network\.edges\[1\]\.cost: unknown key; expected one of \['supplier'",
        ),
        (SHOP, [edge("external", "dc"), "dc->shop"], r"network\.edges\[1\]\(='dc->shop'\)"),
        ([{"holding": 1}], SHOP_EDGES, r"network\.nodes\[0\]\(=\{'holding': 1\}\) needs a name"),
        (
            SHOP,
            [{"supplier": "external", "customer": "dc"}],
            r"network\.edges\[0\]\(=.*\) needs a customer and a lead_time",
        ),
        (
            SHOP,
            [edge("external", "dc", lead_time=-1), edge("dc", "shop")],
            r"network\.edges\[0\]\.lead_time\(=-1\) must be",
        ),
        ([], SHOP_EDGES, r"network\.nodes\(=\[\]\) must be a list of nodes"),
        (SHOP, None, r"network\.edges\(=None\) must be a list of edges"),
    ],
    ids=[
        "unknown-node-key",
        "unknown-edge-key",
        "edge-not-a-mapping",
        "node-without-name",
        "edge-without-lead-time",
        "negative-lead-time",
        "no-nodes",
        "no-edges",
    ],
)
def test_bad_graph_spec_is_rejected_when_made(nodes, edges, message):
    with pytest.raises(ValueError, match=message):
        Graph(nodes=nodes, edges=edges)


def test_node_errors_use_the_listed_index_not_the_sorted_one():
    # the node at index 1 as listed is the warehouse (compiled, it comes last)
    with pytest.raises(ValueError, match=r"network\.nodes\[1\]\.capacity\(=-1\)"):
        graph(
            [node("shop", demand=True), node("dc", capacity=-1)],
            [edge("external", "dc"), edge("dc", "shop")],
        )


def test_unreadable_graph_file(tmp_path):
    missing = tmp_path / "missing.yaml"
    with pytest.raises(ValueError, match=rf"network\.file\(='{missing}'\) cannot be read"):
        Graph(file=str(missing))
    with pytest.raises(ValueError, match=r"network\.file\(=.*\) cannot be read"):
        Graph(file=str(tmp_path))  # a folder


def test_graph_file_that_is_not_yaml(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("nodes: [a, b\nedges: {\n")
    with pytest.raises(ValueError, match=rf"network\.file\(='{path}'\) is not valid YAML"):
        Graph(file=str(path))


@pytest.mark.parametrize("text", ["- a\n- b\n", "just text\n", ""])
def test_graph_file_that_holds_no_mapping(tmp_path, text):
    path = tmp_path / "list.yaml"
    path.write_text(text)
    with pytest.raises(ValueError, match=r"network\.file\(=.*\) must hold a mapping"):
        Graph(file=str(path))


def test_graph_file_without_edges(tmp_path):
    path = tmp_path / "half.yaml"
    path.write_text(yaml.safe_dump({"nodes": [node("a", demand=True)]}))
    with pytest.raises(ValueError, match=r"network\.edges\(=None\) must be a list"):
        Graph(file=str(path))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"stores": 3, "store_weights": [1, 2]},
            r"network\.store_weights\(=\[1, 2\]\) must have one entry per store \(3\)",
        ),
        (
            {"stores": 2, "store_weights": [1, 0]},
            r"network\.store_weights\(=\[1\.0, 0\.0\]\) must all be > 0",
        ),
        (
            {"stores": 2, "store_weights": [1, -1]},
            r"network\.store_weights\[1\]\(=-1\) must be >= 0",
        ),
        ({"stores": 2, "store_weights": 1.0}, r"network\.store_weights\(=1\.0\) must be a list"),
        ({"stores": 2, "store_weights": "1, 1"}, r"network\.store_weights\(='1, 1'\) must be"),
        (
            {"holding": {"shop": 1.0}},
            r"network\.holding\.shop\(=1\.0\): no role 'shop'; roles: warehouse, store",
        ),
        ({"holding": {"store": -1}}, r"network\.holding\.store\(=-1\) must be >= 0"),
        ({"stores": 0}, r"network\.stores\(=0\) must be an integer >= 1"),
        ({"capacity": -5}, r"network\.capacity\(=-5\) must be >= 0"),
        ({"store_capacity": -1}, r"network\.store_capacity\(=-1\) must be >= 0"),
        ({"allocation": "random"}, r"network\.allocation\(='random'\) must be one of"),
    ],
)
def test_bad_distribution_is_rejected(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Distribution(**kwargs)


def test_distribution_weights_and_capacities_reach_the_nodes_and_edges():
    net = Distribution(stores=2, store_weights=[1, 3], capacity=7, store_capacity=2)
    net.build(Costs())
    assert [nd.demand_weight for nd in net.nodes] == [1.0, 3.0, 1.0]
    assert [nd.capacity for nd in net.nodes] == [None, None, 7.0]
    assert [ed.capacity for ed in net.edges] == [2.0, 2.0, None]


def test_priority_naming_an_unknown_node_fails_at_build():
    net = Distribution(stores=2, allocation=Priority(order=["store3"]))
    with pytest.raises(ValueError, match=r"network\.allocation\.order: 'store3' names no node"):
        net.build(Costs())


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"components": 2, "units": [1, 0]}, r"network\.units\(=\[1\.0, 0\.0\]\) must all be > 0"),
        ({"components": 2, "units": [1, 2, 3]}, r"network\.units\(=\[1, 2, 3\]\) must have one"),
        ({"component_lead_time": [1, -2]}, r"network\.component_lead_time\[1\]\(=-2\)"),
    ],
)
def test_bad_assembly_is_rejected(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Assembly(**kwargs)


def test_a_node_named_like_the_external_supplier_is_refused_in_one_line():
    """``external`` names the outside supplier in edges and outage targets; a shape whose
    node a user names so (here the single node) is refused when it compiles, naming the
    key, the value and what is expected, rather than silently meaning the supplier."""
    from sim.network import EXTERNAL, Costs, Single

    assert EXTERNAL == "external"
    with pytest.raises(ValueError) as caught:
        Single(name=EXTERNAL).build(Costs())
    message = str(caught.value)
    assert "\n" not in message
    assert message == (
        "network.nodes[0].name(='external') must be a non-empty name other than "
        "'external' (which names the external supplier)"
    )


def test_a_network_has_no_topology_before_it_is_built():
    from sim.network import Costs, Single

    net = Single()
    with pytest.raises(RuntimeError, match=r"Single.build\(costs\) must run before"):
        _ = net.topology
    net.build(Costs())
    assert net.topology.names == ("store",)
