"""The lean period's array work in two compiled loops (issue #11).

:meth:`sim.engine.PeriodicSimulation._lean_period` runs a single node supplied from outside
at a constant lead time. Written in numpy it made about twenty calls a period, each with a
fixed cost of a microsecond or so: for a few SKUs (one SKU, or one SKU in each of 20
replications side by side) that fixed cost was the run. Here the same operations are one
loop over the SKUs before the policy is asked (arrive, serve, count) and one after it (book
the orders), compiled by numba.

Each SKU's numbers go through the same floating-point operations in the same order as the
numpy phases did, with numpy's own rules for ``minimum`` (``a if a <= b or a is nan else
b``) and ``maximum``, and no fast-math, so the results are the same bit for bit (the tests
compare the two engines, and the lean period with the general phases).

Rows of ``state`` (see :meth:`~sim.engine.PeriodicSimulation._lean_layout`): 0 on hand,
1 backorders, 2 lost, 3 served, 4 stock-out flag, 5 in transit, 6 on order, 7 ordered in
all, 8 the measured sum of orders; ``totals`` holds the measured sums of rows 0-5. The
other arrays have the engine's shapes: ``pipe`` ``(W, 1, n)``, ``demand`` ``(T, 1, n)``,
the rest ``(1, n)``. The numpy phases' scratch rows (inventory level, squared orders)
are not needed here: each value lives in a local for one SKU.
"""

from __future__ import annotations

from forecasters.batch_lm import compiled

__all__ = ["book_orders", "run_periods", "serve_and_count"]


@compiled
def serve_and_count(t, arrive, state, totals, pipe, demand, served_total, lost_total,
                    backorder_mode, measured):  # fmt: skip
    """Period ``t``: the shipments in ``pipe[arrive]`` arrive, demand is served (backordered
    or lost), and in a ``measured`` period the stock-out flag is set and rows 0-5 of
    ``state`` are added to ``totals``. One loop per case, so that no SKU tests the mode."""
    n = state.shape[1]
    if backorder_mode:
        for j in range(n):
            a = pipe[arrive, 0, j]
            state[5, j] -= a
            state[6, j] -= a
            on_hand = state[0, j] + a
            d = demand[t, 0, j]
            level = on_hand - state[1, j]  # inventory level: on hand - backorders
            served = level if level >= 0.0 or level != level else 0.0
            served = served if served <= d or served != served else d
            level -= d
            on_hand = level if level >= 0.0 or level != level else 0.0
            state[0, j] = on_hand
            state[1, j] = on_hand - level
            state[3, j] = served
            served_total[0, j] += served
    else:
        for j in range(n):
            a = pipe[arrive, 0, j]
            state[5, j] -= a
            state[6, j] -= a
            on_hand = state[0, j] + a
            d = demand[t, 0, j]
            served = on_hand if on_hand <= d or on_hand != on_hand else d
            lost = d - served
            state[0, j] = on_hand - served
            state[2, j] = lost
            state[3, j] = served
            lost_total[0, j] += lost
            served_total[0, j] += served
    if measured:
        short = 1 if backorder_mode else 2
        for j in range(n):
            state[4, j] = 1.0 if state[short, j] > 0.0 else 0.0
        for r in range(6):
            for j in range(n):
                totals[r, j] += state[r, j]


@compiled
def book_orders(orders, slot, state, pipe, tot_orders, tot_ordered_sq, measured):
    """The policy's ``orders`` join in transit, on order and ordered in all (and in a
    ``measured`` period the measured sum, the count of orders and the sum of squares), and
    are shipped into ``pipe[slot]``."""
    n = state.shape[1]
    for j in range(n):
        q = orders[0, j]
        state[5, j] += q
        state[6, j] += q
        state[7, j] += q
        pipe[slot, 0, j] = q
    if measured:
        for j in range(n):
            q = orders[0, j]
            state[8, j] += q
            tot_orders[0, j] += 1.0 if q > 0.0 else 0.0
            tot_ordered_sq[0, j] += q * q


@compiled
def run_periods(horizon, warmup, review_period, lead, state, totals, pipe, demand,
                served_total, lost_total, backorder_mode, orders, tot_orders, tot_ordered_sq,
                reorder_point, up_to):  # fmt: skip
    """Every period of the run in one call, for a policy whose decision is data
    (:meth:`policies.base.Policy.reorder_levels`): at a review each SKU orders
    ``up_to - position`` where ``position <= reorder_point``, else nothing. Each period is
    :func:`serve_and_count`, the decision (the position summed as ``InventoryState``
    does), and :func:`book_orders`, or without a review the clearing of the ship slot, as
    the engine's lean period does them one call at a time. Returns the measured periods."""
    ring = pipe.shape[0]
    n = state.shape[1]
    n_measured = 0
    for t in range(horizon):
        measured = t >= warmup
        serve_and_count(t, t % ring, state, totals, pipe, demand, served_total, lost_total,
                        backorder_mode, measured)  # fmt: skip
        if measured:
            n_measured += 1
        slot = (t + lead) % ring
        if t % review_period != 0:
            pipe[slot] = 0.0
            continue
        for j in range(n):
            position = state[0, j] + state[6, j] - state[1, j]
            orders[0, j] = up_to[j] - position if position <= reorder_point[j] else 0.0
        book_orders(orders, slot, state, pipe, tot_orders, tot_ordered_sq, measured)
    return n_measured
