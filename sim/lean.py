"""The lean period's array work in compiled loops (issue #11), and whole horizons of a
single node (:func:`run_periods`) and of a serial chain (:func:`run_chain`) in one call each.

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

import numpy as np

from forecasters.batch_lm import compiled

__all__ = ["book_orders", "run_chain", "run_periods", "serve_and_count"]


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


@compiled
def run_chain(horizon, warmup, review_period, leads, pipe, demand, on_hand, cust_bo,
              owed_out, on_order, owed, in_transit, new_owed, served, lost, served_total,
              lost_total, backorder_mode, orders, ordered_total, tot_on_hand, tot_transit,
              tot_served, tot_backorders, tot_lost, tot_stockouts, tot_owed_out, tot_orders,
              tot_ordered, tot_ordered_sq, tot_incoming, tot_incoming_sq, tot_asked,
              tot_short, reorder_point, up_to, echelon):  # fmt: skip
    """Every period of a serial chain in one call (:meth:`sim.engine.PeriodicSimulation.
    _chain_levels`): node 0 faces customers, node ``i`` is supplied by node ``i + 1`` over
    edge ``i``, the last node by an outside supplier, each edge at its constant lead time
    ``leads[e]``; each node's policy states its decision as data (``reorder_point``,
    ``up_to``: nodes x SKUs), on its echelon position where ``echelon[i]``, else on its
    installation position (its backorders are what it owes its customer node).

    The arrays are the engine's own, and each period does what the general phases do to
    them (arrive, serve, account, review and order downstream first, ship), phase by phase,
    each over a node's SKUs in a row, each value through the same operations in the same
    order, with numpy's rules for ``minimum`` and ``maximum``: the same results bit for
    bit. Returns the measured periods.
    """
    ring = pipe.shape[0]
    n_nodes, n = on_hand.shape
    shipped = np.empty((n_nodes, n))
    position = np.empty((n_nodes, n))
    level = np.empty(n)
    n_measured = 0
    for t in range(horizon):
        measured = t >= warmup
        if measured:
            n_measured += 1
        # arrive: edge i delivers to node i
        arrive = t % ring
        for i in range(n_nodes):
            for j in range(n):
                a = pipe[arrive, i, j]
                in_transit[i, j] -= a
                on_hand[i, j] += a
                on_order[i, j] -= a
                pipe[arrive, i, j] = 0.0
        # serve customers at node 0
        if backorder_mode:
            for j in range(n):
                d = demand[t, 0, j]
                il = on_hand[0, j] - cust_bo[0, j]
                s = il if il >= 0.0 or il != il else 0.0
                s = s if s <= d or s != s else d
                il -= d
                on_hand[0, j] = il if il >= 0.0 or il != il else 0.0
                short = -il
                cust_bo[0, j] = short if short >= 0.0 or short != short else 0.0
                served[0, j] = s
                served_total[0, j] += s
        else:
            for j in range(n):
                d = demand[t, 0, j]
                h = on_hand[0, j]
                s = h if h <= d or h != h else d
                on_hand[0, j] = h - s
                lost[0, j] = d - s
                lost_total[0, j] += lost[0, j]
                served[0, j] = s
                served_total[0, j] += s
        if measured:
            for i in range(n_nodes):
                for j in range(n):
                    tot_on_hand[i, j] += on_hand[i, j]
                    tot_transit[i, j] += in_transit[i, j]
                    tot_owed_out[i, j] += owed_out[i, j]
            for j in range(n):
                tot_served[0, j] += served[0, j]
            if backorder_mode:
                for j in range(n):
                    tot_backorders[0, j] += cust_bo[0, j]
                    tot_stockouts[0, j] += 1.0 if cust_bo[0, j] > 0.0 else 0.0
            else:
                for j in range(n):
                    tot_lost[0, j] += lost[0, j]
                    tot_stockouts[0, j] += 1.0 if lost[0, j] > 0.0 else 0.0
        if t % review_period == 0:
            # echelon positions, all from the state before this review's orders
            for j in range(n):
                level[j] = -cust_bo[0, j] + on_hand[0, j]
                position[0, j] = level[j] + on_order[0, j]
            for i in range(1, n_nodes):
                for j in range(n):
                    level[j] = (level[j] + in_transit[i - 1, j]) + on_hand[i, j]
                    position[i, j] = level[j] + on_order[i, j]
            for i in range(n_nodes):  # downstream first: an order is owed at once
                for j in range(n):
                    if echelon[i]:
                        p = position[i, j]
                    else:
                        p = on_hand[i, j] + on_order[i, j] - (cust_bo[i, j] + owed_out[i, j])
                    q = up_to[i, j] - p if p <= reorder_point[i, j] else 0.0
                    orders[i, j] = q
                    owed[i, j] += q
                    if i + 1 < n_nodes:
                        new_owed[i, j] += q
                        owed_out[i + 1, j] += q
            for i in range(n_nodes):
                for j in range(n):
                    q = orders[i, j]
                    on_order[i, j] += q
                    ordered_total[i, j] += q
                    if measured:
                        tot_orders[i, j] += 1.0 if q > 0.0 else 0.0
                        tot_ordered[i, j] += q
                        tot_ordered_sq[i, j] += q * q
            if measured:
                for i in range(n_nodes - 1):  # what node i asked of its supplier
                    for j in range(n):
                        asked = new_owed[i, j]
                        tot_incoming[i + 1, j] += asked
                        tot_incoming_sq[i + 1, j] += asked * asked
        # ship: the outside supplier all it owes, node i + 1 what it owes and holds
        for j in range(n):
            shipped[n_nodes - 1, j] = owed[n_nodes - 1, j]
        for i in range(n_nodes - 1):
            for j in range(n):
                o, h = owed[i, j], on_hand[i + 1, j]
                shipped[i, j] = o if o <= h or o != o else h
        for i in range(n_nodes - 1):
            for j in range(n):
                on_hand[i + 1, j] -= shipped[i, j]
                owed_out[i + 1, j] -= shipped[i, j]
        for i in range(n_nodes):
            slot = (t + leads[i]) % ring
            for j in range(n):
                owed[i, j] -= shipped[i, j]
                if measured and i + 1 < n_nodes:
                    new, left = new_owed[i, j], owed[i, j]
                    tot_asked[i + 1, j] += new
                    tot_short[i + 1, j] += new if new <= left or new != new else left
                new_owed[i, j] = 0.0
                in_transit[i, j] += shipped[i, j]
                pipe[slot, i, j] += shipped[i, j]
    return n_measured
