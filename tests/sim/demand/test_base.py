"""The demand contract (sim.demand.base) over every family: shapes, seeds, setup, the SKU
population, the population summary, and property-based invariants."""

from __future__ import annotations

from collections import UserList

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.demand import Deterministic, Intermittent, NegativeBinomial, Normal, Poisson
from sim.demand.base import population_summary
from tests.sim.demand.helpers import ready
from tests.sim.moments import assert_mean

ALL = [
    Poisson(mean=3.0, mean_spread=0.4),
    NegativeBinomial(mean=3.0, variance_ratio=2.0, mean_spread=0.4),
    Normal(mean=3.0, cv=0.5),
    Intermittent(probability=0.2, size_mean=2.0, probability_spread=0.5),
    Deterministic(mean=1.5),
]


@pytest.mark.parametrize("model", ALL, ids=lambda m: m.family)
@pytest.mark.parametrize("modulated", [False, True])
def test_shapes_dtypes_and_non_negativity(model, modulated):
    modulation = {"weekly_amplitude": 0.5, "trend": -0.001} if modulated else {}
    model = ready(model, n_skus=50, **modulation)
    x = model.sample(np.random.default_rng(0), 3, 30)
    assert x.shape == (30, 50) and x.dtype == np.float64
    assert np.all(x >= 0) and np.all(np.isfinite(x))
    if model.family in ("poisson", "negative_binomial", "intermittent"):
        np.testing.assert_array_equal(x, np.round(x))
    assert model.sample(np.random.default_rng(0), 0, 0).shape == (0, 50)
    assert model.mean().shape == model.std().shape == (50,)
    assert model.mean_path(5, 7).shape == (7, 50)
    assert model.n_skus == 50


@pytest.mark.parametrize("model", ALL, ids=lambda m: m.family)
def test_same_seed_same_demand_other_seed_other_demand(model):
    a = ready(model, n_skus=30, seed=4)
    x1 = a.sample(np.random.default_rng(9), 0, 40)
    base1 = a.base_mean()
    b = ready(model, n_skus=30, seed=4)  # a second replication of the same run
    np.testing.assert_array_equal(b.base_mean(), base1)
    np.testing.assert_array_equal(b.sample(np.random.default_rng(9), 0, 40), x1)
    if model.family != "deterministic":
        assert not np.array_equal(b.sample(np.random.default_rng(10), 0, 40), x1)


def test_using_a_model_before_setup_fails_clearly():
    with pytest.raises(RuntimeError, match="setup"):
        Poisson(mean=1.0).mean()


@pytest.mark.parametrize("cls", [Poisson, Deterministic, Normal])
def test_mean_spread_gives_the_cross_sku_cv_and_keeps_the_population_mean(cls):
    kwargs = {"cv": 0.1} if cls is Normal else {}
    model = ready(cls(mean=10.0, mean_spread=0.5, **kwargs), n_skus=40_000)
    means = model.base_mean()
    assert_mean(means, 10.0, 5.0)
    assert abs(means.std() / means.mean() - 0.5) < 0.03
    # lognormal: the median sits below the mean, at mean / sqrt(1 + cv^2)
    assert abs(np.median(means) - 10.0 / np.sqrt(1.25)) < 0.1


def test_per_sku_lists_are_taken_as_given():
    model = ready(Poisson(mean=UserList([1.0, 2.0, 3.0])), n_skus=3)  # ListConfig-like
    np.testing.assert_array_equal(model.mean(), [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"mean has 3 per-SKU values .* n_skus=4"):
        Poisson(mean=[1.0, 2.0, 3.0]).setup(4, np.random.default_rng(0))


def test_population_summary_schema():
    model = Poisson(
        mean=5.0,
        mean_spread=0.3,
        yearly_amplitude=0.2,
        phase_spread=60,
        shocks=[{"period": 10, "factor": 2.0, "fraction": 0.5}],
    )
    model = ready(model, n_skus=8)
    frame = population_summary(model)
    assert list(frame.columns) == [
        "sku",
        "family",
        "mean",
        "std",
        "base_mean",
        "yearly_peak",
        "shock_0",
    ]
    assert isinstance(frame, pd.DataFrame) and len(frame) == 8
    np.testing.assert_array_equal(frame["mean"], model.mean())
    np.testing.assert_array_equal(frame["std"], model.std())
    assert frame["shock_0"].sum() == 4


modulations = st.fixed_dictionaries(
    {},
    optional={
        "weekly_amplitude": st.floats(0, 1),
        "yearly_amplitude": st.floats(0, 1),
        "phase_spread": st.floats(0, 365),
        "trend": st.floats(-0.05, 0.05),
        "shocks": st.lists(
            st.fixed_dictionaries(
                {"period": st.integers(0, 50), "factor": st.floats(0, 5)},
                optional={"fraction": st.floats(0, 1)},
            ),
            max_size=2,
        ),
        "promotions": st.fixed_dictionaries(
            {"probability": st.floats(0.01, 1)},
            optional={"duration": st.integers(1, 5), "lift": st.floats(0.01, 5)},
        ),
    },
)
means = st.floats(0.01, 50)
spreads = st.floats(0, 1.5)
families = st.one_of(
    st.tuples(st.just(Poisson), st.fixed_dictionaries({"mean": means, "mean_spread": spreads})),
    st.tuples(
        st.just(NegativeBinomial),
        st.fixed_dictionaries(
            {"mean": means, "variance_ratio": st.floats(1.01, 20), "mean_spread": spreads}
        ),
    ),
    st.tuples(
        st.just(Normal),
        st.fixed_dictionaries({"mean": means, "cv": st.floats(0, 3), "mean_spread": spreads}),
    ),
    st.tuples(
        st.just(Intermittent),
        st.fixed_dictionaries(
            {
                "probability": st.floats(0.01, 1),
                "size_mean": st.floats(1, 20),
                "size_dist": st.sampled_from(["geometric", "poisson"]),
            }
        ),
    ),
    st.tuples(
        st.just(Deterministic), st.fixed_dictionaries({"mean": means, "mean_spread": spreads})
    ),
)


@settings(max_examples=60, deadline=None)
@given(
    family=families,
    modulation=modulations,
    n_skus=st.integers(1, 12),
    start=st.integers(0, 400),
    n_periods=st.integers(0, 30),
    seed=st.integers(0, 2**32 - 1),
)
def test_any_valid_model_gives_non_negative_demand_of_the_right_shape(
    family, modulation, n_skus, start, n_periods, seed
):
    cls, params = family
    model = cls(**params, **modulation)
    model.setup(n_skus, np.random.default_rng(seed))
    rng = np.random.default_rng(seed + 1)
    x = model.sample(rng, start, n_periods)
    assert x.shape == (n_periods, n_skus) and x.dtype == np.float64
    assert np.all(np.isfinite(x)) and np.all(x >= 0)
    assert np.all(model.mean_path(start, n_periods) >= 0)
    assert np.all(model.mean() >= 0) and np.all(model.std() >= 0)
    if model.family != "normal":
        times, sku, sizes = model.sample_events(rng, 20.5)
        assert times.shape == sku.shape == sizes.shape
        assert np.all(np.diff(times) >= 0) and np.all((times >= 0) & (times < 20.5))
        assert np.all((sku >= 0) & (sku < n_skus)) and np.all(sizes > 0)
