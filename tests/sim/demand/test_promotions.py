"""Planned promotions in the demand model (sim.demand.promotions): the plan
(counter-based, the same for any block of periods, negative ones included), its frequency
and duration, the lift of demand, and the separation of random streams. Tolerances as in
``helpers.py`` (Z = 5 standard errors); seeds are fixed."""

from __future__ import annotations

import numpy as np
import pytest

from sim.demand import Intermittent, NegativeBinomial, Poisson
from sim.demand.base import population_summary
from sim.rng import Streams
from tests.sim.moments import Z, assert_mean

PLAN = {"probability": 0.05, "duration": 3, "lift": 2.5}


def ready(model, n_skus: int = 300, seed: int = 1):
    streams = Streams(seed)
    model.setup(n_skus, streams.get("population"), streams.get("promotions"))
    return model


def test_the_plan_is_the_same_whichever_block_of_periods_asks():
    model = ready(Poisson(mean=5.0, promotions=PLAN), n_skus=50)
    whole = model.promotions(-120, 300)
    assert whole.shape == (300, 50) and whole.dtype == bool
    np.testing.assert_array_equal(model.promotions(-120, 120), whole[:120])  # the history
    np.testing.assert_array_equal(model.promotions(0, 180), whole[120:])  # the run
    np.testing.assert_array_equal(model.promotions(37, 5), whole[157:162])
    assert model.promotions(0, 0).shape == (0, 50)


def test_promotions_start_at_their_probability_and_run_for_their_duration():
    model = ready(Poisson(mean=5.0, promotions=PLAN))
    plan = model.modulation.promotions
    t = np.arange(-200, 800)
    starts = plan.starts(t)
    p, d = PLAN["probability"], PLAN["duration"]
    se = np.sqrt(p * (1 - p) / starts.size)
    assert abs(starts.mean() - p) < Z * se
    # on promotion = a promotion started in one of the last d periods
    active = plan.active(t[d - 1 :])
    expected = np.zeros_like(active)
    for lag in range(d):
        expected |= starts[d - 1 - lag : starts.shape[0] - lag]
    np.testing.assert_array_equal(active, expected)
    share = 1 - (1 - p) ** d
    assert abs(active.mean() - share) < Z * np.sqrt(share * (1 - share) / active.size * d)


def test_a_schedule_puts_every_sku_on_promotion():
    model = ready(Poisson(mean=5.0, promotions={"periods": [10, -3], "duration": 2}), n_skus=7)
    plan = model.promotions(-5, 20)
    on = np.flatnonzero(plan.all(axis=1)) - 5
    np.testing.assert_array_equal(on, [-3, -2, 10, 11])
    assert not plan[~np.isin(np.arange(-5, 15), on)].any()


def test_demand_is_lifted_on_promotion_and_the_mean_counts_it():
    model = ready(Poisson(mean=4.0, promotions=PLAN), n_skus=400)
    y = model.sample(np.random.default_rng(2), 0, 365)
    on = model.promotions(0, 365)
    lift = PLAN["lift"]
    assert_mean(y[on], 4.0 * lift, np.sqrt(4.0 * lift))
    assert_mean(y[~on], 4.0, 2.0)
    # mean(): base mean times the average multiplier over the first year
    np.testing.assert_allclose(model.mean(), 4.0 * (1 + (lift - 1) * on.mean(axis=0)))
    np.testing.assert_allclose(model.mean_path(0, 365), np.where(on, 4.0 * lift, 4.0))


@pytest.mark.parametrize(
    "model",
    [
        NegativeBinomial(mean=6.0, variance_ratio=2.0, promotions=PLAN),
        Intermittent(probability=0.2, size_mean=3.0, promotions=PLAN),
    ],
    ids=["nb", "intermittent"],
)
def test_every_family_carries_the_lift(model):
    model = ready(model, n_skus=400)
    y = model.sample(np.random.default_rng(3), 0, 200)
    on = model.promotions(0, 200)
    base = model.base_mean()[0]
    ratio = y[on].mean() / y[~on].mean()
    assert abs(ratio - PLAN["lift"]) < 0.15 * PLAN["lift"], (ratio, base)


def test_the_plan_has_its_own_stream():
    """Promotions leave the population and the demand draws alone, and the plan depends on
    the promotions stream only: rival policies and every replication meet the same plan."""
    plain = ready(Poisson(mean=5.0, mean_spread=0.5), n_skus=30)
    promo = ready(Poisson(mean=5.0, mean_spread=0.5, promotions=PLAN), n_skus=30)
    np.testing.assert_array_equal(plain.base_mean(), promo.base_mean())
    other = Poisson(mean=5.0, mean_spread=0.5, promotions=PLAN)
    other.setup(30, Streams(99).get("population"), Streams(1).get("promotions"))
    np.testing.assert_array_equal(other.promotions(-50, 100), promo.promotions(-50, 100))
    assert not np.array_equal(other.base_mean(), promo.base_mean())
    another_run = ready(Poisson(mean=5.0, mean_spread=0.5, promotions=PLAN), n_skus=30, seed=2)
    assert not np.array_equal(another_run.promotions(0, 100), promo.promotions(0, 100))


def test_population_summary_lists_the_share_of_promotion_periods():
    model = ready(Poisson(mean=5.0, promotions=PLAN), n_skus=6)
    frame = population_summary(model)
    np.testing.assert_allclose(frame["promotion_share"], model.promotions(0, 365).mean(axis=0))


@pytest.mark.parametrize(
    "promotions, message",
    [
        ({"probability": 1.5}, r"promotions.probability\(=1.5\) must be in \[0, 1\]"),
        ({"probability": 0.1, "duration": 0}, r"promotions.duration\(=0\) must be an integer"),
        ({"probability": 0.1, "duration": 1.5}, r"promotions.duration\(=1.5\)"),
        ({"probability": 0.1, "lift": 0}, r"promotions.lift\(=0\) must be > 0"),
        ({"probability": 0.1, "periods": [1.5]}, r"promotions.periods\(=\[1.5\]\) must list"),
        ({"probability": 0.1, "when": 3}, r"unknown key\(s\) \['when'\]"),
        ({"lift": 2.0}, r"need a probability\(=0.0\) > 0 or a list of periods"),
        (0.1, r"promotions\(=0.1\) must be a mapping"),
    ],
)
def test_bad_promotions_are_named(promotions, message):
    with pytest.raises(ValueError, match=message):
        Poisson(mean=1.0, promotions=promotions)


def test_no_promotions_means_an_empty_plan():
    model = ready(Poisson(mean=5.0, promotions={}), n_skus=4)
    assert not model.has_promotions and not model.modulation.active
    assert not model.promotions(-10, 20).any()
