"""Supply disruptions: validation, exact schedules, the renewal/Markov-chain long-run
fraction of periods down, common random numbers and the horizon-prefix property."""

from __future__ import annotations

import numpy as np
import pytest
from hydra.utils import instantiate
from omegaconf import OmegaConf

from sim.disruption import (
    DisruptionPlan,
    Disruptions,
    GeometricDuration,
    Outage,
    stationary_down_fraction,
)
from sim.rng import Streams
from tests.conftest import CONF
from tests.sim.moments import Z

# A distribution network: the warehouse and store3 are fed by the external supplier.
NODES = ["warehouse", "store1", "store2", "store3"]
EDGES = [(None, "warehouse"), ("warehouse", "store1"), ("warehouse", "store2"), (None, "store3")]


def plan(outages, horizon=100, seed=7, replication=0, nodes=NODES, edges=EDGES):
    return Disruptions(outages=outages).plan(nodes, edges, horizon, Streams(seed), replication)


def down_periods(column: np.ndarray) -> list[int]:
    return np.flatnonzero(column).tolist()


# --------------------------------------------------------------------------- validation

# (outage, its error after "disruption.outages[0]")
BAD = [
    ({"probability": 0.1}, r"\.target is required"),
    ({"target": "external", "prob": 0.1}, r" has unknown key\(s\) \['prob'\]"),
    ({"target": 3}, r"\.target\(=3\) must be"),
    ({"target": " "}, r"\.target\(=' '\) must be"),
    ({"target": "warehouse->"}, r"\.target\(='warehouse->'\) must be a lane"),
    ({"target": "a->external"}, r"\.target\(='a->external'\) must be a lane"),
    ({"target": "external", "probability": 1.5}, r"\.probability\(=1\.5\) must be in"),
    ({"target": "external", "probability": -0.1}, r"\.probability\(=-0\.1\) must be in \[0, 1\]"),
    ({"target": "external", "probability": "0.1"}, r"\.probability\(='0\.1'\) must be in"),
    ({"target": "external", "duration": 0}, r"\.duration\(=0\) must be an integer"),
    ({"target": "external", "duration": 2.5}, r"\.duration\(=2\.5\) must be an integer >= 1"),
    ({"target": "external", "duration": True}, r"\.duration\(=True\) must be an integer"),
    ({"target": "external", "duration": {"mean": 3}}, r"\.duration\(=\{'mean': 3\}\) must be"),
    (
        {"target": "external", "duration": {"geometric_mean": 0.5}},
        r"\.duration\.geometric_mean\(=0\.5\) must be a number >= 1",
    ),
    (
        {"target": "external", "duration": {"geometric_mean": float("inf")}},
        r"\.duration\.geometric_mean\(=inf\) must be a number >= 1",
    ),
    (
        {"target": "external", "duration": {"values": [1, 0], "probabilities": [0.5, 0.5]}},
        r"\.duration\.values\[1\]\(=0\) must be an integer >= 1",
    ),
    (
        {"target": "external", "duration": {"values": [1, 2], "probabilities": [0.5, 0.6]}},
        r"\.duration\.probabilities\(=\[0\.5, 0\.6\]\) must sum to 1",
    ),
    (
        {"target": "external", "duration": {"values": [1, 2], "probabilities": [1.5, -0.5]}},
        r"\.duration\.probabilities\[0\]\(=1\.5\) must be in \[0, 1\]",
    ),
    (
        {"target": "external", "duration": {"values": [1, 2], "probabilities": [1.0]}},
        r"\.duration\.values has 2 entries but .*probabilities has 1",
    ),
    (
        {"target": "external", "duration": {"values": [], "probabilities": []}},
        r"\.duration\.values\(=\[\]\) must not be empty",
    ),
    ({"target": "external", "periods": [5, -3]}, r"\.periods\[1\]\(=-3\) must be an"),
    ({"target": "external", "periods": [1.5]}, r"\.periods\[0\]\(=1\.5\) must be an integer >= 0"),
    ({"target": "external", "periods": "100"}, r"\.periods\(='100'\) must be a list"),
    ({"target": "external", "periods": 100}, r"\.periods\(=100\) must be a list"),
]


@pytest.mark.parametrize(("outage", "message"), BAD)
def test_bad_outage_is_rejected_naming_key_and_value(outage, message):
    with pytest.raises(ValueError, match=r"^disruption\.outages\[0\]" + message):
        Disruptions(outages=[outage])


def test_error_names_the_index_of_the_bad_outage():
    with pytest.raises(ValueError, match=r"disruption\.outages\[1\]\.probability\(=2\)"):
        Disruptions(outages=[{"target": "external"}, {"target": "store1", "probability": 2}])


@pytest.mark.parametrize("outages", [None, "external", {"target": "external"}, 3])
def test_outages_must_be_a_list(outages):
    with pytest.raises(ValueError, match=r"^disruption\.outages\(=.*\) must be a list of outages"):
        Disruptions(outages=outages)


def test_outage_on_its_own_validates_too():
    with pytest.raises(ValueError, match=r"^disruption\.outage\.probability\(=1\.5\) must be"):
        Outage(target="external", probability=1.5)
    with pytest.raises(ValueError, match=r"^disruption\.outage\.duration\.geometric_mean"):
        Outage(target="external", duration={"geometric_mean": 0})


def test_outage_objects_and_an_empty_list_are_accepted():
    outage = Outage(target="warehouse", periods=[1])
    assert Disruptions(outages=[outage]).outages == [outage]
    assert not plan([]).any


@pytest.mark.parametrize(
    ("target", "nodes", "edges"),
    [
        ("storeX", NODES, EDGES),
        ("store1->store2", NODES, EDGES),  # both nodes exist, the lane does not
        ("external->store1", NODES, EDGES),
        ("store2", NODES[:2], EDGES[:2]),
    ],
)
def test_unknown_target_is_rejected_at_plan_time(target, nodes, edges):
    with pytest.raises(
        ValueError,
        match=rf"^disruption\.outages\[1\]\.target\(='{target}'\) names no node or edge of "
        r"this network; nodes: \[.*\], edges: \[.*'external->warehouse'",
    ):
        plan([{"target": "external"}, {"target": target}], nodes=nodes, edges=edges)


def test_bad_horizon_is_rejected():
    with pytest.raises(ValueError, match=r"disruption horizon\(=-1\) must be an integer >= 0"):
        plan([{"target": "external"}], horizon=-1)


# --------------------------------------------------------------------------- schedules


def test_scheduled_outages_are_exact_unions_clipped_to_the_horizon():
    p = plan([{"target": "external", "duration": 3, "periods": [2, 3, 10, 40]}], horizon=12)
    assert p.node_down.shape == (12, 4) and p.edge_down.shape == (12, 4)
    expected = [2, 3, 4, 5, 10, 11]  # 2..4 | 3..5 | 10..12 clipped | 40 after the run
    assert down_periods(p.edge_down[:, 0]) == expected
    assert down_periods(p.edge_down[:, 3]) == expected  # the other external lane
    assert not p.edge_down[:, 1:3].any() and not p.node_down.any()


def test_scheduled_outage_with_a_drawn_duration():
    p = plan(
        [{"target": "store1", "periods": [5], "duration": {"values": [4], "probabilities": [1]}}]
    )
    assert down_periods(p.node_down[:, 1]) == [5, 6, 7, 8]
    p = plan([{"target": "store1", "periods": [5, 50], "duration": {"geometric_mean": 3}}])
    down = p.node_down[:, 1]
    assert down[5] and down[50] and not down[:5].any()


# --------------------------------------------------------------------------- targets


def test_targets_map_to_their_own_columns():
    p = plan(
        [
            {"target": "external", "periods": [0]},
            {"target": "warehouse", "periods": [1]},
            {"target": "warehouse->store2", "periods": [2]},
            {"target": " external -> store3 ", "periods": [3]},
        ],
        horizon=5,
    )
    # node outages stay on the node: they are not folded into its outgoing edges
    assert p.node_down.tolist() == [
        [False] * 4,
        [True, False, False, False],
        [False] * 4,
        [False] * 4,
        [False] * 4,
    ]
    assert p.edge_down.tolist() == [
        [True, False, False, True],
        [False] * 4,
        [False, False, True, False],
        [False, False, False, True],
        [False] * 4,
    ]


def test_external_on_a_network_without_external_edges_is_no_error():
    p = plan([{"target": "external", "periods": [0]}], nodes=["a", "b"], edges=[("a", "b")])
    assert not p.any


def test_plan_is_read_only_and_reports_any():
    p = plan([{"target": "store1", "periods": [3]}], horizon=10)
    assert p.any and p.horizon == 10
    with pytest.raises(ValueError, match="read-only"):
        p.node_down[0, 0] = True
    assert not DisruptionPlan(node_down=np.zeros((3, 2)), edge_down=np.zeros((3, 1))).any


# --------------------------------------------------------------------------- random outages

RANDOM = [
    {"target": "external", "probability": 0.1, "duration": {"geometric_mean": 4}},
    {
        "target": "warehouse",
        "probability": 0.2,
        "duration": {"values": [1, 3], "probabilities": [0.5, 0.5]},
        "periods": [20],
    },
    {"target": "warehouse->store1", "probability": 0.05, "duration": 6},
]


def test_same_seed_and_replication_give_the_same_plan():
    a, b = plan(RANDOM, horizon=300), plan(RANDOM, horizon=300)
    assert a.any
    np.testing.assert_array_equal(a.node_down, b.node_down)
    np.testing.assert_array_equal(a.edge_down, b.edge_down)
    other_rep = plan(RANDOM, horizon=300, replication=1)
    other_seed = plan(RANDOM, horizon=300, seed=8)
    for other in (other_rep, other_seed):
        assert not np.array_equal(a.edge_down, other.edge_down)
        assert not np.array_equal(a.node_down, other.node_down)


def test_plan_of_the_first_periods_does_not_depend_on_the_horizon():
    short, long = plan(RANDOM, horizon=50), plan(RANDOM, horizon=80)
    assert short.any
    np.testing.assert_array_equal(short.node_down, long.node_down[:50])
    np.testing.assert_array_equal(short.edge_down, long.edge_down[:50])


def test_adding_an_outage_leaves_the_others_unchanged():
    alone = plan(RANDOM[:1], horizon=500)
    joined = plan([*RANDOM, {"target": "store3", "probability": 0.3, "duration": 2}], horizon=500)
    np.testing.assert_array_equal(alone.edge_down[:, [0, 3]], joined.edge_down[:, [0, 3]])
    assert joined.node_down[:, 3].any()


def reference_down(probability: float, u: np.ndarray, durations: np.ndarray) -> np.ndarray:
    """The documented semantics, written out period by period."""
    down = np.zeros(u.shape[0], dtype=bool)
    remaining = 0
    for t in range(u.shape[0]):
        if remaining == 0 and u[t] < probability:
            remaining = int(durations[t])
        if remaining:
            down[t] = True
            remaining -= 1
    return down


@pytest.mark.parametrize(
    "duration", [{"geometric_mean": 3.5}, 4, {"values": [1, 5], "probabilities": [0.7, 0.3]}]
)
def test_random_outages_follow_the_documented_chain_exactly(duration):
    outage = Outage(target="external", probability=0.15, duration=duration)
    horizon = 3000
    got = outage.down(horizon, np.random.default_rng(3))
    u = np.random.default_rng(3).random((horizon, 2))
    want = reference_down(0.15, u[:, 0], outage.duration.sample(u[:, 1], horizon))
    np.testing.assert_array_equal(got, want)


def two_state_chain(probability: float, mean_duration: float) -> tuple[np.ndarray, float]:
    """Transition matrix (state 0 up, 1 down) of geometric outages and its stationary
    P(down), from the left eigenvector for eigenvalue 1."""
    end = 1.0 / mean_duration
    # down -> up: the outage ends (1/m) and no new one starts at once (1 - p)
    matrix = np.array(
        [[1 - probability, probability], [end * (1 - probability), 1 - end * (1 - probability)]]
    )
    values, vectors = np.linalg.eig(matrix.T)
    pi = np.real(vectors[:, np.argmin(np.abs(values - 1))])
    return matrix, float(pi[1] / pi.sum())


def test_geometric_outages_match_the_two_state_markov_chain():
    p, m = 0.1, 5.0
    matrix, pi_down = two_state_chain(p, m)
    assert pi_down == pytest.approx(stationary_down_fraction(p, m))  # 0.5 / 1.4
    down = plan(
        [{"target": "store2", "probability": p, "duration": {"geometric_mean": m}}],
        horizon=200_000,
    ).node_down[:, 2]
    # long-run fraction: CLT for a two-state chain, variance pi(1-pi)(1+lam)/(1-lam)/n
    lam = 1 - matrix[0, 1] - matrix[1, 0]
    se = np.sqrt(pi_down * (1 - pi_down) * (1 + lam) / (1 - lam) / down.size)
    assert abs(down.mean() - pi_down) < Z * se, (down.mean(), pi_down, se)
    # one-step transitions, given the state (Bernoulli trials by the Markov property)
    for state in (0, 1):
        nxt = down[1:][down[:-1] == bool(state)]
        target = matrix[state, 1]
        assert abs(nxt.mean() - target) < Z * np.sqrt(target * (1 - target) / nxt.size)


@pytest.mark.parametrize(
    ("duration", "mean_duration"),
    [(3, 3.0), ({"values": [1, 2, 8], "probabilities": [0.5, 0.3, 0.2]}, 2.7)],
)
def test_long_run_down_fraction_matches_renewal_reward(duration, mean_duration):
    p = 0.05
    disruptions = Disruptions(
        outages=[{"target": "external", "probability": p, "duration": duration}]
    )
    fractions = np.array(
        [
            disruptions.plan(NODES, EDGES, 5000, Streams(11), r).edge_down[:, 0].mean()
            for r in range(60)
        ]
    )
    want = stationary_down_fraction(p, mean_duration)
    se = fractions.std(ddof=1) / np.sqrt(fractions.size)
    assert abs(fractions.mean() - want) < Z * se, (fractions.mean(), want, se)


def test_geometric_duration_pmf():
    m = 4.0
    d = GeometricDuration(m).sample(np.random.default_rng(5).random(200_000), cap=10**9)
    assert d.min() == 1
    for k in (1, 2, 5):
        want = (1 / m) * (1 - 1 / m) ** (k - 1)
        assert abs((d == k).mean() - want) < Z * np.sqrt(want * (1 - want) / d.size)
    assert abs(d.mean() - m) < Z * np.sqrt(m * (m - 1)) / np.sqrt(d.size)  # var (1-q)/q^2
    assert GeometricDuration(1).sample(np.array([0.0, 0.999]), cap=5).tolist() == [1, 1]
    assert GeometricDuration(50).sample(np.array([1 - 1e-16]), cap=7).tolist() == [7]


# --------------------------------------------------------------------------- configs


@pytest.mark.parametrize("name", sorted(p.stem for p in (CONF / "disruption").glob("*.yaml")))
def test_disruption_configs_instantiate_and_plan(name):
    disruptions = instantiate(OmegaConf.load(CONF / "disruption" / f"{name}.yaml"))
    assert isinstance(disruptions, Disruptions)
    nodes = ["warehouse", "store1", "store2"]
    edges = [(None, "warehouse"), ("warehouse", "store1"), ("warehouse", "store2")]
    p = disruptions.plan(nodes, edges, 400, Streams(0), 0)
    assert p.any and not p.node_down.any()
    if name == "scheduled":
        assert down_periods(p.edge_down[:, 0]) == list(range(100, 114))
        assert not p.edge_down[:, 1:].any()
