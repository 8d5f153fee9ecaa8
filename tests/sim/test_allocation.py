"""Allocation rules alone: each rule's queue (:mod:`sim.allocation`) shares a short
supplier's stock among its customers.

Every rule ships never more than a customer is owed, never more than the stock, never a
negative amount, and everything when the stock suffices. FIFO serves earlier periods first
and splits a partly served period as if its units were served in random order (virtual
allocation, Graves 1985): multivariate hypergeometric, checked by chi-square over many
draws. Proportional shares follow what each customer is owed, in whole units by unbiased
roundings; priority serves the listed customers first.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from sim.allocation import Fifo, Priority, Proportional
from sim.network import make_allocation
from tests.sim.moments import Z

CUSTOMERS = ["store1", "store2", "store3"]
RULES = [Fifo(), Proportional(), Priority(), Priority(order=["store3", "store1"])]


def queue(rule, periods, customers=CUSTOMERS, seed=0):
    """A queue of ``rule`` holding the orders ``periods`` (each customers x SKUs), oldest
    first."""
    periods = [np.asarray(p, dtype=float) for p in periods]
    q = rule.queue(customers, periods[0].shape[1], np.random.default_rng(seed))
    for orders in periods:
        q.add(orders)
    return q


def column(*values):
    """One SKU: a (customers, 1) array."""
    return np.array(values, dtype=float)[:, None]


def chi_square_p(counts: np.ndarray, probabilities: np.ndarray) -> float:
    """p-value of Pearson's chi-square test, cells of expected count < 5 pooled."""
    n = counts.sum()
    order = np.argsort(probabilities)
    expected, observed = n * probabilities[order], counts[order]
    small = np.cumsum(expected) < 5
    pooled_e = np.r_[expected[small].sum(), expected[~small]]
    pooled_o = np.r_[observed[small].sum(), observed[~small]]
    keep = pooled_e > 0
    return float(stats.chisquare(pooled_o[keep], pooled_e[keep]).pvalue)


# --------------------------------------------------------------------------- invariants


@st.composite
def owed_and_stock(draw):
    n_customers = draw(st.integers(1, 4))
    n_skus = draw(st.integers(1, 3))
    whole = draw(st.booleans())
    amount = st.integers(0, 12) if whole else st.floats(0, 12, allow_nan=False)
    periods = [
        np.array(
            draw(st.lists(amount, min_size=n_customers * n_skus, max_size=n_customers * n_skus))
        )
        .astype(float)
        .reshape(n_customers, n_skus)
        for _ in range(draw(st.integers(1, 4)))
    ]
    stock = np.array(draw(st.lists(amount, min_size=n_skus, max_size=n_skus)), dtype=float)
    return periods, stock


@settings(max_examples=200, deadline=None)
@given(owed_and_stock(), st.sampled_from(RULES), st.integers(0, 2**16))
def test_every_rule_ships_within_owed_and_stock(case, rule, seed):
    periods, stock = case
    customers = [f"store{c + 1}" for c in range(periods[0].shape[0])]
    q = queue(rule, periods, customers, seed)
    owed = sum(periods)
    np.testing.assert_allclose(q.owed, owed)
    ship = q.propose(stock)
    assert ship.shape == owed.shape
    assert np.all(ship >= 0)
    assert np.all(ship <= owed + 1e-9)
    assert np.all(ship.sum(axis=0) <= stock + 1e-9)
    # no unit is held back: the rule ships all the stock, or all that is owed
    np.testing.assert_allclose(ship.sum(axis=0), np.minimum(stock, owed.sum(axis=0)), atol=1e-9)
    if np.array_equal(stock, np.floor(stock)) and all(
        np.array_equal(p, np.floor(p)) for p in periods
    ):
        np.testing.assert_array_equal(ship, np.floor(ship))  # whole units stay whole
    q.remove(ship)
    np.testing.assert_allclose(q.owed, owed - ship, atol=1e-9)
    assert np.all(q.owed >= -1e-9)


@pytest.mark.parametrize("rule", RULES, ids=repr)
def test_everything_ships_when_stock_suffices(rule):
    periods = [np.array([[3.0, 0.5], [1.0, 2.0], [0.0, 4.0]]), np.array([[2.0, 1.0]] * 3)]
    q = queue(rule, periods)
    owed = periods[0] + periods[1]
    for stock in (owed.sum(axis=0), owed.sum(axis=0) + 5):
        np.testing.assert_array_equal(q.propose(stock), owed)
    q.remove(owed)
    assert not q.owed.any()
    np.testing.assert_array_equal(q.propose(np.array([4.0, 4.0])), np.zeros_like(owed))


@pytest.mark.parametrize("rule", RULES, ids=repr)
def test_no_stock_ships_nothing(rule):
    q = queue(rule, [np.full((3, 2), 4.0)])
    np.testing.assert_array_equal(q.propose(np.zeros(2)), np.zeros((3, 2)))


@pytest.mark.parametrize("rule", RULES, ids=repr)
def test_proposing_changes_nothing_until_removed(rule):
    q = queue(rule, [np.array([[3.0], [4.0], [5.0]])])
    q.propose(np.array([6.0]))
    np.testing.assert_array_equal(q.owed, column(3, 4, 5))


# --------------------------------------------------------------------------- FIFO


def test_fifo_serves_earlier_periods_first():
    # period 1: store1 3, store2 2; period 2: store2 4, store3 6; stock 5 + 3
    q = queue(Fifo(), [column(3, 2, 0), column(0, 4, 6)])
    np.testing.assert_array_equal(q.propose(np.array([5.0])), column(3, 2, 0))
    ship = q.propose(np.array([8.0]))
    assert ship[0, 0] == 3 and ship[1, 0] >= 2  # period 1 in full
    assert ship.sum() == 8


def test_fifo_remembers_what_is_left_of_a_period_after_a_partial_shipment():
    q = queue(Fifo(), [column(3, 0, 0), column(0, 4, 0)])
    first = q.propose(np.array([2.0]))
    np.testing.assert_array_equal(first, column(2, 0, 0))
    q.remove(first)
    # store1's last unit of period 1 still comes before store2's period-2 units
    np.testing.assert_array_equal(q.propose(np.array([2.0])), column(1, 1, 0))


def test_fifo_shipment_cut_below_the_proposal_keeps_the_oldest_units_owed():
    q = queue(Fifo(), [column(2, 2, 0), column(0, 0, 5)])
    q.remove(column(0, 2, 0))  # store1's period-1 units held back (say, by a lane cap)
    # store1 was owed from period 1, so it comes before store3's period-2 units
    np.testing.assert_array_equal(q.propose(np.array([3.0])), column(2, 0, 1))


def test_fifo_periods_are_kept_per_sku():
    # SKU 0 runs short in period 1; SKU 1 covers period 1 and reaches into period 2
    periods = [np.array([[4.0, 1.0], [0.0, 1.0]]), np.array([[0.0, 0.0], [5.0, 3.0]])]
    q = queue(Fifo(), periods, customers=["a", "b"])
    ship = q.propose(np.array([3.0, 4.0]))
    np.testing.assert_array_equal(ship, [[3.0, 1.0], [0.0, 3.0]])


def test_fifo_splits_fractional_amounts_in_proportion_to_the_period_orders():
    q = queue(Fifo(), [column(1.5, 0, 0), column(0.5, 2.5, 1.0)])
    ship = q.propose(np.array([2.5]))  # period 1 in full, 1.0 of period 2's 4.0
    np.testing.assert_allclose(ship, column(1.5 + 0.125, 0.625, 0.25))


def test_fifo_split_is_multivariate_hypergeometric():
    """Stock 5 of one period's orders (2, 3, 4): joint law C(2,x)C(3,y)C(4,z)/C(9,5)."""
    draws = 40_000
    amounts = np.array([2, 3, 4])
    q = queue(Fifo(), [np.repeat(amounts[:, None], draws, axis=1).astype(float)], seed=11)
    ship = q.propose(np.full(draws, 5.0)).astype(np.int64)
    np.testing.assert_array_equal(ship.sum(axis=0), 5)
    cells = [(x, y, 5 - x - y) for x in range(3) for y in range(4) if 0 <= 5 - x - y <= 4]
    pmf = np.array(
        [stats.hypergeom.pmf(x, 9, 2, 5) * stats.hypergeom.pmf(y, 7, 3, 5 - x) for x, y, _ in cells]
    )
    np.testing.assert_allclose(pmf.sum(), 1.0)
    index = {cell: k for k, cell in enumerate(cells)}
    counts = np.bincount([index[tuple(c)] for c in ship.T], minlength=len(cells))
    assert chi_square_p(counts, pmf) > 1e-4
    # each customer's share on its own is hypergeometric, the last one's included
    for c, good in enumerate(amounts):
        k = np.arange(good + 1)
        marginal = np.bincount(ship[c], minlength=good + 1)
        assert chi_square_p(marginal, stats.hypergeom.pmf(k, 9, good, 5)) > 1e-4


def test_fifo_split_favours_no_customer():
    draws = 20_000
    q = queue(Fifo(), [np.full((4, draws), 5.0)], customers=["a", "b", "c", "d"], seed=3)
    ship = q.propose(np.full(draws, 7.0))
    mean = 7 / 4
    sd = np.sqrt(stats.hypergeom.var(20, 5, 7))
    for c in range(4):
        assert abs(ship[c].mean() - mean) < Z * sd / np.sqrt(draws), (c, ship[c].mean())
    # nor does the customer listed last collect the leftovers
    variances = ship.var(axis=1)
    np.testing.assert_allclose(variances, sd**2, rtol=0.05)


def test_fifo_split_only_touches_the_period_that_runs_short():
    draws = 5_000
    first = np.tile(column(2, 1, 0), draws)
    second = np.tile(column(3, 3, 3), draws)
    q = queue(Fifo(), [first, second], seed=5)
    ship = q.propose(np.full(draws, 7.0))  # 3 for period 1, 4 of period 2's 9
    extra = ship - first
    assert np.all(extra >= 0) and np.all(extra <= second)
    np.testing.assert_array_equal(extra.sum(axis=0), 4)
    for c in range(3):
        k = np.arange(4)
        counts = np.bincount(extra[c].astype(np.int64), minlength=4)
        assert chi_square_p(counts, stats.hypergeom.pmf(k, 9, 3, 4)) > 1e-4


def test_fifo_split_is_reproducible_from_its_stream():
    ships = [
        queue(Fifo(), [np.full((3, 50), 4.0)], seed=9).propose(np.full(50, 5.0)) for _ in range(2)
    ]
    np.testing.assert_array_equal(ships[0], ships[1])


# --------------------------------------------------------------------------- proportional


def test_proportional_shares_follow_what_is_owed_in_all_periods():
    q = queue(Proportional(), [column(2.0, 1.0, 1.0), column(2.0, 2.0, 0.0)])  # owed 4, 3, 1
    np.testing.assert_allclose(q.propose(np.array([4.4])), column(2.2, 1.65, 0.55))
    # whole units: raw 3, 2.25, 0.75, each rounded down or up, summing to the stock
    ship = q.propose(np.array([6.0]))
    assert ship.sum() == 6 and ship[0, 0] == 3 and ship[1, 0] in (2, 3) and ship[2, 0] in (0, 1)


def test_proportional_fractional_shares_are_exact():
    q = queue(Proportional(), [column(5.0, 3.0, 2.0)])
    np.testing.assert_allclose(q.propose(np.array([5.5])), column(2.75, 1.65, 1.1))


@pytest.mark.parametrize(
    ("owed", "stock"),
    [((7, 2, 1), 4), ((5, 3, 2), 5), ((1, 1, 1), 2), ((10, 0, 10), 7), ((6, 3, 3), 8)],
)
def test_proportional_whole_units_are_unbiased_roundings(owed, stock):
    """Each share is its exact proportional value rounded down or up, the shares add up to
    the stock, and over many SKUs each share's mean is the exact value (no customer is
    favoured by its place in the list)."""
    n = 40_000
    q = Proportional().queue(["a", "b", "c"], n, np.random.default_rng(1))
    q.add(np.tile(np.array(owed, dtype=float)[:, None], (1, n)))
    ship = q.propose(np.full(n, float(stock)))
    raw = np.array(owed, dtype=float) * stock / sum(owed)
    assert np.all(ship.sum(axis=0) == stock)
    assert np.all((ship == np.floor(raw)[:, None]) | (ship == np.ceil(raw)[:, None]))
    frac = raw - np.floor(raw)
    se = np.sqrt(frac * (1 - frac) / n) + 1e-12
    assert np.all(np.abs(ship.mean(axis=1) - raw) <= 5 * se), (ship.mean(axis=1), raw)


def test_proportional_is_per_sku():
    q = queue(Proportional(), [np.array([[4.0, 1.0], [4.0, 3.0], [0.0, 4.0]])])
    ship = q.propose(np.array([4.0, 4.0]))
    np.testing.assert_array_equal(ship[:, 0], [2.0, 2.0, 0.0])
    # raw 0.5, 1.5, 2.0: the two halves round one up and the other down
    assert ship[2, 1] == 2.0 and tuple(ship[:2, 1]) in {(1.0, 1.0), (0.0, 2.0)}


# --------------------------------------------------------------------------- priority


def test_priority_defaults_to_the_listed_order():
    q = queue(Priority(), [column(3, 4, 5)])
    np.testing.assert_array_equal(q.propose(np.array([6.0])), column(3, 3, 0))


def test_priority_serves_listed_names_first_then_the_rest_as_listed():
    customers = ["a", "b", "c", "d"]
    q = queue(Priority(order=["c", "a"]), [column(2, 2, 2, 2)], customers)
    for stock, expected in [
        (1, (0, 0, 1, 0)),
        (3, (1, 0, 2, 0)),
        (5, (2, 1, 2, 0)),
        (7, (2, 2, 2, 1)),
    ]:
        np.testing.assert_array_equal(q.propose(np.array([float(stock)])), column(*expected))


def test_priority_names_of_other_suppliers_customers_are_ignored():
    # a network-wide order may list nodes this supplier does not serve
    q = queue(Priority(order=["elsewhere", "store2"]), [column(2, 2, 2)])
    np.testing.assert_array_equal(q.propose(np.array([3.0])), column(1, 2, 0))


def test_priority_with_fractional_amounts():
    q = queue(Priority(order=["store2"]), [column(1.5, 0.75, 2.0)])
    np.testing.assert_allclose(q.propose(np.array([2.0])), column(1.25, 0.75, 0.0))


def test_priority_check_rejects_an_unknown_node():
    with pytest.raises(ValueError, match=r"network\.allocation\.order: 'shop' names no node"):
        Priority(order=["store1", "shop"]).check(["warehouse", "store1", "store2"])
    Priority(order=["store2"]).check(["warehouse", "store1", "store2"])  # fine


@pytest.mark.parametrize("order", ["store1", 3])
def test_priority_order_must_be_a_list(order):
    with pytest.raises(ValueError, match=r"network\.allocation\.order\(=.*\) must be a list"):
        Priority(order=order)


# --------------------------------------------------------------------------- by name


@pytest.mark.parametrize(
    ("name", "cls"), [("fifo", Fifo), ("proportional", Proportional), ("priority", Priority)]
)
def test_make_allocation_by_name(name, cls):
    assert type(make_allocation(name)) is cls


def test_make_allocation_passes_a_rule_through():
    rule = Priority(order=["a"])
    assert make_allocation(rule) is rule


@pytest.mark.parametrize("value", ["lifo", "FIFO", 3, None])
def test_make_allocation_rejects_an_unknown_rule(value):
    with pytest.raises(ValueError, match=rf"network\.allocation\(={value!r}\) must be one of"):
        make_allocation(value)
