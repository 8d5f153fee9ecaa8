"""Property tests: stock is conserved, orders are never negative, lost sales never backorder.

Every unit ordered is received, in transit or still owed; every unit received is on hand,
served to a customer or shipped downstream; every unit demanded is served, lost or still
backordered. Checked on random networks, lead times, policies and demand (hypothesis).
"""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policies.echelon_base_stock import EchelonBaseStock
from policies.ss import SS
from sim import demand as dm
from sim import leadtime as lt
from sim.network import Costs, Serial, Single
from sim.runner import Scenario, simulate


@st.composite
def scenarios(draw):
    n_skus = draw(st.integers(1, 4))
    stages = draw(st.integers(1, 3))
    values = draw(st.lists(st.integers(0, 5), min_size=1, max_size=3, unique=True))
    weights = draw(st.lists(st.integers(1, 5), min_size=len(values), max_size=len(values)))
    probs = [w / sum(weights) for w in weights]
    lead = lt.Discrete(values=values, probabilities=probs)
    review = draw(st.integers(1, 3))
    unmet = draw(st.sampled_from(["backorder", "lost_sales"])) if stages == 1 else "backorder"
    if stages == 1:
        net = Single(
            lead_time=lead,
            review_period=review,
            supplier_capacity=draw(st.sampled_from([None, 3.0, 20.0])),
        )
    else:
        net = Serial(stages=stages, lead_time=lead, review_period=review)
    mean = draw(st.floats(0.5, 20))
    demand = draw(
        st.sampled_from([dm.Poisson(mean=mean, mean_spread=0.3), dm.Normal(mean=mean, cv=0.8)])
    )
    s = draw(st.integers(0, 30))
    gap = draw(st.integers(1, 40))
    if stages == 1 or draw(st.booleans()):
        policy = SS(s=float(s), S=float(s + gap))
    else:
        policy = EchelonBaseStock(levels=[float(s + gap * (j + 1)) for j in range(stages)])
    scen = Scenario(
        net,
        demand,
        Costs(order_fixed=1.0),
        unmet_demand=unmet,
        n_skus=n_skus,
        initial_stock=draw(st.sampled_from(["auto", 0, 7])),
    )
    return scen, policy, draw(st.integers(1, 60)), draw(st.integers(0, 2**16))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_stock_is_conserved(case):
    scen, policy, horizon, seed = case
    res = simulate(
        scen, policy, horizon=horizon, seed=seed, trace_skus=scen.n_skus, keep_outputs=True
    )
    out = res.outputs[0]
    N = len(out.nodes)
    for i in range(N):
        # ordered = received + in transit + still owed by the supplier
        np.testing.assert_allclose(
            out.ordered_total[i],
            out.received_total[i] + out.final_in_transit[i] + out.final_owed[i],
            atol=1e-6,
        )
        assert np.all(out.final_on_hand[i] >= -1e-9)
        assert np.all(out.final_backorders[i] >= -1e-9)
        assert np.all(out.traces[i].fields["order"] >= 0)
    # node 0: what left the shelf went to customers; the rest of demand is lost or owed
    left = out.initial_on_hand[0] + out.received_total[0] - out.final_on_hand[0]
    np.testing.assert_allclose(
        out.demand_total[0], left + out.lost_total[0] + out.final_backorders[0], atol=1e-6
    )
    # upstream nodes: what left the shelf was shipped downstream; backorders = owed downstream
    for s in range(1, N):
        child = s - 1
        shipped = out.ordered_total[child] - out.final_owed[child]
        left = out.initial_on_hand[s] + out.received_total[s] - out.final_on_hand[s]
        np.testing.assert_allclose(left, shipped, atol=1e-6)
        np.testing.assert_allclose(out.final_backorders[s], out.final_owed[child], atol=1e-6)
    if scen.unmet_demand == "lost_sales":
        assert np.all(out.traces[0].fields["backorders"] == 0)
        assert np.all(out.final_backorders[0] == 0)
    else:
        assert np.all(out.lost_total[0] == 0)
    # served from stock on arrival never exceeds demand
    assert np.all(out.traces[0].fields["served"] <= out.traces[0].fields["demand"] + 1e-9)


@settings(max_examples=20, deadline=None)
@given(
    st.integers(1, 3),
    st.floats(0.2, 3.0),
    st.integers(0, 2**16),
    st.sampled_from(["backorder", "lost_sales"]),
)
def test_continuous_review_conserves_stock(n_skus, rate, seed, unmet):
    from policies.rq import RQ

    scen = Scenario(
        Single(lead_time=lt.Poisson(mean=2.0)),
        dm.Poisson(mean=rate),
        Costs(order_fixed=1),
        unmet_demand=unmet,
        n_skus=n_skus,
        review="continuous",
    )
    res = simulate(scen, RQ(r=2, q=3), horizon=50, seed=seed, trace_skus=n_skus, keep_outputs=True)
    out = res.outputs[0]
    np.testing.assert_allclose(
        out.ordered_total[0], out.received_total[0] + out.final_in_transit[0]
    )
    left = out.initial_on_hand[0] + out.received_total[0] - out.final_on_hand[0]
    np.testing.assert_allclose(
        out.demand_total[0], left + out.lost_total[0] + out.final_backorders[0]
    )
    if unmet == "lost_sales":
        assert np.all(out.final_backorders[0] == 0)
